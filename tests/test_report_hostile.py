"""Hostile log text in every report format: a data directory whose user names, URLs, rule titles and case title hold
ESC, NUL, VT, Rich markup, HTML and a DDE formula; every file is written, opened again and shows the text inert."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from soc.config import from_dict
from soc.report.publish import case_report_name, monitoring_name, write_case_report, write_monitoring
from soc.report.safe_text import cell_text, neutralise, pdf_markup, visible
from soc.report.writer import FORMATS
from soc.store import EventStore, StateDB
from soc.store.duck import connect, literal
from soc.store.events_api import ArrowBatch
from soc.triage import cases

START, END = date(2026, 11, 21), date(2026, 11, 23)
FORMULA = "=cmd|' /C calc'!A0"
MARKUP = "[bold red]x[/]"
USER = f"adm\x1bin\x00{MARKUP}\x0b<script>"
URL = "/login?next=\x1b[31mred\x00<script>alert(1)</script>\x0b&q=" + MARKUP
TITLE = f"Brute\x1b[2J {MARKUP} <script>x</script>\x00"
CASE_TITLE = f"Sự cố\x1b[0m {MARKUP}\x0b <b>đậm</b>"
# raw characters that must never reach a report file (tab and newline are legitimate text)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def _events(data_dir: Path, rows: list[tuple[str, str, str, str]]) -> None:
    """Store events (id, UTC timestamp, user.name, url.original) through the real EventStore."""
    con = connect()
    values = ", ".join(
        f"(TIMESTAMP {literal(ts)}, {literal(eid)}, 'nginx.access', 'Cổng dịch vụ công', '203.0.113.9', "
        f"{literal(user)}, {literal(url)}, {literal(f'GET {url} user={user}')})"
        for eid, ts, user, url in rows)
    con.execute('CREATE TABLE batch("@timestamp" TIMESTAMP, "event.id" VARCHAR, "event.dataset" VARCHAR, '
                '"soc.system" VARCHAR, "source.ip" VARCHAR, "user.name" VARCHAR, "url.original" VARCHAR, '
                f'"event.original" VARCHAR); INSERT INTO batch VALUES {values}')
    store = EventStore(data_dir)
    with store.write_lock():
        assert store.append(ArrowBatch(con.table("batch").to_arrow_table())) == len(rows)


def _alert(n: int, first: str, user: str, title: str, ip: str, events: list[str]) -> dict:
    return {"id": f"a{n}", "rule_id": f"r-{n}", "rule_title": title, "rule_level": "high",
            "rule_tags": ["attack.t1110"], "first_time": first, "last_time": first, "event_ids": events,
            "group_key": str(n), "host": "portal", "system": "Cổng dịch vụ công", "source_ip": ip,
            "user_name": user, "status": "new"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A populated data directory, a case of its alerts, and every report written in every format."""
    root = tmp_path_factory.mktemp("hostile")
    cfg = from_dict({"province": {"name": "Tỉnh Demo", "unit": "Trung tâm Giám sát"},
                     "systems": [{"name": "Cổng dịch vụ công", "type": "public-service", "level": 3}]},
                    data_dir=root / "data")
    _events(cfg.data_dir, [("e1", "2026-11-22 03:00:00", USER, URL), ("e2", "2026-11-22 03:00:05", FORMULA, URL),
                           ("e3", "2026-11-22 04:00:00", FORMULA, f"{FORMULA}{URL}")])
    db = StateDB(cfg.data_dir / "state.db")
    try:
        db.upsert_alert(_alert(1, "2026-11-22T03:00:00.000000Z", USER, TITLE, FORMULA, ["e1", "e2"]))
        db.upsert_alert(_alert(2, "2026-11-22T04:00:00.000000Z", FORMULA, FORMULA, "203.0.113.9", ["e3"]))
        case_id = cases.create(db, CASE_TITLE, "tester", ["a1", "a2"])["id"]
    finally:
        db.close()
    out = root / "reports"
    written = {"monitoring": write_monitoring(cfg, START, END, out, FORMATS),
               "incident": write_case_report(cfg, "incident", case_id, False, False, out, FORMATS),
               "breach": write_case_report(cfg, "breach", case_id, False, False, out, FORMATS)}
    return cfg, case_id, out, written


def _docx_text(path: Path) -> str:
    doc = open_docx(path)
    parts = [p.text for p in doc.paragraphs]

    def cells(tables) -> None:
        for t in tables:
            for row in t.rows:
                for c in row.cells:
                    parts.extend(p.text for p in c.paragraphs)
                    cells(c.tables)

    cells(doc.tables)
    return "\n".join(parts)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_every_format_of_every_report_is_written(hostile):
    _, case_id, out, written = hostile
    names = {"monitoring": monitoring_name(START, END), "incident": case_report_name("incident", case_id),
             "breach": case_report_name("breach", case_id)}
    for kind, w in written.items():
        assert w.failed == {}, (kind, w.failed)
        assert sorted(w) == sorted(FORMATS)
        assert all(w[f] == out / f"{names[kind]}.{f}" and w[f].stat().st_size > 0 for f in FORMATS)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("kind", ["monitoring", "incident", "breach"])
def test_docx_shows_hostile_text_inert(hostile, kind):
    text = _docx_text(hostile[3][kind]["docx"])
    assert not RAW.search(text)
    assert MARKUP in text and "<script>" in text  # markup shows literally: python-docx stores text, not markup
    if kind == "monitoring":
        assert visible(TITLE) in text and FORMULA in text  # rule title, source IP
    else:
        assert "Sự cố\\x1b[0m [bold red]x[/]\\x0b <b>đậm</b>" in text  # the case title, escapes visible
    if kind == "incident":
        assert "adm\\x1bin\\x00[bold red]x[/]\\x0b<script>" in text  # the account column of the alert table


@pytest.mark.parametrize("kind", ["monitoring", "incident", "breach"])
def test_pdf_shows_hostile_text_inert(hostile, kind):
    reader = PdfReader(hostile[3][kind]["pdf"])
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert not RAW.search(text)
    assert MARKUP in flat and "<script>" in flat and "\\x1b" in flat
    if kind != "monitoring":
        assert "<b>đậm</b>" in flat  # reportlab markup in a case title is text, not bold
    assert reader.metadata.title and not RAW.search(reader.metadata.title)


@pytest.mark.parametrize("kind", ["monitoring", "incident", "breach"])
def test_xlsx_cells_are_text_visible_and_neutralised(hostile, kind):
    wb = load_workbook(hostile[3][kind]["xlsx"])
    values = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert values and not [c.value for c in values if RAW.search(c.value)]
    assert all(c.data_type == "s" for c in values)  # no formula cell at all
    assert not [c.value for c in values if c.value[:1] in ("=", "+", "@")]
    texts = {c.value for c in values}
    assert "'" + FORMULA in texts
    if kind == "monitoring":
        ws = wb["Cảnh báo"]
        header = [c.value for c in ws[1]]
        users = {r[header.index("Tài khoản")] for r in ws.iter_rows(min_row=2, values_only=True)}
        assert users == {"'" + FORMULA, visible(USER)}
    else:  # the matched events' annex: URLs and user names (masked form) made visible
        ws = wb["Sự kiện"]
        header = [c.value for c in ws[1]]
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert {r[header.index("Tài khoản")] for r in rows} == {"'" + FORMULA, visible(USER)}
        urls = {r[header.index("Địa chỉ URL")] for r in rows}
        assert visible(URL) in urls and "'" + visible(FORMULA + URL) in urls


@pytest.mark.parametrize("kind", ["monitoring", "incident", "breach"])
def test_csv_cells_are_escaped_and_neutralised(hostile, kind):
    path = hostile[3][kind]["csv"]
    raw = path.read_text(encoding="utf-8-sig")
    assert not RAW.search(raw.replace("\r\n", "\n"))  # only the csv module's row ends
    rows = list(csv.reader(raw.splitlines()))
    header, body = rows[0], rows[1:]
    cells = [c for r in body for c in r]
    assert "'" + FORMULA in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    assert all(not c.startswith("-") or re.fullmatch(r"-\d+(?:[.,]\d+)?", c) for c in cells)
    assert all(len(r) == len(header) for r in body)
    assert visible(USER) in {r[header.index("Tài khoản")] for r in body}


@pytest.mark.parametrize("kind", ["monitoring", "incident", "breach"])
def test_json_and_markdown_show_escapes(hostile, kind):
    written = hostile[3][kind]
    raw = written["json"].read_text(encoding="utf-8")
    payload = json.loads(raw)
    strings = _strings(payload)
    assert not [s for s in strings if RAW.search(s)]
    assert any(visible(USER) in s for s in strings) and any("\\x1b" in s for s in strings)
    md = written["md"].read_text(encoding="utf-8")
    assert not RAW.search(md)
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\\\x1b" in md  # md_cell escapes the visible escape's backslash: the page reads \x1b
    assert "\\[bold red\\]x\\[/\\]" in md


def test_period_markdown_file_shows_escapes(hostile, tmp_path):
    from soc.report.publish import write_period_markdown

    md = write_period_markdown(hostile[0], START, END, tmp_path / "p.md").read_text(encoding="utf-8")
    assert not RAW.search(md) and "\\\\x1b" in md and "&lt;script&gt;" in md


def test_one_failing_format_does_not_stop_the_others(hostile, tmp_path):
    """The PDF's target is a directory (unwritable): every other format is still written, the PDF failure is named,
    no temporary file is left, and the CLI exits 1 with ``error: pdf: …`` on stderr."""
    from soc.cli import app

    cfg = hostile[0]
    out = tmp_path / "out"
    blocked = out / f"{monitoring_name(START, END)}.pdf"
    blocked.mkdir(parents=True)
    written = write_monitoring(cfg, START, END, out, FORMATS)
    assert set(written.failed) == {"pdf"} and "IsADirectoryError" in written.failed["pdf"]
    assert sorted(written) == sorted(set(FORMATS) - {"pdf"}) and all(p.is_file() for p in written.values())
    assert blocked.is_dir() and not list(blocked.iterdir())
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]

    cli_out = tmp_path / "cli"
    (cli_out / f"{monitoring_name(START, END)}.pdf").mkdir(parents=True)
    result = CliRunner().invoke(app, ["--data-dir", str(cfg.data_dir), "report", "periodic", "--from",
                                      START.isoformat(), "--to", END.isoformat(), "--out-dir", str(cli_out),
                                      "--format", ",".join(FORMATS)])
    assert result.exit_code == 1, result.output
    assert re.search(r"^error: pdf: IsADirectoryError", result.stderr, re.M), result.stderr
    assert result.stdout.count("report written:") == len(FORMATS) - 1
    for fmt in set(FORMATS) - {"pdf"}:
        assert (cli_out / f"{monitoring_name(START, END)}.{fmt}").is_file()

    ok = CliRunner().invoke(app, ["--data-dir", str(cfg.data_dir), "report", "incident", str(hostile[1]),
                                  "--out-dir", str(tmp_path / "ok"), "--format", "docx,csv"])
    assert ok.exit_code == 0 and ok.stdout.count("report written:") == 2 and not ok.stderr


def test_safe_text_rules():
    assert visible("a\x1bb\x00c\x0bd\x7fe\x85f") == "a\\x1bb\\x00c\\x0bd\\x7fe\\x85f"
    assert visible("tab\tnew\nline\r\nend\r") == "tab\tnew\nline\nend\\x0d"
    assert visible("a\tb\nc", one_line=True) == "a\\x09b\\x0ac"
    assert visible("\ud800x\ufffe\uffff") == "\\ud800x\\ufffe\\uffff"
    assert visible("abc\u202eexe.pdf\u2066") == "abc\\u202eexe.pdf\\u2066"
    assert visible("Việt Nam — ✓ \u2028") == "Việt Nam — ✓ \u2028"
    for formula in ("=1+1", "+1", "-1+cmd", "@SUM(A1)", "\tx", "\r=x", "-", "=cmd|' /C calc'!A0"):
        assert neutralise(formula) == "'" + formula
    for plain in ("-12", "-3,5", "-0.25", "12", "a=b", "'quoted"):
        assert neutralise(plain) == plain
    assert cell_text("\x1b=x") == "\\x1b=x" and cell_text("\r=x") == "\\x0d=x" and cell_text("\t=x") == "'\t=x"
    assert pdf_markup("<b>&\x1b\n") == "&lt;b&gt;&amp;\\x1b<br/>"


def test_documents_built_in_code_survive_surrogates_and_bidi(tmp_path):
    """Characters no store can hold but a caller can pass (lone surrogates, U+FFFE, bidi overrides, C1)."""
    import pandas as pd

    from soc.report.document import Bullets, Callout, Document, Fields, Heading, Para, Table
    from soc.report.writer import write_report

    bad = "x\ud800y\ufffe\u202egpj.exe\x85z\x1b"
    doc = Document("BÁO CÁO", "BC", f"subject {bad}", date(2026, 11, 23), {"agency": bad, "recipients": [bad]},
                   [Heading(bad), Para(bad), Bullets([bad]), Fields([(bad, bad)]), Callout(bad),
                    Table(pd.DataFrame([[bad], [FORMULA]], columns=pd.Index([bad], dtype=object), dtype=object),
                          caption=bad)])
    # object columns: pandas' Arrow strings cannot even hold a lone surrogate
    frames = {"Sheet": pd.DataFrame([[bad, 1], [FORMULA, 2], [-5, 3]], columns=pd.Index([bad, "n"], dtype=object),
                                    dtype=object)}
    written = write_report(doc, frames, tmp_path, "odd")
    assert written.failed == {} and sorted(written) == sorted(FORMATS)
    shown = visible(bad)
    assert shown in _docx_text(written["docx"])
    pdf = " ".join(p.extract_text() for p in PdfReader(written["pdf"]).pages)
    assert "gpj.exe" in pdf and "\\u202e" in pdf and not RAW.search(pdf)
    ws = load_workbook(written["xlsx"])["Sheet"]
    assert [c.value for c in ws["A"]] == [shown, shown, "'" + FORMULA, -5]
    assert not RAW.search(written["csv"].read_text(encoding="utf-8-sig"))
    assert not RAW.search(written["md"].read_text(encoding="utf-8"))
    assert shown in written["json"].read_text(encoding="utf-8").replace("\\\\", "\\")
