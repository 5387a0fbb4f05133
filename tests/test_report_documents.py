"""Ministry-format reports reopened and checked: DOCX (Decree 30 layout), PDF text, XLSX annex, re-runs."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from pypdf import PdfReader

from soc.demo import demo_config, run
from soc.report.monitoring import annex_frames, build_monitoring, monitoring_document, resolve_period
from soc.report.periodic import iso_utc, period_bounds
from soc.report.writer import write_report
from soc.store import StateDB

END = date(2026, 11, 20)
START = END - timedelta(days=1)


@pytest.fixture(scope="module")
def demo_cfg(tmp_path_factory):
    cfg = demo_config(tmp_path_factory.mktemp("demo") / "data")
    cfg.raw["report"] = {"agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "agency_short": "SKHCN", "place": "Demo",
                         "signer_name": "Nguyễn Văn An", "recipients": ["Cục A05 - Bộ Công an", "UBND tỉnh"]}
    run(cfg, days=2, seed=3, end=END, volume=400)
    lo, _ = period_bounds(START, END, cfg.timezone)
    db = StateDB(cfg.data_dir / "state.db")
    db.upsert_alert({"id": "hostile", "rule_id": "r-x", "rule_title": "=HYPERLINK(\"http://evil\",\"x\")",
                     "rule_level": "low", "first_time": iso_utc(lo + timedelta(hours=1)),
                     "last_time": iso_utc(lo + timedelta(hours=1)), "event_ids": ["e1"], "source_ip": "+1.2.3.4"})
    db.close()
    return cfg


@pytest.fixture(scope="module")
def written(demo_cfg, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    m = build_monitoring(demo_cfg, START, END)
    paths = write_report(monitoring_document(demo_cfg, m), annex_frames(m), out, "bao-cao", )
    return m, paths, out


def _period_alerts(cfg) -> list[dict]:
    lo, hi = period_bounds(START, END, cfg.timezone)
    db = StateDB(cfg.data_dir / "state.db")
    rows = [a for a in db.alerts() if iso_utc(lo) <= a["first_time"] < iso_utc(hi) and a["status"] != "suppressed"]
    db.close()
    return rows


def test_docx_has_decree30_elements_and_store_figures(demo_cfg, written):
    _, paths, _ = written
    doc = open_docx(paths["docx"])
    header = doc.tables[0]
    left, right = (c.text for c in header.rows[0].cells)
    assert "UBND TỈNH DEMO" in left and "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in left and "/BC-SKHCN" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert "Demo, ngày" in right
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert any(t.startswith("Kết quả giám sát an toàn thông tin từ ngày 19/11/2026 đến ngày 20/11/2026") for t in texts)
    closing = doc.tables[-1].rows[0].cells
    assert "Nơi nhận:" in closing[0].text and "Cục A05 - Bộ Công an" in closing[0].text and "Lưu: VT" in closing[0].text
    assert "Nguyễn Văn An" in closing[1].text and "GIÁM ĐỐC" in closing[1].text
    section = doc.sections[0]
    margins = (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    assert [round(m.mm) for m in margins] == [30, 15, 20, 20]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert section.different_first_page_header_footer  # page numbers from page 2
    runs = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(r.font.name == "Times New Roman" for r in runs)
    alerts = _period_alerts(demo_cfg)
    total = f"Số cảnh báo: {len(alerts):,}".replace(",", ".")
    assert any(t.startswith(f"- {total},") for t in texts), total
    level_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Mức độ")
    by_level = {r.cells[0].text: int(r.cells[1].text.replace(".", "")) for r in level_table.rows[1:]}
    assert by_level["Cao"] == sum(a["rule_level"] == "high" for a in alerts)
    assert by_level["Thấp"] == sum(a["rule_level"] == "low" for a in alerts) == 1
    assert any(p._element.xpath(".//pic:pic") for p in doc.paragraphs)  # the chart is embedded


def test_pdf_has_pages_and_vietnamese_text(written):
    _, paths, _ = written
    reader = PdfReader(paths["pdf"])
    assert len(reader.pages) >= 2
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text and "Tấn công thay đổi giao diện" in text


def test_xlsx_annex_holds_every_alert_and_neutralises_formulas(demo_cfg, written):
    _, paths, _ = written
    ws = load_workbook(paths["xlsx"])["Cảnh báo"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    assert len(rows) == len(_period_alerts(demo_cfg))
    hostile = next(r for r in rows if r["Mã cảnh báo"] == "hostile")
    assert hostile["Quy tắc"].startswith("'=HYPERLINK")
    assert hostile["IP nguồn"] == "'+1.2.3.4"
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for r in rows for v in r.values())


def test_rerun_replaces_files(demo_cfg, written):
    m, paths, out = written
    before = sorted(p.name for p in out.iterdir())
    again = write_report(monitoring_document(demo_cfg, m), annex_frames(m), out, "bao-cao")
    assert sorted(p.name for p in out.iterdir()) == before and again == paths


def test_markdown_and_json_agree_with_store(demo_cfg, written):
    import json

    _, paths, _ = written
    payload = json.loads(Path(paths["json"]).read_text())
    assert len(payload["annex"]["Cảnh báo"]) == len(_period_alerts(demo_cfg))
    assert "# BÁO CÁO" in Path(paths["md"]).read_text()


@pytest.mark.parametrize(("kind", "start", "expected"), [
    ("week", None, (date(2026, 11, 16), date(2026, 11, 22))),
    ("month", None, (date(2026, 10, 1), date(2026, 10, 31))),
    ("quarter", None, (date(2026, 7, 1), date(2026, 9, 30))),
    ("month", date(2026, 2, 10), (date(2026, 2, 1), date(2026, 2, 28))),
    ("quarter", date(2026, 1, 5), (date(2026, 1, 1), date(2026, 3, 31))),
])
def test_resolve_period(kind, start, expected):
    assert resolve_period(kind, start, None, date(2026, 11, 25)) == expected


def test_resolve_period_previous_quarter_crosses_year():
    assert resolve_period("quarter", None, None, date(2026, 2, 1)) == (date(2025, 10, 1), date(2025, 12, 31))


def _case(cfg, fragment: str, title: str) -> int:
    from soc.triage import cases

    db = StateDB(cfg.data_dir / "state.db")
    try:
        ids = [a["id"] for a in db.alerts() if fragment in a["rule_title"]]
        assert ids, fragment
        return cases.create(db, title, "tester", ids)["id"]
    finally:
        db.close()


def test_incident_report_filled_from_case(demo_cfg, tmp_path):
    from soc.report.incident import case_annex, incident_document, load_case

    case_id = _case(demo_cfg, "After Brute Force", "Đăng nhập trái phép bastion")
    data = load_case(demo_cfg, case_id)
    paths = write_report(incident_document(demo_cfg, data), case_annex(data), tmp_path, "incident",
                         ("docx", "xlsx"))
    doc = open_docx(paths["docx"])
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Mẫu 03" in text and "Đăng nhập trái phép bastion" in text
    assert "Máy chủ quản trị tập trung (bastion): cấp độ 3" in text  # system and its security level
    assert "Thời điểm phát hiện (*):" in text and "Truy cập trái phép, chiếm quyền điều khiển" in text
    assert "[TBSC]" in text
    events = load_workbook(paths["xlsx"])["Sự kiện"]
    assert events.max_row - 1 == len(data.events) > 0


def test_breach_notice_shows_72h_deadline_and_masks(demo_cfg, tmp_path):
    from datetime import UTC, datetime

    from soc.report.incident import breach_document, case_annex, load_case

    case_id = _case(demo_cfg, "Sensitive File", "Lộ tệp sao lưu")
    data = load_case(demo_cfg, case_id)
    doc = breach_document(demo_cfg, data, now=data.detected + timedelta(hours=70))
    paths = write_report(doc, case_annex(data), tmp_path, "breach", ("docx", "pdf"))
    callout = open_docx(paths["docx"]).tables[1].rows[0].cells[0].text
    deadline = (data.detected + timedelta(hours=72)).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"THỜI HẠN THÔNG BÁO 72 GIỜ: trước {deadline:%H:%M ngày %d/%m/%Y}" in callout
    assert "còn 2,0 giờ" in callout
    late = breach_document(demo_cfg, data, now=data.detected + timedelta(hours=80))
    assert "ĐÃ QUÁ HẠN 8,0 giờ" in late.blocks[0].text
    assert datetime.now(UTC) > data.detected


def test_masking_of_identifiers():
    from soc.enrich.masking import mask_text

    assert mask_text("cccd=001099012345&sdt=0912345678 mail an.nguyen@gov.vn") == \
        "cccd=0010******45&sdt=0912****78 mail a***@gov.vn"
    assert mask_text("id=12345") == "id=12345"


def test_country_from_offline_geoip_csv(tmp_path):
    from soc.report.monitoring import _origin

    csv_file = tmp_path / "geo.csv"
    csv_file.write_text("start,end,country\n14.160.0.0,14.191.255.255,VN\n45.0.0.0,45.0.0.255,US\n")
    assert _origin("14.161.3.9", str(csv_file)) == "VN"
    assert _origin("45.0.0.7", str(csv_file)) == "US"
    assert _origin("8.8.8.8", str(csv_file)) == "Internet (chưa xác định quốc gia)"
    assert _origin("10.1.2.3", str(csv_file)) == "Mạng nội bộ"


def test_province_docx_template_is_used(demo_cfg, tmp_path, written):
    from docx import Document as new_docx

    m, _, _ = written
    template = tmp_path / "mau.docx"
    base = new_docx()
    base.styles["Normal"].font.name = "Times New Roman"
    base.core_properties.author = "Văn phòng UBND tỉnh"
    base.add_paragraph("nội dung mẫu sẽ bị thay")
    base.save(template)
    doc = monitoring_document(demo_cfg, m)
    doc.profile["docx_template"] = str(template)
    path = write_report(doc, annex_frames(m), tmp_path, "tpl", ("docx",))["docx"]
    reopened = open_docx(path)
    assert reopened.core_properties.author == "Văn phòng UBND tỉnh"
    assert all("nội dung mẫu" not in p.text for p in reopened.paragraphs)
    assert any("Sự cố (hồ sơ sự cố) mở trong kỳ" in p.text for p in reopened.paragraphs)
