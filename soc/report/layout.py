"""Measured geometry of report pages (Decree 30/2020, Appendix I) shared by the DOCX and PDF renderers: the header
table's column widths and font sizes, where the agency name breaks, and table column widths from their content.

Pure arithmetic on font metrics (Times New Roman / Liberation Serif): never lays text out itself, never guesses a
width it can measure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from soc.report.document import MOTTO, NATIONAL_TITLE
from soc.report.fonts import width_pt

MM = 72 / 25.4  # points per millimetre
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}  # Appendix I: 20–25, 20–25, 30–35, 15–20
TEXT_WIDTH = PAGE_WIDTH - (MARGINS_MM["left"] + MARGINS_MM["right"]) * MM  # 165 mm
CELL_PAD = 1.5 * MM  # left and right padding of every table cell, in both renderers
SLACK = 2.5 * MM  # room for a renderer's own rounding (LibreOffice, Word) beyond the measured width
BREAK_ROOM = 1.5  # pt each side beyond a measured line width, so a renderer breaks where we measured
_SPACES = re.compile(r"[ \t\n]+")  # where a line may break (str.split would also break at a no-break space)
_ATOMIC = re.compile(r"(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}) (\d{2}:\d{2})")  # a date and time: one value


@dataclass(frozen=True)
class HeaderLayout:
    """Column widths (pt, padding included) and the sizes and lines of the Decree 30 header."""

    left: float
    right: float
    parent_size: float
    agency_size: float
    agency_lines: tuple[str, ...]
    agency_width: float  # the narrowest width giving that many lines (balanced lines), pt
    title_size: float
    motto_size: float
    date_size: float
    agency_rule: float  # length of the short rule under the agency name (1/3–1/2 of its line), pt
    motto_rule: float  # length of the rule under the motto (as long as the motto), pt


def wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """``text`` broken greedily at spaces into lines no wider than ``width`` (a longer word gets its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and width_pt(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def balanced(text: str, size: float, width: float, bold: bool = False) -> tuple[list[str], float]:
    """``text`` in as few lines as fit ``width``, and as even as the words allow: the narrowest width (pt) that
    keeps that number of lines, and the lines at it ("TRUNG TÂM GIÁM SÁT / AN TOÀN THÔNG TIN")."""
    count = len(wrap(text, size, width, bold))
    lo, hi = max((width_pt(w, size, bold) for w in text.split()), default=0.0), width
    if count <= 1 or lo >= hi:
        return wrap(text, size, width, bold), min(width, max(lo, width_pt(text, size, bold)))
    for _ in range(24):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if len(wrap(text, size, mid, bold)) > count else (lo, mid)
    return wrap(text, size, hi, bold), hi


def header_layout(parent: str, agency: str, place_date: str) -> HeaderLayout:
    """The header's geometry: the right column just wide enough for the national title on one line (13 pt bold,
    12 pt if the agency block would not fit beside it), the left column the rest of the 165 mm text width, the
    agency name in at most two lines where possible."""
    parent, agency = parent.upper(), agency.upper()
    best = None
    for title_size in (13, 12):
        motto_size = title_size + 1
        date_size = 14 if width_pt(place_date, 14, italic=True) <= width_pt(NATIONAL_TITLE, title_size, True) else 13
        inner = max(width_pt(NATIONAL_TITLE, title_size, True), width_pt(MOTTO, motto_size, True))
        right = inner + SLACK + 2 * CELL_PAD
        left_inner = TEXT_WIDTH - right - 2 * CELL_PAD - SLACK
        for agency_size in (13, 12):
            lines, measure = balanced(agency, agency_size, left_inner, bold=True)
            parent_fits = len(wrap(parent, agency_size, left_inner)) <= 1
            candidate = HeaderLayout(
                left=TEXT_WIDTH - right, right=right, parent_size=agency_size, agency_size=agency_size,
                agency_lines=tuple(lines), agency_width=measure, title_size=title_size, motto_size=motto_size, date_size=date_size,
                agency_rule=max(width_pt(line, agency_size, True) for line in lines or [" "]) * 0.4,
                motto_rule=width_pt(MOTTO, motto_size, True))
            if len(lines) <= 2 and parent_fits:
                return candidate
            best = candidate
    assert best is not None
    return best


def atomic(text: str) -> str:
    """``text`` with the space inside a date-and-time made non-breaking, so a timestamp wraps as one value."""
    return _ATOMIC.sub("\\1\u00a0\\2", text)


def _widest_word(text: str, size: float, bold: bool) -> float:
    return max((width_pt(w, size, bold) for w in _SPACES.split(atomic(text))), default=0.0)


def _full(text: str, size: float, bold: bool) -> float:
    return max((width_pt(line, size, bold) for line in text.split("\n")), default=0.0)


def column_widths(header: list[str], rows: list[list[str]], total: float, size: float,
                  smallest: float = 7) -> tuple[list[float], float]:
    """Column widths (pt, padding included, summing to ``total``) and the cell font size: every column at least as
    wide as its widest unbreakable value (IP, timestamp, id) at the largest size from ``size`` down to ``smallest``
    where that fits; extra width goes to the columns whose text would otherwise wrap. A column never claims more
    than half the table for one value: a longer value gets a smaller font (:func:`fit_size`)."""
    cols = len(header)
    if cols == 0:
        return [], size
    pad = 2 * CELL_PAD + 1  # +1 pt: grid line and rounding
    s = size
    while True:
        words = [max([_widest_word(header[c], s, True)] + [_widest_word(r[c], s, False) for r in rows])
                 for c in range(cols)]
        full = [max([_full(header[c], s, True)] + [_full(r[c], s, False) for r in rows]) for c in range(cols)]
        mins = [min(w, total / 2) + pad for w in words]
        if sum(mins) <= total or s <= smallest:
            break
        s -= 0.5
    if sum(mins) > total:  # even the smallest size does not fit: share the width in proportion
        return [total * m / sum(mins) for m in mins], s
    wants = [max(f + pad, m) for f, m in zip(full, mins, strict=True)]
    if sum(wants) <= total:
        return [total * w / sum(wants) for w in wants], s
    spare, need = total - sum(mins), [w - m for w, m in zip(wants, mins, strict=True)]
    return [m + spare * n / sum(need) for m, n in zip(mins, need, strict=True)], s


def fit_size(text: str, width: float, size: float, bold: bool = False, smallest: float = 5) -> float:
    """The size (``size`` or smaller, in half points, not below ``smallest``) at which every unbreakable word of
    ``text`` fits in a column of ``width`` pt (padding included)."""
    inner = width - 2 * CELL_PAD - 1
    widest = _widest_word(text, size, bold)
    if widest <= inner:
        return size
    return max(smallest, math.floor(2 * size * inner / widest) / 2)
