"""Make untrusted text (log lines, rule titles, IPs, user names) safe to show in the terminal.

Never returns a markup string and never lets a control character, escape sequence or invisible bidi/format
character reach the terminal: each one is shown visibly as an escape (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import re

from rich.text import Text

ESCAPE_STYLE = "bold magenta"
CLIP_STYLE = "dim italic"

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# C0, DEL, C1; zero-width and bidi controls (Trojan Source), line/paragraph separators, BOM, interlinear
# annotations; lone surrogates (bytes decoded with surrogateescape).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def escape_char(ch: str) -> str:
    """The visible escape for one unsafe character."""
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object, limit: int | None = None) -> str:
    """``value`` as a plain string with every unsafe character replaced by its visible escape.

    With ``limit``, text longer than ``limit`` characters is cut and ends with ``… (+N chars)``.
    """
    text = "" if value is None else str(value)
    cut = 0
    if limit is not None and len(text) > limit:
        text, cut = text[:limit], len(text) - limit
    out = _UNSAFE.sub(lambda m: escape_char(m.group()), text)
    return out + (f" … (+{cut} chars)" if cut else "")


def safe_text(value: object, style: str = "", limit: int | None = None) -> Text:
    """A Rich ``Text`` of ``value`` (never parsed as markup) with escapes highlighted in ``ESCAPE_STYLE``."""
    raw = "" if value is None else str(value)
    cut = 0
    if limit is not None and len(raw) > limit:
        raw, cut = raw[:limit], len(raw) - limit
    out = Text(style=style, no_wrap=False)
    pos = 0
    for match in _UNSAFE.finditer(raw):
        if match.start() > pos:
            out.append(raw[pos : match.start()])
        out.append(escape_char(match.group()), style=ESCAPE_STYLE)
        pos = match.end()
    if pos < len(raw):
        out.append(raw[pos:])
    if cut:
        out.append(f" … (+{cut} chars)", style=CLIP_STYLE)
    return out
