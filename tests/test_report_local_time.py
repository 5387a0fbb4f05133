"""Local times and Vietnamese words in every report format (issue 16): a data directory whose alert and events
happened at 22:14 +07:00 on 29/11 (15:14 UTC) and at 06:30 +07:00 on 29/11 (23:30 UTC on 28/11); every format is
written, opened again and shows local times with the zone named, local days, and Vietnamese words only."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from pypdf import PdfReader

from soc.config import from_dict
from soc.report.charts import per_day_figure
from soc.report.incident import CASE_SHEETS
from soc.report.localize import sheet_name
from soc.report.monitoring import SHEETS
from soc.report.periodic import build
from soc.report.publish import write_case_report, write_monitoring, write_period_markdown
from soc.report.words import LEVEL_VI, STATUS_VI, english_words
from soc.report.writer import FORMATS
from soc.store import EventStore, StateDB
from soc.store.duck import connect, literal
from soc.store.events_api import ArrowBatch
from soc.timefmt import to_local_naive, zone_label
from soc.triage import cases
from soc.triage.workflow import add_note

START, END = date(2026, 11, 28), date(2026, 11, 30)
EVENING = datetime(2026, 11, 29, 22, 14)  # local wall clock of 2026-11-29T15:14:00Z
MORNING = datetime(2026, 11, 29, 6, 30)  # local wall clock of 2026-11-28T23:30:00Z
ENGLISH = english_words()


def _events(data_dir: Path) -> None:
    con = connect()
    rows = [("e1", "2026-11-29 15:14:00", "/dang-nhap"), ("e2", "2026-11-28 23:30:00", "/tra-cuu")]
    values = ", ".join(f"(TIMESTAMP {literal(ts)}, {literal(eid)}, 'nginx.access', 'Cổng dịch vụ công', "
                       f"'203.0.113.9', 'an', {literal(url)}, {literal('GET ' + url)})" for eid, ts, url in rows)
    con.execute('CREATE TABLE batch("@timestamp" TIMESTAMP, "event.id" VARCHAR, "event.dataset" VARCHAR, '
                '"soc.system" VARCHAR, "source.ip" VARCHAR, "user.name" VARCHAR, "url.original" VARCHAR, '
                f'"event.original" VARCHAR); INSERT INTO batch VALUES {values}')
    store = EventStore(data_dir)
    with store.write_lock():
        assert store.append(ArrowBatch(con.table("batch").to_arrow_table())) == 2


def _alert(n: int, first: str, level: str, events: list[str]) -> dict:
    return {"id": f"a{n}", "rule_id": f"r-{n}", "rule_title": f"Dò mật khẩu {n}", "rule_level": level,
            "rule_tags": ["attack.t1110"], "first_time": first, "last_time": first, "event_ids": events,
            "group_key": str(n), "host": "portal", "system": "Cổng dịch vụ công", "source_ip": "203.0.113.9",
            "user_name": "an", "status": "new"}


def _config(root: Path, report: dict | None = None):
    raw = {"province": {"name": "Tỉnh Demo", "unit": "Trung tâm Giám sát"},
           "systems": [{"name": "Cổng dịch vụ công", "type": "public-service", "level": 3}]}
    if report:
        raw["report"] = report
    return from_dict(raw, data_dir=root / "data")


def _populate(cfg) -> int:
    _events(cfg.data_dir)
    db = StateDB(cfg.data_dir / "state.db")
    try:
        db.upsert_alert(_alert(1, "2026-11-29T15:14:00.000000Z", "high", ["e1"]))
        db.upsert_alert(_alert(2, "2026-11-28T23:30:00.000000Z", "critical", ["e2"]))
        case_id = cases.create(db, "Dò mật khẩu cổng dịch vụ công", "tester", ["a1"])["id"]
        add_note(db, "case", str(case_id), "tester", "Đã chặn địa chỉ nguồn")
    finally:
        db.close()
    return case_id


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("localtime")
    cfg = _config(root)
    case_id = _populate(cfg)
    out = root / "reports"
    written = {"monitoring": write_monitoring(cfg, START, END, out, FORMATS),
               "incident": write_case_report(cfg, "incident", case_id, False, False, out, FORMATS)}
    for w in written.values():
        assert w.failed == {}
    return cfg, written, root


def _docx_text(path: Path) -> str:
    doc = open_docx(path)
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def _no_utc(text: str) -> None:
    assert "15:14" not in text and "23:30" not in text and "28/11/2026 23" not in text


# -- core helpers --------------------------------------------------------------------------------------------
def test_zone_label_and_local_naive():
    assert zone_label("Asia/Ho_Chi_Minh") == "GMT+7"
    assert zone_label("Asia/Kolkata") == "GMT+5:30"
    assert zone_label("Europe/Paris", datetime(2026, 1, 10, tzinfo=UTC)) == "Europe/Paris, GMT+1"
    assert zone_label("UTC") == "GMT+0"
    assert to_local_naive("2026-11-29T15:14:00Z", "Asia/Ho_Chi_Minh") == EVENING
    assert to_local_naive(datetime(2026, 11, 28, 23, 30), "Asia/Ho_Chi_Minh") == MORNING  # naive means UTC
    assert to_local_naive(None, "Asia/Ho_Chi_Minh") is None and to_local_naive("", "UTC") is None


def test_sheet_names_are_valid_for_excel():
    name = sheet_name("Sự kiện: [a/b]*?\\ theo ngày của hệ thống thông tin")
    assert name.startswith("Sự kiện") and len(name) <= 31 and not set(name) & set("[]:*?/\\")
    assert len(sheet_name("x" * 40)) == 31 and sheet_name("[]") == "Sheet"


# -- the periodic tables and Markdown ------------------------------------------------------------------------
def test_periodic_tables_count_local_days(reports):
    cfg, _, _ = reports
    data = build(cfg, START, END)
    alerts = {r["day"]: r["alerts"] for _, r in data.alerts_by_day.iterrows()}
    events = {r["day"]: r["total"] for _, r in data.events_by_day.iterrows()}
    assert alerts == {date(2026, 11, 28): 0, date(2026, 11, 29): 2, date(2026, 11, 30): 0}
    assert events == {date(2026, 11, 28): 0, date(2026, 11, 29): 2, date(2026, 11, 30): 0}


def test_period_markdown_shows_local_times_labelled(reports, tmp_path):
    cfg, _, _ = reports
    md = write_period_markdown(cfg, START, END, tmp_path / "p.md").read_text(encoding="utf-8")
    body = "\n".join(line for line in md.splitlines() if "Thời điểm lập báo cáo" not in line)
    assert "29/11/2026 22:14" in body and "29/11/2026 06:30" in body
    assert "Lần đầu (GMT+7)" in body and "Lần cuối (GMT+7)" in body
    _no_utc(body)
    assert "| 29/11/2026 |" in body  # the day row of both alerts
    cells = {c.strip().replace("\\", "") for line in md.splitlines() if line.startswith("|") for c in line.split("|")}
    assert not cells & ENGLISH
    assert STATUS_VI["new"] in cells and LEVEL_VI["critical"] in cells


# -- the monitoring report in every format -------------------------------------------------------------------
def test_monitoring_markdown_docx_pdf_show_local_times(reports):
    _, written, _ = reports
    w = written["monitoring"]
    for text in (w["md"].read_text(encoding="utf-8"), _docx_text(w["docx"]), _pdf_text(w["pdf"])):
        assert "29/11/2026 22:14" in text and "Thời điểm (GMT+7)" in text  # open risks table
        _no_utc(text)
        assert not re.search(r"\b(critical|high|medium|informational|new|in_progress)\b", text)


def test_monitoring_xlsx_times_are_local_datetimes_and_words_vietnamese(reports):
    _, written, _ = reports
    wb = load_workbook(written["monitoring"]["xlsx"])
    assert wb.sheetnames == list(SHEETS["vi"])
    ws = wb["Cảnh báo"]
    header = [c.value for c in ws[1]]
    assert "Lần đầu (GMT+7)" in header and "Lần cuối (GMT+7)" in header and "Thời điểm tạo (GMT+7)" in header
    rows = {r[header.index("Mã cảnh báo")].value: r for r in ws.iter_rows(min_row=2)}
    first = rows["a1"][header.index("Lần đầu (GMT+7)")]
    assert first.value == EVENING and first.is_date and first.number_format == "dd/mm/yyyy hh:mm:ss"
    assert rows["a2"][header.index("Lần đầu (GMT+7)")].value == MORNING
    assert rows["a1"][header.index("Mức độ")].value == "Cao"
    assert rows["a1"][header.index("Trạng thái")].value == "Mới"
    days = wb["Sự kiện theo ngày"]
    dhead = [c.value for c in days[1]]
    assert dhead[0] == "Ngày (GMT+7)"
    by_day = {r[0].value.date(): r[dhead.index("Tổng cộng")].value for r in days.iter_rows(min_row=2)}
    assert by_day == {date(2026, 11, 28): 0, date(2026, 11, 29): 2, date(2026, 11, 30): 0}
    for sheet in wb.worksheets:
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert not [v for v in values if isinstance(v, str) and (v in ENGLISH or "15:14" in v or "T15:" in v)]
        assert not [v for v in values if isinstance(v, str) and re.fullmatch(r"'?@\w+", v)]


def test_monitoring_csv_shows_local_times(reports):
    _, written, _ = reports
    rows = list(csv.reader(written["monitoring"]["csv"].read_text(encoding="utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert not set(header) & ENGLISH
    col = header.index("Lần đầu (GMT+7)")
    assert {r[header.index("Mã cảnh báo")]: r[col] for r in body} == {"a1": "29/11/2026 22:14:00",
                                                                          "a2": "29/11/2026 06:30:00"}
    _no_utc(" ".join(c for r in body for c in r))


def test_chart_legend_in_vietnamese():
    import pandas as pd

    by_day = pd.DataFrame({"day": [date(2026, 11, 29)], **{lv: [1] for lv in LEVEL_VI}})
    fig = per_day_figure(by_day, list(LEVEL_VI))
    try:
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    finally:
        plt.close(fig)
    assert legend == list(LEVEL_VI.values()) and not set(legend) & ENGLISH


# -- the incident report and its annex -----------------------------------------------------------------------
def test_incident_report_shows_local_times(reports):
    _, written, _ = reports
    w = written["incident"]
    for text in (w["md"].read_text(encoding="utf-8"), _docx_text(w["docx"]), _pdf_text(w["pdf"])):
        assert "22:14 ngày 29/11/2026 (GMT+7)" in text  # Thời điểm phát hiện
        assert "Thời điểm (GMT+7)" in text and "29/11/2026 22:14" in text  # the alerts table
        _no_utc(text)
    wb = load_workbook(w["xlsx"])
    assert wb.sheetnames == list(CASE_SHEETS["vi"])
    ev = wb["Sự kiện"]
    header = [c.value for c in ev[1]]
    assert "Thời gian (GMT+7)" in header and not set(header) & ENGLISH
    assert not [h for h in header if str(h).startswith(("'", "@"))]
    cell = ev.cell(row=2, column=header.index("Thời gian (GMT+7)") + 1)
    assert cell.value == EVENING and cell.number_format == "dd/mm/yyyy hh:mm:ss"
    rows = list(csv.reader(w["csv"].read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][rows[0].index("Lần đầu (GMT+7)")] == "29/11/2026 22:14:00"


# -- the English profile keeps English words -----------------------------------------------------------------
def test_english_profile_keeps_english_words(tmp_path):
    cfg = _config(tmp_path, {"language": "en"})
    _populate(cfg)
    w = write_monitoring(cfg, START, END, tmp_path / "out", ("xlsx", "md"))
    assert w.failed == {}
    wb = load_workbook(w["xlsx"])
    assert wb.sheetnames == list(SHEETS["en"])
    header = [c.value for c in wb["Alerts"][1]]
    assert "rule_level" in header and "first_time (GMT+7)" in header
    row = next(r for r in wb["Alerts"].iter_rows(min_row=2, values_only=True) if r[header.index("id")] == "a1")
    assert row[header.index("rule_level")] == "high" and row[header.index("first_time (GMT+7)")] == EVENING
    assert "29/11/2026 22:14" in w["md"].read_text(encoding="utf-8")


def test_unknown_language_is_refused(tmp_path):
    cfg = _config(tmp_path, {"language": "fr"})
    with pytest.raises(ValueError, match=r"\[report\] language"):
        write_monitoring(cfg, START, END, tmp_path / "out", ("md",))
