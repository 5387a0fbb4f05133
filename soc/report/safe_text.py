"""Text hygiene for report files: log text made inert where it enters a DOCX, PDF, XLSX, CSV or JSON file.

Control and XML-invalid characters become visible escapes (``\\x1b``), spreadsheet formulas are neutralised (OWASP
CSV injection), reportlab markup is escaped. Nothing here drops or reorders the visible text of a value.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# bidi embeddings/overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI): they reorder what an official reads
_BIDI = "\u202a-\u202e\u2066-\u2069"
# C0 except tab and newline, DEL, C1, lone surrogates, the XML non-characters U+FFFE/U+FFFF, bidi controls
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff{_BIDI}]")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NEGATIVE = re.compile(r"-\d+(?:[.,]\d+)?")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(value: object, one_line: bool = False) -> str:
    """``value`` as text every format can hold: tab and newline kept (a CR-LF pair becomes a newline), unless
    ``one_line``; every other control, surrogate, non-character or bidi control shown as ``\\x1b`` / ``\\u202e``."""
    text = "" if value is None else str(value)
    if not one_line:
        text = text.replace("\r\n", "\n")
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_escape, text)


def neutralise(value: str) -> str:
    """A spreadsheet cell text that is shown, never evaluated: a leading ``= + - @``, tab or CR gets an apostrophe
    (OWASP); a plain negative number such as ``-12`` or ``-3,5`` stays as it is."""
    if value.startswith(FORMULA_START) and not _PLAIN_NEGATIVE.fullmatch(value):
        return "'" + value
    return value


def cell_text(value: object) -> str:
    """A text cell of an XLSX or CSV file: made visible, then neutralised."""
    return neutralise(visible(value))


def pdf_markup(value: object) -> str:
    """Text for a reportlab ``Paragraph``: made visible, ``& < >`` escaped, newlines as ``<br/>``, tabs as spaces."""
    return escape(visible(value), quote=False).replace("\t", " ").replace("\n", "<br/>")


def visible_tree(value: object) -> object:
    """``value`` with :func:`visible` applied to every text inside it (dict keys and values, lists, arrays)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {visible_tree(k): visible_tree(v) for k, v in value.items()}
    if hasattr(value, "tolist") and getattr(value, "ndim", 0):  # numpy arrays (list columns)
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [visible_tree(v) for v in value]
    return value


def visible_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`visible_tree` applied to its column names and every text, list or dict cell."""
    out = frame.map(lambda v: visible_tree(v) if isinstance(v, (str, list, tuple, dict)) or getattr(v, "ndim", 0)
                    else v)
    out.columns = [visible(c) for c in frame.columns]
    return out
