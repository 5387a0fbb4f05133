"""PDF renderer (reportlab): the same :class:`Document` as the DOCX, with a Unicode serif font so Vietnamese
glyphs are right. Font: Times New Roman or Liberation Serif when installed, else DejaVu Serif (ships with
matplotlib). Every text enters through :func:`soc.report.safe_text.pdf_markup` (controls made visible, markup
escaped) before reportlab's paragraph mini-markup sees it.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image as RLImage
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

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
from soc.report.safe_text import pdf_markup, visible

_CANDIDATES = [
    ("/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman{}.ttf", ("", "_Bold", "_Italic", "_Bold_Italic")),
    ("/usr/share/fonts/truetype/liberation/LiberationSerif-{}.ttf", ("Regular", "Bold", "Italic", "BoldItalic")),
]


@cache
def fonts() -> tuple[str, str, str, str]:
    """Register a Unicode serif family; return (regular, bold, italic, bold-italic) font names."""
    files = None
    for pattern, styles in _CANDIDATES:
        paths = [pattern.format(s) for s in styles]
        if all(Path(p).is_file() for p in paths):
            files = paths
            break
    if files is None:
        ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        files = [str(ttf / f"DejaVuSerif{s}.ttf") for s in ("", "-Bold", "-Italic", "-BoldItalic")]
    names = ("SocSerif", "SocSerif-Bold", "SocSerif-Italic", "SocSerif-BoldItalic")
    for name, path in zip(names, files, strict=True):
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3])
    return names


def _styles() -> dict[str, ParagraphStyle]:
    reg, bold, ital, _ = fonts()
    base = ParagraphStyle("body", fontName=reg, fontSize=13, leading=17, alignment=TA_JUSTIFY,
                          firstLineIndent=1.27 * cm, spaceAfter=6)
    return {
        "body": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=bold),
        "heading": ParagraphStyle("heading", parent=base, fontName=bold, alignment=0, spaceBefore=4),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "center_bold": ParagraphStyle("cb", parent=base, fontName=bold, alignment=TA_CENTER, firstLineIndent=0),
        "head_bold": ParagraphStyle("hb", parent=base, fontName=bold, fontSize=12, alignment=TA_CENTER,
                                    firstLineIndent=0),
        "center_ital": ParagraphStyle("ci", parent=base, fontName=ital, alignment=TA_CENTER, firstLineIndent=0),
        "cell": ParagraphStyle("cell", fontName=reg, fontSize=10, leading=12),
        "cell_bold": ParagraphStyle("cellb", fontName=bold, fontSize=10, leading=12),
        "small": ParagraphStyle("small", fontName=reg, fontSize=11, leading=13),
        "small_bi": ParagraphStyle("smallbi", fontName=fonts()[3], fontSize=12, leading=14),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(pdf_markup(text), style)


def _header(doc: Document, st) -> RLTable:
    prof = doc.profile
    left = [_p(prof.get("parent_agency", "").upper(), st["center"]),
            _p(prof.get("agency", "").upper(), st["center_bold"]), _p(doc.number_line, st["center"])]
    right = [_p(NATIONAL_TITLE, st["head_bold"]), _p(MOTTO, st["center_bold"]), _p(doc.place_date, st["center_ital"])]
    t = RLTable([[left, right]], colWidths=[6 * cm, 10.5 * cm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _grid(rows: list[list], widths=None, header=True) -> RLTable:
    t = RLTable(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    t.setStyle(TableStyle(style))
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
    story: list = [_header(doc, st), Spacer(1, 8 * mm), _p(doc.kind, st["center_bold"]),
                   _p(doc.subject, st["center_bold"])]
    if doc.form:
        story.append(_p(f"({doc.form})", st["center_ital"]))
    width = A4[0] - 45 * mm
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
                story.append(_p(block.caption, st["center_ital"]))
            head = [_p(c, st["cell_bold"]) for c in block.frame.columns]
            body = [[_p("" if v is None else v, st["cell"]) for v in row]
                    for row in block.frame.itertuples(index=False)]
            cols = len(block.frame.columns) or 1
            story += [_grid([head, *body], [width / cols] * cols), Spacer(1, 4 * mm)]
        elif isinstance(block, Image):
            img = RLImage(io.BytesIO(block.png))
            ratio = img.imageHeight / img.imageWidth
            img.drawWidth, img.drawHeight = min(width, block.width_cm * cm), min(width, block.width_cm * cm) * ratio
            story.append(img)
            if block.caption:
                story.append(_p(block.caption, st["center_ital"]))
        elif isinstance(block, Callout):
            t = _grid([[_p(block.text, st["center_bold"])]], [width], header=False)
            t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FFF2CC"))]))
            story += [t, Spacer(1, 4 * mm)]
    prof = doc.profile
    recipients = [_p("Nơi nhận:", st["small_bi"])] + [
        _p(f"- {r}", st["small"]) for r in [*prof.get("recipients", []), prof.get("archive", "Lưu: VT.")]]
    signature = [_p(prof.get("signer_authority", "").upper(), st["center_bold"]),
                 _p(prof.get("signer_title", "").upper(), st["center_bold"]), _SignatureSpace(1, 25 * mm),
                 _p(prof.get("signer_name", ""), st["center_bold"])]
    closing = RLTable([[recipients, signature]], colWidths=[8 * cm, 8 * cm])
    closing.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 6 * mm), closing]

    def page_number(canvas, document) -> None:
        if document.page > 1:
            canvas.setFont(fonts()[0], 13)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, str(document.page))

    with atomic_target(out) as tmp:
        pdf = SimpleDocTemplate(str(tmp), pagesize=A4, topMargin=20 * mm, bottomMargin=20 * mm,
                                leftMargin=30 * mm, rightMargin=15 * mm, title=visible(doc.subject, one_line=True),
                                author=visible(prof.get("agency", ""), one_line=True))
        pdf.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out
