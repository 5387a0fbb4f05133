"""PDF renderer (reportlab): the same :class:`Document` as the DOCX, laid out by :mod:`soc.report.layout` (Decree
30/2020 header measured with the font's metrics) in Times New Roman or the metric-compatible Liberation Serif,
embedded (:mod:`soc.report.fonts`). Tables: column widths from their content, a value never split, header rows
repeated and kept with the first rows. Every text enters through :func:`soc.report.safe_text.pdf_markup` (controls
made visible, markup escaped) before reportlab's paragraph mini-markup sees it.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Image as RLImage
from reportlab.platypus import Table as RLTable

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
from soc.report.fonts import serif
from soc.report.safe_text import pdf_markup, visible

CELL_SIZE = 10  # table text, pt (smaller only where a value would not fit, see layout.fit_size)
KEEP_ROWS = 3  # body rows kept on the page of their table's header


def fonts() -> tuple[str, str, str, str]:
    """Register the report serif; return its (regular, bold, italic, bold-italic) reportlab font names."""
    f = serif()
    return f.regular, f.bold, f.italic, f.bold_italic


def _rl_table(rows: list, colWidths=None, **kw) -> RLTable:  # noqa: N803 - reportlab's keyword
    """A reportlab table whose own font (for empty cells) is the report serif, so no unembedded font is used."""
    t = RLTable(rows, colWidths=colWidths, **kw)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts()[0])]))
    return t


def _styles() -> dict[str, ParagraphStyle]:
    reg, bold, ital, bold_ital = fonts()
    base = ParagraphStyle("body", fontName=reg, fontSize=13, leading=17, alignment=TA_JUSTIFY,
                          firstLineIndent=1.27 * cm, spaceAfter=6)
    return {
        "body": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=bold),
        "heading": ParagraphStyle("heading", parent=base, fontName=bold, alignment=0, spaceBefore=4,
                                  keepWithNext=1),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "center_bold": ParagraphStyle("cb", parent=base, fontName=bold, alignment=TA_CENTER, firstLineIndent=0),
        "center_ital": ParagraphStyle("ci", parent=base, fontName=ital, alignment=TA_CENTER, firstLineIndent=0),
        "caption": ParagraphStyle("cap", parent=base, fontName=ital, alignment=TA_CENTER, firstLineIndent=0,
                                  keepWithNext=1),
        "small": ParagraphStyle("small", fontName=reg, fontSize=11, leading=13),
        "small_bi": ParagraphStyle("smallbi", fontName=bold_ital, fontSize=12, leading=14),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(pdf_markup(text), style)


def _line(text: str, font: str, size: float, space_after: float = 0) -> Paragraph:
    """One centred header line in ``font`` at ``size``."""
    return _p(text, ParagraphStyle(f"h{font}{size}", fontName=font, fontSize=size, leading=size * 1.2,
                                   alignment=TA_CENTER, spaceAfter=space_after))


def _rule(length: float) -> HRFlowable:
    return HRFlowable(width=length, thickness=0.6, color=colors.black, hAlign="CENTER", spaceBefore=3,
                      spaceAfter=4)


def _header(doc: Document) -> RLTable:
    """Decree 30 header: agency | national title and motto, widths and sizes measured by layout.header_layout."""
    reg, bold, ital, _ = fonts()
    prof = doc.profile
    parent, agency = visible(prof.get("parent_agency", ""), True), visible(prof.get("agency", ""), True)
    place_date = visible(doc.place_date, True)
    g = layout.header_layout(parent, agency, place_date)
    agency_style = ParagraphStyle("agency", fontName=bold, fontSize=g.agency_size, leading=g.agency_size * 1.2,
                                  alignment=TA_CENTER)
    left = [_line(parent.upper(), reg, g.parent_size),
            Paragraph("<br/>".join(pdf_markup(line) for line in g.agency_lines), agency_style),
            _rule(g.agency_rule), _line(visible(doc.number_line, True), reg, 13)]
    right = [_line(NATIONAL_TITLE, bold, g.title_size), _line(MOTTO, bold, g.motto_size), _rule(g.motto_rule),
             _line(place_date, ital, g.date_size)]
    t = _rl_table([[left, right]], colWidths=[g.left, g.right])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), layout.CELL_PAD),
                           ("RIGHTPADDING", (0, 0), (-1, -1), layout.CELL_PAD), ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("ALIGN", (0, 0), (-1, -1), "CENTER")]))  # centres the short rules
    return t


def _cell(text: str, width: float, bold: bool, right: bool) -> Paragraph:
    """One table cell: wraps only at spaces; a value too wide for its column gets a smaller font, not a split."""
    size = layout.fit_size(text, width, CELL_SIZE, bold)
    style = ParagraphStyle(f"c{size}{bold}{right}", fontName=fonts()[1 if bold else 0], fontSize=size,
                           leading=size * 1.2, alignment=TA_RIGHT if right else 0)
    return Paragraph(pdf_markup(layout.atomic(text)), style)


def _data_table(block: Table, width: float) -> RLTable:
    """A grid table: header row repeated on each page and kept with the first body rows."""
    header = [visible(c) for c in block.frame.columns]
    rows = [[visible("" if v is None else v) for v in row] for row in block.frame.itertuples(index=False)]
    widths, _ = layout.column_widths(header, rows, width, CELL_SIZE)
    last = len(rows) - 1
    data = [[_cell(h, w, True, False) for h, w in zip(header, widths, strict=True)]]
    data += [[_cell(v, w, block.total_row and i == last, c in block.right)
              for c, (v, w) in enumerate(zip(row, widths, strict=True))] for i, row in enumerate(rows)]
    t = _rl_table(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), layout.CELL_PAD),
                           ("RIGHTPADDING", (0, 0), (-1, -1), layout.CELL_PAD),
                           ("NOSPLIT", (0, 0), (-1, min(KEEP_ROWS, len(rows)))),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EDEDED"))]))
    return t


def _grid(rows: list[list], widths=None) -> RLTable:
    t = _rl_table(rows, colWidths=widths)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


SIGNATURE_DEST = "soc-signature"  # named destination (/FitR box) of the blank above the signer's name


class _SignatureSpace(Spacer):
    """The blank above the signer's name, spanning its cell; records its page and box as the named destination
    :data:`SIGNATURE_DEST` so ``soc report sign`` places the visible signature there. Draws nothing."""

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        x0, y0 = self.canv.absolutePosition(0, 0)
        dest = self.canv.bookmarkPage(SIGNATURE_DEST, fit="FitR", left=x0, bottom=y0, right=x0 + self.width,
                                      top=y0 + self.height)
        self.canv.setCatalogEntry("Dests", {SIGNATURE_DEST: dest})


def render_pdf(doc: Document, out: Path) -> Path:
    """Write ``doc`` to ``out`` (.pdf) atomically and return the path."""
    st = _styles()
    story: list = [_header(doc), Spacer(1, 8 * mm), _p(doc.kind, st["center_bold"]),
                   _p(doc.subject, st["center_bold"])]
    if doc.form:
        story.append(_p(f"({doc.form})", st["center_ital"]))
    width = layout.TEXT_WIDTH
    for block in doc.blocks:
        if isinstance(block, Heading):
            story.append(_p(block.text, st["heading"]))
        elif isinstance(block, Para):
            story.append(_p(block.text, st["bold"] if block.bold else st["body"]))
        elif isinstance(block, Bullets):
            story += [_p(f"- {item}", st["body"]) for item in block.items]
        elif isinstance(block, Fields):
            story += [Paragraph(f"<b>{pdf_markup(label)}:</b> {pdf_markup(value or '…………')}", st["body"])
                      for label, value in block.rows]
        elif isinstance(block, Table):
            if block.caption:
                story.append(_p(block.caption, st["caption"]))
            if len(block.frame.columns):  # a table without columns has nothing to draw
                story += [_data_table(block, width), Spacer(1, 4 * mm)]
        elif isinstance(block, Image):
            img = RLImage(io.BytesIO(block.png))
            ratio = img.imageHeight / img.imageWidth
            img.drawWidth, img.drawHeight = min(width, block.width_cm * cm), min(width, block.width_cm * cm) * ratio
            story.append(img)
            if block.caption:
                story.append(_p(block.caption, st["center_ital"]))
        elif isinstance(block, Callout):
            t = _grid([[_p(block.text, st["center_bold"])]], [width])
            t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FFF2CC"))]))
            story += [t, Spacer(1, 4 * mm)]
    prof = doc.profile
    recipients = [_p("Nơi nhận:", st["small_bi"])] + [
        _p(f"- {r}", st["small"]) for r in [*prof.get("recipients", []), prof.get("archive", "Lưu: VT.")]]
    signature = [_p(prof.get("signer_authority", "").upper(), st["center_bold"]),
                 _p(prof.get("signer_title", "").upper(), st["center_bold"]), _SignatureSpace(1, 25 * mm),
                 _p(prof.get("signer_name", ""), st["center_bold"])]
    closing = _rl_table([[recipients, signature]], colWidths=[8 * cm, 8 * cm])
    closing.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 6 * mm), closing]

    def page_number(canvas, document) -> None:
        if document.page > 1:
            canvas.setFont(fonts()[0], 13)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, str(document.page))

    with atomic_target(out) as tmp:
        margin = {k: v * mm for k, v in layout.MARGINS_MM.items()}
        pdf = SimpleDocTemplate(str(tmp), pagesize=A4, topMargin=margin["top"], bottomMargin=margin["bottom"],
                                leftMargin=margin["left"], rightMargin=margin["right"],
                                initialFontName=fonts()[0], initialFontSize=13, title=visible(doc.subject, one_line=True),
                                author=visible(prof.get("agency", ""), one_line=True))
        pdf.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out
