"""Vietnamese personal-data detectors and the soc.pii.* enricher: validation, masking, the labelled corpus, the store.

The corpus (tests/pii_corpus.jsonl, built by tests/make_pii_corpus.py from the published layouts) holds positives of
every type inside URLs/JSON/SQL/mail subjects and hard negatives (order numbers, timestamps, invoice ids, random
12-digit ids). Ingest tests go through real files, the real ingest engine and real Parquet partitions.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc.cli import app
from soc.config import ConfigError, from_dict
from soc.enrich import pii
from soc.enrich.pii_eval import default_corpus, evaluate
from soc.enrich.pipeline import ingest_paths
from soc.store.embedded import EventStore

TODAY = date(2026, 11, 24)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(m.type, m.value) for m in pii.find(text, today=TODAY)]


def test_corpus_precision_and_recall():
    score = evaluate(default_corpus(), today=TODAY)
    assert score.lines >= 2000 and score.tp >= 1000
    assert score.precision >= 0.99, score.errors[:20]
    assert score.recall >= 0.95, score.errors[:20]
    assert set(score.by_type) == set(pii.TYPES)  # every type is represented
    for kind, c in score.by_type.items():
        assert c["tp"] / (c["tp"] + c["fn"]) >= 0.95, kind


def test_cccd_structure():
    assert pii.valid_cccd("001203004567", TODAY)  # Hà Nội, G=2: male born 2003
    assert not pii.valid_cccd("003203004567", TODAY)  # 003 is not a province code
    assert not pii.valid_cccd("001403004567", TODAY)  # G=4 → born 2103
    assert not pii.valid_cccd("001230004567", TODAY)  # G=2, YY=30 → 2030, in the future
    assert pii.valid_cccd("079195004567", TODAY)  # G=1 → female born 1995
    assert not pii.valid_cccd("07919500456", TODAY)


def test_other_validators():
    assert pii.valid_tax_code("0100109106") and pii.valid_tax_code("0100109106-001")
    assert not pii.valid_tax_code("0100109107")
    assert pii.valid_card("4111111111111111") and not pii.valid_card("4111111111111112")
    assert not pii.valid_card("1234567812345670")  # Luhn-valid but no issuer starts with 1
    assert pii.valid_mobile("0912345678") and pii.valid_mobile("0329876543")
    assert not pii.valid_mobile("0212345678") and not pii.valid_mobile("0123456789")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/tra-cuu?cccd=001203004567", [("cccd", "001203004567")]),
        ("cccd%3D001203004567%26sdt%3D%2B84912345678", [("cccd", "001203004567"), ("phone", "0912345678")]),
        ('{"so_cmnd": "012345678"}', [("cmnd", "012345678")]),
        ("CMND số 012345678 cấp ngày", [("cmnd", "012345678")]),
        ("so_cong_van=012345678", []),  # nine digits without a CMND label
        ("mst=0100109106", [("tax_code", "0100109106")]),
        ("mst=0100109107", []),  # wrong check digit
        ("WHERE ma_so_bhxh = '0123456789'", [("bhxh", "0123456789")]),
        ("ma_the_bhyt=DN4010123456789", [("bhyt", "DN4010123456789")]),
        ("Liên hệ 0912 345 678", [("phone", "0912345678")]),
        ("card=4111-1111-1111-1111", [("bank_card", "4111111111111111")]),
        ("email=Nguyen.Van.A%40gmail.com", [("email", "nguyen.van.a@gmail.com")]),
        ('["001203004567","079195004567"]', [("cccd", "001203004567"), ("cccd", "079195004567")]),
        ("order_id=001203004567", []),  # labelled as an order number
        ("ma_hoa_don=0912345678", []),  # phone-like invoice number
        ("/hoa-don/HD0912345678.pdf", []),  # glued to letters
        ("ts=1732420800&t=1732420800123", []),
        ("total=1.0912345678", []),  # decimal number
        ("/images/logo@2x.png", []),
        ("Initiator : admin@carbon.super | Action : Add User", []),  # WSO2 tenant, not a mailbox
        ("tel=02436789123", []),  # landline
    ],
)
def test_find(text: str, expected: list[tuple[str, str]]):
    assert kinds(text) == expected


def test_masking_never_keeps_the_middle():
    assert pii.mask("001203004567", "cccd") == "0012******67"
    assert pii.mask("0912345678", "phone") == "0912****78"
    assert pii.mask("nguyen.van.a@gmail.com", "email") == "ng***@gmail.com"
    assert pii.redact("x?cccd=001203004567&q=a+b [24/Nov/2026:10:00:00 +0700]") == (
        "x?cccd=0012******67&q=a+b [24/Nov/2026:10:00:00 +0700]"  # text kept as it is around the mask
    )


LINES = [
    '203.0.113.9 - - [24/Nov/2026:10:00:00 +0700] "GET /dvc/tra-cuu?cccd=001203004567&sdt=0912345678 HTTP/1.1" '
    '200 512 "-" "Mozilla/5.0"',
    '203.0.113.9 - - [24/Nov/2026:10:00:01 +0700] "GET /api/lo?ds=001203004567,079195004567,036190001234 HTTP/1.1" '
    '200 512 "-" "Mozilla/5.0"',
    '203.0.113.9 - - [24/Nov/2026:10:00:02 +0700] "GET /tin-tuc?page=2 HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
    '203.0.113.9 - - [24/Nov/2026:10:00:03 +0700] "GET /don-hang?order_id=001203004567 HTTP/1.1" 200 5 "-" "x"',
]


def _ingest(tmp_path: Path, raw: dict) -> list[dict]:
    log = tmp_path / "logs" / "dichvucong-access.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    cfg = from_dict(raw, data_dir=tmp_path / "data")
    assert ingest_paths(cfg, [log], parser="nginx_combined").stored == len(LINES)
    con = EventStore(cfg.data_dir).open_events(need=["soc.pii.types", "soc.pii.count", "soc.pii.distinct",
                                                     "soc.pii.examples", "soc.time.hour"])
    cur = con.execute('SELECT * FROM events ORDER BY "@timestamp"')
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_enricher_writes_counts_and_masked_examples_only(tmp_path: Path):
    rows = _ingest(tmp_path, {})
    first, bulk, plain, order = rows
    assert first["soc.pii.types"] == ["cccd", "phone"] and first["soc.pii.count"] == 2
    assert first["soc.pii.examples"] == ["0012******67", "0912****78"]
    assert bulk["soc.pii.distinct"] == 3 and bulk["soc.pii.count"] == 3  # url.query inside url.original: once
    assert plain["soc.pii.count"] is None and order["soc.pii.count"] is None
    assert first["soc.time.hour"] == 10  # local hour (Asia/Ho_Chi_Minh)
    for row in rows:
        stored = " ".join(str(v) for k, v in row.items() if k.startswith("soc.pii."))
        assert "001203004567" not in stored and "0912345678" not in stored
    assert "001203004567" in first["url.original"]  # default: the evidence is kept as logged


def test_redact_masks_the_stored_texts_too(tmp_path: Path):
    rows = _ingest(tmp_path, {"pii": {"redact": True}})
    for row in rows[:2]:
        everything = " ".join(str(v) for v in row.values())
        assert "001203004567" not in everything and "0912345678" not in everything
        assert "0012******67" in row["event.original"] and "+0700" in row["event.original"]
    assert rows[0]["soc.pii.count"] == 2  # counted before masking
    assert "001203004567" in rows[3]["url.original"]  # an order number is not personal data: left alone


def test_per_system_settings(tmp_path: Path):
    raw = {
        "systems": [{"name": "Cổng dịch vụ công", "type": "public-service", "paths": ["*dichvucong*"]}],
        "pii": {"systems": {"public-service": {"types": ["phone"]}}},
    }
    rows = _ingest(tmp_path, raw)
    assert rows[0]["soc.system"] == "Cổng dịch vụ công"
    assert rows[0]["soc.pii.types"] == ["phone"] and rows[1]["soc.pii.count"] is None
    raw["pii"] = {"systems": {"Cổng dịch vụ công": {"enabled": False}}}
    assert all(r["soc.pii.count"] is None for r in _ingest(tmp_path / "off", raw))


def test_unknown_type_is_a_config_error(tmp_path: Path):
    log = tmp_path / "a.log"
    log.write_text(LINES[0] + "\n", encoding="utf-8")
    cfg = from_dict({"pii": {"types": ["cccd", "passport"]}}, data_dir=tmp_path / "d")
    with pytest.raises(ConfigError, match="passport"):
        ingest_paths(cfg, [log], parser="nginx_combined")


def test_pii_eval_command_prints_both_figures():
    result = CliRunner().invoke(app, ["rules", "pii-eval"])
    assert result.exit_code == 0, result.output
    figures = dict(part.split("=") for part in result.output.strip().splitlines()[-1].split())
    assert float(figures["precision"]) >= 0.99 and float(figures["recall"]) >= 0.95
    bad = CliRunner().invoke(app, ["rules", "pii-eval", "--corpus", "/nonexistent.jsonl"])
    assert bad.exit_code == 1 and "corpus not found" in bad.output


def test_sql_prefilter_never_drops_an_identifier():
    """The DuckDB regexp prefilter must pass every corpus line that holds an identifier (else recall is lost)."""
    import json

    from soc.enrich.pii_enrich import PREFILTER
    from soc.store.duck import connect

    items = [json.loads(line) for line in default_corpus().read_text(encoding="utf-8").splitlines()]
    con = connect()
    passed = [con.execute("SELECT regexp_matches(?, ?)", [it["text"], PREFILTER]).fetchone()[0] for it in items]
    assert all(ok for ok, it in zip(passed, items, strict=True) if it["pii"])
    assert not any(con.execute("SELECT regexp_matches(?, ?)", [text, PREFILTER]).fetchone()[0] for text in (
        "/documents/1/0/12-QD.pdf?t=1765000000000", "/api/hoso/tra-cuu?maHoSo=000.00.12.H99-241124-0001",
        "/image/journal/article?img_id=123456", "ts=20261124083015",
    ))  # the usual look-alikes never reach Python
