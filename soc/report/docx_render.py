"""DOCX renderer: a :class:`Document` laid out as a Vietnamese administrative document (Decree 30/2020, App. I).

A4 portrait, margins 20/20/30/15 mm, Times New Roman; two-column header (agency | national title and motto),
number and place/date, title and subject, justified 14 pt body with 1.27 cm first-line indent, page numbers top
centre from page 2, recipients and signature block. Never writes text a caller did not give it, and every text
enters through :func:`_run` (controls made visible).
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from soc.report.atomic import atomic_target
from soc.report.document import (
    MOTTO,
    NATIONAL_TITLE,
    Bullets,
    Callout,
    Document,
    Fields,
    Heading,
    Image,
    Para,
    Table,
)
from soc.report.safe_text import visible

FONT = "Times New Roman"


def _font(run, size: float, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = RGBColor(0, 0, 0)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _run(paragraph, text: object, size: float, bold: bool = False, italic: bool = False):
    """The one way text enters the DOCX: control and XML-invalid characters made visible (``\\x1b``) first."""
    run = paragraph.add_run(visible(text))
    _font(run, size, bold, italic)
    return run


def _para(container, text: str, size: float = 14, bold=False, italic=False, align=None, indent=False, after=6):
    p = container.add_paragraph()
    if text:
        _run(p, text, size, bold, italic)
    fmt = p.paragraph_format
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(0)
    if align is not None:
        p.alignment = align
    if indent:
        fmt.first_line_indent = Cm(1.27)
    return p


def _rule_under(paragraph, fraction: float = 1.0) -> None:
    """A bottom border under a centred header line (the short rules of Decree 30)."""
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)
    if fraction < 1.0:
        margin = Cm(3.0 * (1 - fraction))
        paragraph.paragraph_format.left_indent = margin
        paragraph.paragraph_format.right_indent = margin


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _page_numbers(section) -> None:
    """Page number top centre, from page 2 (different first page)."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    _font(run, 13)


def _header(docx, doc: Document) -> None:
    prof = doc.profile
    table = docx.add_table(rows=1, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)
    left.paragraphs[0].text = ""
    _run(left.paragraphs[0], prof.get("parent_agency", "").upper(), 13)
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    agency = _para(left, prof.get("agency", "").upper(), 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    _rule_under(agency, 0.4)
    _para(left, doc.number_line, 13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(right.paragraphs[0], NATIONAL_TITLE, 13, bold=True)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto = _para(right, MOTTO, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    _rule_under(motto, 0.7)
    _para(right, doc.place_date, 14, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _table(docx, block: Table) -> None:
    frame = block.frame
    if block.caption:
        _para(docx, block.caption, 13, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=3)
    t = docx.add_table(rows=1, cols=len(frame.columns))
    t.style = "Table Grid"
    for cell, name in zip(t.rows[0].cells, frame.columns, strict=True):
        cell.paragraphs[0].text = ""
        _run(cell.paragraphs[0], str(name), 12, bold=True)
    for row in frame.itertuples(index=False):
        cells = t.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.paragraphs[0].text = ""
            _run(cell.paragraphs[0], "" if value is None else str(value), 12)
    _para(docx, "", 6, after=3)


def _callout(docx, text: str) -> None:
    t = docx.add_table(rows=1, cols=1)
    t.style = "Table Grid"
    cell = t.rows[0].cells[0]
    cell.paragraphs[0].text = ""
    _run(cell.paragraphs[0], text, 14, bold=True)
    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    shade = OxmlElement("w:shd")
    for k, v in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "FFF2CC")):
        shade.set(qn(k), v)
    cell._tc.get_or_add_tcPr().append(shade)
    _para(docx, "", 6, after=3)


def _blocks(docx, doc: Document) -> None:
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for block in doc.blocks:
        if isinstance(block, Heading):
            _para(docx, block.text, 14, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, indent=True)
        elif isinstance(block, Para):
            _para(docx, block.text, 14, bold=block.bold, italic=block.italic, align=justify, indent=True)
        elif isinstance(block, Bullets):
            for item in block.items:
                _para(docx, f"- {item}", 14, align=justify, indent=True)
        elif isinstance(block, Fields):
            for label, value in block.rows:
                p = _para(docx, "", 14, align=justify, indent=True)
                _run(p, f"{label}: ", 14, bold=True)
                _run(p, value or "…………", 14)
        elif isinstance(block, Table):
            _table(docx, block)
        elif isinstance(block, Image):
            docx.add_picture(io.BytesIO(block.png), width=Cm(block.width_cm))
            docx.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            if block.caption:
                _para(docx, block.caption, 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif isinstance(block, Callout):
            _callout(docx, block.text)


def _closing(docx, doc: Document) -> None:
    prof = doc.profile
    table = docx.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    _run(left.paragraphs[0], "Nơi nhận:", 12, bold=True, italic=True)
    for r in [*prof.get("recipients", []), prof.get("archive", "Lưu: VT.")]:
        _para(left, f"- {r}", 11, after=0)
    right.paragraphs[0].text = ""
    _run(right.paragraphs[0], prof.get("signer_authority", "").upper(), 13, bold=True)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(right, prof.get("signer_title", "").upper(), 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=60)
    _para(right, prof.get("signer_name", ""), 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def render_docx(doc: Document, out: Path) -> Path:
    """Write ``doc`` to ``out`` (.docx) atomically and return the path."""
    template = doc.profile.get("docx_template")  # a province's own .docx: its styles, page setup, logo header
    docx = new_docx(template) if template else new_docx()
    if template:
        body = docx.element.body
        for child in list(body):
            if not child.tag.endswith("}sectPr"):
                body.remove(child)
    section = docx.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = docx.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    _page_numbers(section)
    _header(docx, doc)
    _para(docx, "", 6)
    _para(docx, doc.kind, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    subject = _para(docx, doc.subject, 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    _rule_under(subject, 0.25)
    if doc.form:
        _para(docx, f"({doc.form})", 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _blocks(docx, doc)
    _closing(docx, doc)
    with atomic_target(out) as tmp:
        docx.save(tmp)
    return out
