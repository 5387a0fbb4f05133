"""Decree 30/2020 layout measured on the rendered page: the monitoring report, incident report and breach notice as
our PDF and as LibreOffice renders our DOCX, read back with ``pdftotext -layout``: national title, motto and agency
lines unwrapped, the serif embedded, IP addresses whole, table headers repeated and never alone at a page foot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from soc.demo import demo_config, run
from soc.report import layout
from soc.report.document import MOTTO, NATIONAL_TITLE, Document, Para, Table
from soc.report.docx_render import render_docx
from soc.report.fonts import CANDIDATES, VIETNAMESE, covers_vietnamese, find_serif, serif
from soc.report.pdf_render import render_pdf
from soc.report.profile import load_profile

END = date(2026, 11, 20)
KINDS = ("periodic", "incident", "breach")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
LO_TIMEOUT = 300  # seconds for one LibreOffice conversion batch (measured ~2–10 s for the three reports)


def _tool(*names: str) -> str:
    for name in names:
        if path := shutil.which(name):
            return path
    pytest.skip(f"{' / '.join(names)} not installed (apt-get install libreoffice-writer-nogui poppler-utils): "
                "the layout cannot be measured here")


def _text(pdf: Path, *crop: str, first_page_only: bool = True) -> str:
    args = [_tool("pdftotext"), "-layout", *crop]
    if first_page_only:
        args += ["-f", "1", "-l", "1"]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    return unicodedata.normalize("NFC", out)


def _pages(pdf: Path) -> list[list[str]]:
    return [[ln.strip() for ln in page.splitlines() if ln.strip()]
            for page in _text(pdf, first_page_only=False).split("\f") if page.strip()]


def _libreoffice(docx: list[Path], out: Path, tmp: Path) -> tuple[list[Path], float]:
    """Convert ``docx`` files to PDF with LibreOffice headless (own profile, so parallel runs never collide)."""
    office = _tool("libreoffice", "soffice")
    started = time.monotonic()
    subprocess.run([office, f"-env:UserInstallation=file://{tmp / 'lo-profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(out), *map(str, docx)], capture_output=True, check=True,
                   timeout=LO_TIMEOUT)
    pdfs = [out / f"{p.stem}.pdf" for p in docx]
    assert all(p.is_file() for p in pdfs), pdfs
    return pdfs, time.monotonic() - started


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The demo's three reports (written by soc.report.publish), and each as our PDF and as LibreOffice's PDF."""
    root = tmp_path_factory.mktemp("layout")
    cfg = demo_config(root / "data")
    cfg.raw["report"] = {"place": "Demo", "signer_name": "Nguyễn Văn An"}
    result = run(cfg, days=2, seed=3, end=END, volume=400)
    assert sorted(result.reports) == sorted(KINDS)
    written = {k: result.reports[k] for k in KINDS}
    assert all(not w.failed for w in written.values()), {k: w.failed for k, w in written.items()}
    return cfg, written, root


@pytest.fixture(scope="module")
def office_pdfs(reports):
    _, written, root = reports
    (root / "lo").mkdir()
    pdfs, seconds = _libreoffice([written[k]["docx"] for k in KINDS], root / "lo", root)
    print(f"LibreOffice converted {len(pdfs)} DOCX reports in {seconds:.1f} s")
    assert seconds < LO_TIMEOUT
    return dict(zip(KINDS, pdfs, strict=True))


def _pdf(reports, office_pdfs, renderer: str, kind: str) -> Path:
    return reports[1][kind]["pdf"] if renderer == "ours" else office_pdfs[kind]


@pytest.fixture(params=["ours", "libreoffice"])
def renderer(request):
    if request.param == "libreoffice":
        _tool("libreoffice", "soffice")
    return request.param


@pytest.fixture
def office(request, renderer):
    return request.getfixturevalue("office_pdfs") if renderer == "libreoffice" else {}


@pytest.mark.parametrize("kind", KINDS)
def test_national_title_and_motto_each_on_one_line(reports, office, renderer, kind):
    lines = _text(_pdf(reports, office, renderer, kind)).splitlines()
    assert any(NATIONAL_TITLE in ln for ln in lines), lines[:8]
    assert any(MOTTO in ln for ln in lines), lines[:8]
    # nothing of the title spills onto the next line (e.g. a lone "NAM")
    title_at = next(i for i, ln in enumerate(lines) if NATIONAL_TITLE in ln)
    assert "NAM" not in lines[title_at + 1].replace(NATIONAL_TITLE, "")


@pytest.mark.parametrize("kind", KINDS)
def test_agency_block_at_most_two_lines(reports, office, renderer, kind):
    profile = load_profile(reports[0])
    g = layout.header_layout(profile["parent_agency"], profile["agency"], "")
    width = (layout.MARGINS_MM["left"] * layout.MM + g.left)  # the left header column, in pt (72 dpi pixels)
    crop = ["-x", "0", "-y", "0", "-W", str(int(width)), "-H", str(int(45 * layout.MM))]
    lines = [ln.strip() for ln in _text(_pdf(reports, office, renderer, kind), *crop).splitlines() if ln.strip()]
    number_at = next(i for i, ln in enumerate(lines) if ln.startswith("Số:"))
    parent, *agency = lines[:number_at]
    assert parent == profile["parent_agency"].upper()
    assert 1 <= len(agency) <= 2, lines
    assert " ".join(agency) == profile["agency"].upper()


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_embeds_the_serif_and_uses_nothing_else(reports, office, renderer, kind):
    reader = PdfReader(_pdf(reports, office, renderer, kind))
    used: dict[str, bool] = {}
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        content = page.get_contents().get_data().decode("latin-1")
        for key in set(re.findall(r"(/[\w+.-]+)\s+[\d.]+\s+Tf", content)):
            font = fonts[key].get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            used[str(font["/BaseFont"]).split("+")[-1]] = embedded
    assert used and all(used.values()), used
    assert all(re.fullmatch(r"(LiberationSerif|TimesNewRoman\w*)(-\w+)?", name) for name in used), used
    assert {"LiberationSerif", "LiberationSerif-Bold"} <= set(used) or any(n.startswith("Times") for n in used)


@pytest.mark.parametrize("kind", KINDS)
def test_ip_addresses_in_tables_are_never_split(reports, office, renderer, kind):
    _, written, _ = reports
    doc = json.loads(written[kind]["json"].read_text(encoding="utf-8"))
    cells = [str(v) for b in doc["blocks"] if b["type"] == "table" for row in b["rows"] for v in row.values()]
    ips = {ip for cell in cells for ip in IPV4.findall(cell)}
    assert ips, "the demo's tables hold IP addresses"
    text = _text(_pdf(reports, office, renderer, kind), first_page_only=False)
    shown = set(IPV4.findall(text))
    assert ips <= shown, sorted(ips - shown)


def _long_table_document(filler: int) -> Document:
    rows = [{"Địa chỉ IP nguồn": f"198.51.{i // 250}.{i % 250 + 1}", "Thời điểm": f"20/11/2026 14:{i % 60:02d}",
             "Số cảnh báo": str(i)} for i in range(70)]
    blocks = [Para(f"Đoạn văn số {n}.") for n in range(filler)]
    blocks.append(Table(pd.DataFrame(rows), caption="Nguồn tấn công", right=frozenset({2})))
    return Document("BÁO CÁO", "BC", "Kiểm tra bảng dài", END, {"agency": "TRUNG TÂM GIÁM SÁT", "place": "Demo"},
                    blocks)


def _check_table_pages(pdf: Path) -> None:
    """Every page holding rows starts them under the header; no page ends with the header (or caption) alone."""
    pages = [[ln for ln in page if not ln.isdigit()] for page in _pages(pdf)]
    seen = 0
    for lines in pages:
        rows = [i for i, ln in enumerate(lines) if IPV4.search(ln)]
        heads = [i for i, ln in enumerate(lines) if ln.startswith("Địa chỉ IP")]
        if heads:
            assert rows and rows[0] > heads[0], (lines[-5:], "header alone at the foot of a page")
        if rows:
            assert heads and heads[0] < rows[0], (lines[:5], "rows without their header")
        if lines and lines[-1] == "Nguồn tấn công":
            pytest.fail("caption alone at the foot of a page")
        seen += len(rows)
    assert seen == 70  # every row whole: each IP on one line


@pytest.mark.parametrize("filler", range(18, 30, 1))
def test_pdf_table_header_repeats_and_never_stands_alone(tmp_path, filler):
    _tool("pdftotext")
    _check_table_pages(render_pdf(_long_table_document(filler), tmp_path / "t.pdf"))


def test_docx_table_header_repeats_and_never_stands_alone(tmp_path):
    docx = [render_docx(_long_table_document(n), tmp_path / f"t{n}.docx") for n in range(18, 30, 2)]
    pdfs, _ = _libreoffice(docx, tmp_path / "lo", tmp_path)
    for pdf in pdfs:
        _check_table_pages(pdf)


@pytest.mark.parametrize("parent, agency, most", [
    ("UBND TỈNH DEMO", "TRUNG TÂM GIÁM SÁT AN TOÀN THÔNG TIN", 2),
    ("UBND THÀNH PHỐ HỒ CHÍ MINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", 2),
    ("UBND TỈNH BÀ RỊA - VŨNG TÀU", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", 2),
    ("UBND TỈNH THỪA THIÊN HUẾ", "TRUNG TÂM GIÁM SÁT, ĐIỀU HÀNH ĐÔ THỊ THÔNG MINH", 2),
    # 63 letters cannot fit two lines at 12 pt beside the national title: three balanced lines, no more
    ("BỘ CÔNG AN", "CỤC AN NINH MẠNG VÀ PHÒNG, CHỐNG TỘI PHẠM SỬ DỤNG CÔNG NGHỆ CAO", 3),
])
def test_header_geometry_is_measured(parent, agency, most):
    g = layout.header_layout(parent, agency, "Thành phố Hồ Chí Minh, ngày 20 tháng 11 năm 2026")
    assert g.left + g.right == pytest.approx(layout.TEXT_WIDTH)  # 210 mm − 30 − 15
    inner_right = g.right - 2 * layout.CELL_PAD
    assert layout.width_pt(NATIONAL_TITLE, g.title_size, bold=True) < inner_right
    assert layout.width_pt(MOTTO, g.motto_size, bold=True) < inner_right
    assert 12 <= g.title_size <= 13 and 13 <= g.motto_size <= 14 and 12 <= g.agency_size <= 13
    assert len(g.agency_lines) <= most and " ".join(g.agency_lines) == agency
    assert all(layout.width_pt(ln, g.agency_size, bold=True) <= g.agency_width for ln in g.agency_lines)
    assert len(layout.wrap(parent, g.parent_size, g.left - 2 * layout.CELL_PAD)) == 1
    assert g.motto_rule == pytest.approx(layout.width_pt(MOTTO, g.motto_size, bold=True))
    widest = max(layout.width_pt(ln, g.agency_size, bold=True) for ln in g.agency_lines)
    assert widest / 3 <= g.agency_rule <= widest / 2


def test_table_columns_fit_their_values():
    header = ["Thời điểm", "Địa chỉ IP", "URL"]
    rows = [["20/11/2026 14:50", "2001:db8:85a3::8a2e:370:7334", "/a/" + "x" * 400]]
    widths, size = layout.column_widths(header, rows, layout.TEXT_WIDTH, 10)
    assert sum(widths) == pytest.approx(layout.TEXT_WIDTH)
    assert layout.fit_size(rows[0][0], widths[0], size) == size  # the timestamp fits whole
    assert layout.fit_size(rows[0][1], widths[1], size) == size  # the IPv6 address fits whole
    assert layout.fit_size(rows[0][2], widths[2], size) < size  # an unbreakable long URL gets a smaller font
    assert layout.atomic("20/11/2026 14:50") == "20/11/2026\u00a014:50"


def test_serif_is_found_and_covers_vietnamese():
    files, fallback = find_serif()
    if fallback:
        pytest.skip(f"no Liberation Serif / Times New Roman in {[d for d, _ in CANDIDATES]}: install "
                    "fonts-liberation2")
    assert all(Path(f).is_file() for f in files) and covers_vietnamese(files[0]) and covers_vietnamese(files[1])
    assert serif().files == files
    assert not covers_vietnamese(str(Path(__file__)))  # not a font at all
    assert len(VIETNAMESE) >= 90 and "Ệ" in VIETNAMESE
    # a family in a directory that does not exist is passed over for the next one
    assert find_serif((("/nonexistent", CANDIDATES[1][1]), *CANDIDATES))[0] == files


def test_without_a_system_serif_the_bundled_one_is_a_loud_fallback():
    files, fallback = find_serif(())
    assert fallback and all(Path(f).is_file() and "DejaVuSerif" in f for f in files)
    assert covers_vietnamese(files[0]) and covers_vietnamese(files[1])
