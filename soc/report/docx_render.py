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
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from soc.report import layout
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
CELL_SIZE = 12  # table text, pt (smaller where a value would not fit, see layout.fit_size)
KEEP_ROWS = 3  # body rows kept on the page of their table's header


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


# what follows w:pBdr in a w:pPr (ECMA-376 order: Word refuses a border placed after them)
_AFTER_PBDR = ("shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct",
               "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
               "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
               "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")


def _border(paragraph, edge: str) -> None:
    """A single thin paragraph border on ``edge`` ("top" or "bottom"), placed where the schema wants it."""
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{edge}")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        line.set(qn(k), v)
    border.append(line)
    after = next((c for c in ppr if c.tag in {qn(f"w:{t}") for t in _AFTER_PBDR}), None)
    if after is None:
        ppr.append(border)
    else:
        after.addprevious(border)


def _rule_under(paragraph, fraction: float = 1.0) -> None:
    """A bottom border under a centred line (the short rule under the subject)."""
    _border(paragraph, "bottom")
    if fraction < 1.0:
        margin = Cm(3.0 * (1 - fraction))
        paragraph.paragraph_format.left_indent = margin
        paragraph.paragraph_format.right_indent = margin


def _rule(cell, length: float, column: float) -> None:
    """A centred rule ``length`` pt long in a header ``column`` (pt wide): an empty 2 pt paragraph whose top border
    the indents shorten (Decree 30: under the agency name 1/3–1/2 of it, under the motto as long as the motto)."""
    p = cell.add_paragraph()
    _border(p, "top")
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing_rule = Pt(1), Pt(3), WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(2)
    side = max(0.0, (column - 2 * layout.CELL_PAD - length) / 2)
    fmt.left_indent = fmt.right_indent = Pt(side)


def _twips(points: float) -> str:
    return str(round(points * 20))


_TBL_PR = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
           "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook")


def _tbl_property(table, el) -> None:
    """Set one w:tblPr child, replacing any old one, in ECMA-376 order (Word rejects a table out of order)."""
    tbl_pr = table._tbl.tblPr
    name = el.tag.rsplit("}", 1)[1]
    for old in tbl_pr.findall(el.tag):
        tbl_pr.remove(old)
    later = {qn(f"w:{t}") for t in _TBL_PR[_TBL_PR.index(name) + 1:]}
    after = next((c for c in tbl_pr if c.tag in later), None)
    if after is None:
        tbl_pr.append(el)
    else:
        after.addprevious(el)


def _element(tag: str, **attrs: str):
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    return el


def _fixed_widths(table, widths: list[float]) -> None:
    """Column widths in pt, fixed (Word and LibreOffice lay the table out as measured, not by autofit)."""
    table.autofit = False
    _tbl_property(table, _element("w:tblW", w=_twips(sum(widths)), type="dxa"))
    _tbl_property(table, _element("w:tblInd", w="0", type="dxa"))
    _tbl_property(table, _element("w:tblLayout", type="fixed"))
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_element(f"w:{side}", w=_twips(layout.CELL_PAD), type="dxa"))
    _tbl_property(table, margins)
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), _twips(width))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Pt(width)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_element(f"w:{edge}", val="nil"))
    _tbl_property(table, borders)


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
    """Decree 30 header: agency | national title and motto, widths and sizes measured by layout.header_layout."""
    prof = doc.profile
    parent, agency = visible(prof.get("parent_agency", ""), True), visible(prof.get("agency", ""), True)
    g = layout.header_layout(parent, agency, visible(doc.place_date, True))
    table = docx.add_table(rows=1, cols=2)
    _no_borders(table)
    _fixed_widths(table, [g.left, g.right])
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].text = ""
    _run(left.paragraphs[0], parent.upper(), g.parent_size)
    left.paragraphs[0].alignment = center
    left.paragraphs[0].paragraph_format.space_after = Pt(0)
    name = _para(left, agency.upper(), g.agency_size, bold=True, align=center, after=0)
    side = max(0.0, (g.left - 2 * layout.CELL_PAD - g.agency_width) / 2 - layout.BREAK_ROOM)
    name.paragraph_format.left_indent = name.paragraph_format.right_indent = Pt(side)  # break as measured
    _rule(left, g.agency_rule, g.left)
    _para(left, doc.number_line, 13, align=center)
    right.paragraphs[0].text = ""
    _run(right.paragraphs[0], NATIONAL_TITLE, g.title_size, bold=True)
    right.paragraphs[0].alignment = center
    right.paragraphs[0].paragraph_format.space_after = Pt(0)
    _para(right, MOTTO, g.motto_size, bold=True, align=center, after=0)
    _rule(right, g.motto_rule, g.right)
    _para(right, doc.place_date, g.date_size, italic=True, align=center)


def _row_props(row, header: bool, keep: bool) -> None:
    """A row that never splits across pages; the header row repeats on each page; ``keep`` holds it to the next."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))
    if keep:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def _table(docx, block: Table) -> None:
    """A grid table: columns from content (a value never breaks), header repeated and kept with the first rows."""
    frame = block.frame
    if block.caption:
        cap = _para(docx, block.caption, 13, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=3)
        cap.paragraph_format.keep_with_next = True
    header = [visible(c) for c in frame.columns]
    rows = [[visible("" if v is None else v) for v in row] for row in frame.itertuples(index=False)]
    widths, size = layout.column_widths(header, rows, layout.TEXT_WIDTH, CELL_SIZE, smallest=9)
    t = docx.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    _fixed_widths(t, widths)
    for cell, name, width in zip(t.rows[0].cells, header, widths, strict=True):
        cell.paragraphs[0].text = ""
        _run(cell.paragraphs[0], name, layout.fit_size(name, width, size, True), bold=True)
    _row_props(t.rows[0], header=True, keep=bool(rows))
    last = len(rows) - 1
    for i, values in enumerate(rows):
        row = t.add_row()
        for c, (cell, value, width) in enumerate(zip(row.cells, values, widths, strict=True)):
            cell.width = Pt(width)
            cell.paragraphs[0].text = ""
            bold = block.total_row and i == last
            _run(cell.paragraphs[0], value, layout.fit_size(value, width, size, bold), bold=bold)
            if c in block.right:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _row_props(row, header=False, keep=i < min(KEEP_ROWS, last))
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
    margin = layout.MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(margin["top"]), Mm(margin["bottom"])
    section.left_margin, section.right_margin = Mm(margin["left"]), Mm(margin["right"])
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
