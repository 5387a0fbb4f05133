"""What the documents say, on a demo province: address origins name documentation ranges as such, and the
breach notice accounts for what leaked — identifiers counted from the events' ``soc.pii.*`` fields and named by
kind, a leaked file named as the object to check, rows in time order and look-alike alerts as one row."""

from __future__ import annotations

from datetime import date

import pytest

from soc.demo import demo_config, run
from soc.report.document import Fields, Table
from soc.report.incident import breach_document, load_case
from soc.report.monitoring import _origin
from soc.store.state import StateDB
from soc.triage import cases


@pytest.mark.parametrize(("ip", "origin"), [
    ("203.0.113.77", "Dải địa chỉ dùng cho tài liệu (RFC 5737/3849)"),
    ("198.51.100.23", "Dải địa chỉ dùng cho tài liệu (RFC 5737/3849)"),
    ("192.0.2.1", "Dải địa chỉ dùng cho tài liệu (RFC 5737/3849)"),
    ("2001:db8::1", "Dải địa chỉ dùng cho tài liệu (RFC 5737/3849)"),
    ("10.10.20.7", "Mạng nội bộ"),
    ("192.168.1.5", "Mạng nội bộ"),
    ("127.0.0.1", "Mạng nội bộ"),
    ("240.0.0.1", "Dải dành riêng"),
    ("8.8.8.8", "Internet (chưa xác định quốc gia)"),
])
def test_origin_of_an_address(ip, origin):
    assert _origin(ip) == origin


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    cfg = demo_config(tmp_path_factory.mktemp("demo") / "data")
    run(cfg, days=1, seed=7, end=date(2026, 11, 20), volume=300)
    return cfg


def _case(cfg, title: str, *fragments: str) -> int:
    db = StateDB(cfg.data_dir / "state.db")
    try:
        ids = [a["id"] for a in db.alerts() if any(f in a["rule_title"] for f in fragments)]
        assert ids, f"the demo raised no alert matching {fragments}"
        return cases.create(db, title, "test", ids)["id"]
    finally:
        db.close()


def _fields(doc) -> dict[str, str]:
    return dict(next(b for b in doc.blocks if isinstance(b, Fields)).rows)


def _tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def test_breach_notice_counts_identifiers_from_the_events_and_names_their_kinds(demo):
    case_id = _case(demo, "Lộ số định danh qua URL", "Citizen Identifiers In Request URLs")
    data = load_case(demo, case_id)
    expected = int(data.events["soc.pii.count"].fillna(0).sum())
    assert expected > 0
    fields = _fields(breach_document(demo, data))
    assert fields["Số lượng bản ghi chứa dữ liệu cá nhân"] == f"{expected:,}".replace(",", ".")
    assert "số định danh cá nhân (CCCD)" in fields["Loại dữ liệu cá nhân"]
    assert "cccd" not in fields["Loại dữ liệu cá nhân"].split(", ")


def test_breach_notice_of_a_leaked_file_names_the_object_instead_of_zero_records(demo):
    case_id = _case(demo, "Lộ tệp sao lưu", "Sensitive File")
    doc = breach_document(demo, load_case(demo, case_id))
    records = _fields(doc)["Số lượng bản ghi chứa dữ liệu cá nhân"]
    assert records != "0" and "chưa xác định được từ nhật ký" in records
    exposure, alerts = _tables(doc)
    objects = list(exposure.frame["Đối tượng bị truy cập (URL)"])
    assert any(o.endswith((".sql", ".zip", ".env")) for o in objects)
    assert any(o in records for o in objects)
    for table, column in ((exposure, "Lần đầu (GMT+7)"), (alerts, "Từ (GMT+7)")):
        times = [(t[6:10], t[3:5], t[:2], t[11:]) for t in table.frame[column]]  # dd/mm/yyyy hh:mm
        assert times == sorted(times), f"{table.caption} is not in time order"
    keys = alerts.frame[["Cảnh báo", "Nguồn", "Hệ thống", "Tài khoản"]].apply(tuple, axis=1)
    assert keys.is_unique, "look-alike alerts are listed row by row"
    assert alerts.frame["Số cảnh báo"].map(int).sum() == len(load_case(demo, case_id).alerts)
