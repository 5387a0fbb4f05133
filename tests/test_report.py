"""Periodic report: numbers in the Markdown equal what the stores hold for the period (real StateDB, real events)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from soc.config import from_dict
from soc.report import build, write_markdown
from soc.report.markdown import fmt_int, md_cell, render
from soc.store import EventStore, StateDB
from soc.store.duck import connect, literal
from soc.store.events_api import ArrowBatch

START, END = date(2026, 11, 21), date(2026, 11, 23)
# Asia/Ho_Chi_Minh is UTC+7: the period is [2026-11-20T17:00Z, 2026-11-23T17:00Z)
LO, HI = "2026-11-20T17:00:00.000000Z", "2026-11-23T17:00:00.000000Z"

SYSTEMS = [
    {"name": "Cổng thông tin điện tử", "type": "portal", "vhosts": ["demo.gov.vn"], "level": 3},
    {"name": "Cổng dịch vụ công", "type": "public-service", "vhosts": ["dichvucong.demo.gov.vn"], "level": 3},
    {"name": "Máy chủ bastion", "type": "server", "hosts": ["bastion"], "level": 2},
]


def _cfg(tmp_path: Path):
    raw = {"province": {"name": "Tỉnh Demo", "unit": "Trung tâm Giám sát"}, "systems": SYSTEMS}
    return from_dict(raw, data_dir=tmp_path / "data")


def _alert(
    n: int,
    first: str,
    level: str = "high",
    rule: str = "r-brute",
    title: str = "SSH brute force",
    system: str | None = "Máy chủ bastion",
    ip: str | None = "203.0.113.45",
    last: str | None = None,
    status: str = "new",
    events: int = 3,
) -> dict:
    return {
        "id": f"a{n}",
        "rule_id": rule,
        "rule_title": title,
        "rule_level": level,
        "rule_tags": ["attack.t1110"],
        "first_time": first,
        "last_time": last or first,
        "event_ids": [f"e{n}-{i}" for i in range(events)],
        "group_key": str(n),
        "host": "bastion",
        "system": system,
        "source_ip": ip,
        "user_name": "admin",
        "status": status,
    }


def _store_events(data_dir: Path, rows: list[tuple[str, str, str | None]]) -> None:
    """Store events (UTC timestamp, dataset, soc.system) through the real EventStore."""
    store = EventStore(data_dir)
    con = connect()
    values = ", ".join(
        f"(TIMESTAMP {literal(ts)}, {literal(f'ev{i}')}, {literal(ds)}, "
        f"{literal(sys) if sys else 'NULL'}, {literal(f'line {i}')})"
        for i, (ts, ds, sys) in enumerate(rows)
    )
    con.execute(
        'CREATE TABLE batch("@timestamp" TIMESTAMP, "event.id" VARCHAR, "event.dataset" VARCHAR, '
        f'"soc.system" VARCHAR, "event.original" VARCHAR); INSERT INTO batch VALUES {values}'
    )
    with store.write_lock():
        assert store.append(ArrowBatch(con.table("batch").to_arrow_table())) == len(rows)


@pytest.fixture
def populated(tmp_path: Path):
    cfg = _cfg(tmp_path)
    db = StateDB(cfg.data_dir / "state.db")
    alerts = [
        _alert(1, "2026-11-20T17:00:00.000000Z"),  # 21/11 00:00 local: first instant of the period
        _alert(
            2,
            "2026-11-22T03:00:00.000000Z",
            level="critical",
            rule="r-webshell",
            title="Webshell",
            system="Cổng thông tin điện tử",
            ip="198.51.100.7",
            events=1,
        ),
        _alert(
            3,
            "2026-11-23T16:59:59.000000Z",
            level="medium",
            rule="r-sqli",
            title="SQL injection",
            system="Cổng dịch vụ công",
        ),  # 23/11 23:59:59 local: last second of the period
        _alert(4, "2026-11-22T05:00:00.000000Z", ip="203.0.113.99", last="2026-11-22T05:03:00.000000Z"),
        _alert(
            5,
            "2026-11-21T10:00:00.000000Z",
            level="low",
            rule="r-404",
            title="Many 404",
            system=None,
            ip=None,
        ),
        # outside the period
        _alert(10, "2026-11-20T16:59:59.000000Z"),  # 20/11 23:59:59 local
        _alert(11, "2026-11-23T17:00:00.000000Z", level="low"),  # 24/11 00:00 local
        _alert(12, "2026-11-19T08:00:00.000000Z", last="2026-11-21T08:00:00.000000Z"),  # began before
        # suppressed: counted apart
        _alert(20, "2026-11-22T06:00:00.000000Z", status="suppressed"),
    ]
    for a in alerts:
        assert db.upsert_alert(a)
    db.close()
    _store_events(
        cfg.data_dir,
        [
            ("2026-11-20 16:59:59", "nginx.access", "Cổng thông tin điện tử"),  # before
            ("2026-11-20 17:00:00", "nginx.access", "Cổng thông tin điện tử"),  # 21/11 local
            ("2026-11-21 01:00:00", "nginx.access", "Cổng thông tin điện tử"),
            ("2026-11-21 18:00:00", "nginx.access", "Cổng dịch vụ công"),  # 22/11 01:00 local
            ("2026-11-22 02:00:00", "system.auth", "Máy chủ bastion"),
            ("2026-11-22 02:00:01", "system.auth", "Máy chủ bastion"),
            ("2026-11-23 16:59:59", "system.auth", None),  # 23/11 local, untagged
            ("2026-11-23 17:00:00", "system.auth", "Máy chủ bastion"),  # after
        ],
    )
    return cfg


def _tables(md: str) -> dict[str, list[list[str]]]:
    """Markdown tables keyed by the heading above them; cells split on unescaped pipes and unescaped."""
    out: dict[str, list[list[str]]] = {}
    heading = ""
    for line in md.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and not set(line) <= set("|:- "):
            out.setdefault(heading, []).append(_cells(line))
    return out


def _cells(line: str) -> list[str]:
    cells, cur, i = [], "", 1
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            cur += line[i + 1]
            i += 2
            continue
        if ch == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    return cells


def _expected_alerts(cfg) -> dict[str, int]:
    con = sqlite3.connect(cfg.data_dir / "state.db")
    rows = con.execute(
        "SELECT rule_level, count(*) FROM alerts WHERE first_time >= ? AND first_time < ? AND status != "
        "'suppressed' GROUP BY 1",
        (LO, HI),
    ).fetchall()
    con.close()
    return dict(rows)


def _expected_events(cfg) -> dict[str, int]:
    con = connect()
    files = ", ".join(literal(str(p)) for p in sorted((cfg.data_dir / "events").rglob("*.parquet")))
    rows = con.execute(
        f'SELECT "event.dataset", count(*) FROM read_parquet([{files}]) WHERE "@timestamp" >= '
        "TIMESTAMP '2026-11-20 17:00:00' AND \"@timestamp\" < TIMESTAMP '2026-11-23 17:00:00' GROUP BY 1"
    ).fetchall()
    return dict(rows)


def test_numbers_match_the_stores(populated, tmp_path):
    cfg = populated
    data = build(cfg, START, END)
    want_alerts, want_events = _expected_alerts(cfg), _expected_events(cfg)
    assert want_alerts == {"high": 2, "critical": 1, "medium": 1, "low": 1}
    assert want_events == {"nginx.access": 3, "system.auth": 3}
    assert data.total_alerts == 5 and data.total_events == 6 and data.suppressed_alerts == 1
    assert set(data.alerts["id"]) == {"a1", "a2", "a3", "a4", "a5"}

    md = write_markdown(data, tmp_path / "r.md").read_text(encoding="utf-8")
    assert md.startswith("# BÁO CÁO GIÁM SÁT AN TOÀN THÔNG TIN")
    assert "từ ngày 21/11/2026 đến ngày 23/11/2026" in md
    t = _tables(md)
    by_level = {r[0]: r[1] for r in t["2. Tổng hợp cảnh báo theo mức độ"][1:]}
    assert by_level == {
        "Nghiêm trọng": "1",
        "Cao": "2",
        "Trung bình": "1",
        "Thấp": "1",
        "Thông tin": "0",
        "**Tổng cộng**": "**5**",
    }
    by_rule = {r[1]: (r[3], r[4]) for r in t["3. Tổng hợp cảnh báo theo quy tắc phát hiện"][1:]}
    assert by_rule == {
        "r-webshell": ("1", "1"),
        "r-brute": ("2", "6"),
        "r-sqli": ("1", "3"),
        "r-404": ("1", "3"),
    }
    by_system = {r[0]: (r[2], r[3]) for r in t["4. Tổng hợp cảnh báo theo hệ thống thông tin"][1:]}
    assert by_system == {
        "Máy chủ bastion": ("2", "2"),
        "Cổng thông tin điện tử": ("3", "1"),
        "Cổng dịch vụ công": ("3", "1"),
        "(không xác định)": ("", "1"),
    }
    by_day = {r[0]: r[1] for r in t["5. Cảnh báo theo ngày"][1:]}
    assert by_day == {"21/11/2026": "2", "22/11/2026": "2", "23/11/2026": "1"}
    ips = t["6. Địa chỉ IP nguồn có nhiều cảnh báo nhất"][1:]
    assert ips[0][:3] == ["203.0.113.45", "2", "2"] and {r[0] for r in ips} == {
        "203.0.113.45",
        "198.51.100.7",
        "203.0.113.99",
    }
    datasets = {r[1]: r[2] for r in t["8. Sự kiện nhật ký theo nguồn dữ liệu"][1:]}
    assert datasets == {"nginx.access": "3", "system.auth": "3", "": "**6**"}
    systems = {r[0]: r[1] for r in t["Sự kiện nhật ký theo hệ thống thông tin"][1:]}
    assert systems == {
        "Cổng thông tin điện tử": "2",
        "Máy chủ bastion": "2",
        "Cổng dịch vụ công": "1",
        "(không xác định)": "1",
    }
    ev_day = t["9. Sự kiện nhật ký theo ngày"]
    assert ev_day[0] == ["Ngày", "nginx.access", "system.auth", "Tổng cộng"]
    assert ev_day[1:] == [
        ["21/11/2026", "2", "0", "2"],
        ["22/11/2026", "1", "2", "3"],
        ["23/11/2026", "0", "1", "1"],
    ]
    assert f"**{fmt_int(sum(want_events.values()))}**" in md
    assert "Cảnh báo đã loại trừ" in md


def test_alerts_outside_period_excluded(populated):
    data = build(populated, date(2026, 11, 24), date(2026, 11, 24))
    assert list(data.alerts["id"]) == ["a11"]
    assert data.total_events == 1
    data = build(populated, date(2026, 11, 20), date(2026, 11, 20))
    assert list(data.alerts["id"]) == ["a10"]  # a12 first happened on 19/11


def test_empty_period_is_a_valid_report(tmp_path):
    cfg = _cfg(tmp_path)
    data = build(cfg, START, END)
    out = write_markdown(data, tmp_path / "reports" / "empty.md")
    md = out.read_text(encoding="utf-8")
    assert "Không có cảnh báo nào trong kỳ báo cáo." in md
    assert "Không có sự kiện nhật ký nào trong kỳ báo cáo." in md
    assert not (cfg.data_dir / "state.db").exists()  # a report never creates state
    t = _tables(md)
    assert {r[0]: r[1] for r in t["2. Tổng hợp cảnh báo theo mức độ"][1:]}["**Tổng cộng**"] == "**0**"
    assert len(t["5. Cảnh báo theo ngày"]) == 4  # header + three days, all zero
    assert len(t["4. Tổng hợp cảnh báo theo hệ thống thông tin"]) == 1 + len(SYSTEMS)


def test_hostile_strings_escaped(tmp_path):
    cfg = _cfg(tmp_path)
    db = StateDB(cfg.data_dir / "state.db")
    hostile = "Evil | title `code` <script>alert(1)</script>\nnew row | [link](http://x) \\| *b*"
    db.upsert_alert(
        _alert(
            1,
            "2026-11-22T03:00:00.000000Z",
            title=hostile,
            rule="r|x",
            system="sys|<img src=x onerror=alert(1)>",
            ip="1.2.3.4|\r\n| 9 |",
        )
    )
    db.close()
    md = render(build(cfg, START, END))
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    t = _tables(md)
    rule_rows = t["3. Tổng hợp cảnh báo theo quy tắc phát hiện"]
    assert len(rule_rows) == 2 and all(len(r) == 7 for r in rule_rows)
    # the cell reads back as the original text (newline → space, HTML as entities)
    assert rule_rows[1][0].replace("&lt;", "<").replace("&gt;", ">") == " ".join(hostile.splitlines())
    assert rule_rows[1][1] == "r|x"
    ip_rows = t["6. Địa chỉ IP nguồn có nhiều cảnh báo nhất"]
    assert len(ip_rows) == 2 and len(ip_rows[1]) == 6 and ip_rows[1][0].startswith("1.2.3.4|")
    sys_rows = t["4. Tổng hợp cảnh báo theo hệ thống thông tin"]
    assert all(len(r) == 9 for r in sys_rows)
    for line in md.splitlines():
        assert "`" not in line.replace("\\`", "")


def test_md_cell():
    assert md_cell(None) == ""
    assert md_cell("a|b") == "a\\|b"
    assert md_cell("a\\|b") == "a\\\\\\|b"
    assert md_cell("x\ny\rz\u2028w") == "x y z w"
    assert md_cell("<b>&") == "&lt;b&gt;&amp;"
    assert md_cell("[t](u)") == "\\[t\\](u)"


def test_rerun_replaces_file_atomically(populated, tmp_path):
    out = tmp_path / "reports" / "r.md"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    write_markdown(build(populated, START, END), out)
    first = out.read_text(encoding="utf-8")
    assert first.startswith("# BÁO CÁO")
    write_markdown(build(populated, START, END), out)
    assert [p.name for p in out.parent.iterdir()] == ["r.md"]  # no temporary files left behind


def test_period_in_another_zone(populated):
    populated.timezone = "UTC"
    data = build(populated, date(2026, 11, 20), date(2026, 11, 20))
    assert set(data.alerts["id"]) == {"a10", "a1"}  # 16:59:59Z and 17:00Z are both 20/11 in UTC


def test_period_must_be_ordered(tmp_path):
    with pytest.raises(ValueError):
        build(_cfg(tmp_path), END, START)


def test_mask_hook(populated):
    data = build(populated, START, END, mask=lambda v, kind: "x.x.x.x" if kind == "ip" else "***")
    assert data.masked and set(data.top_source_ips["source_ip"]) == {"x.x.x.x"}
    assert "đã được che" in render(data)
