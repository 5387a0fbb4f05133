"""Personal data masked for people to read: the one masking function of the TUI and the reports.

Built on the validators of ``soc.enrich.pii`` (every identifier they recognise, e-mail addresses included), with a
conservative net for long digit runs no validator claims (a CMND without its label, a mistyped citizen id).
Display only: never changes stored data; revealing is the caller's decision, and the caller audits it.
"""

from __future__ import annotations

import re

from soc.enrich import pii

FORMS = ("report", "screen")
# Digit runs no validator claimed that may still be somebody's number (9–18 digits, maybe +84 / 0 in front).
_LONG_DIGITS = re.compile(r"(?<![0-9A-Za-z])(?:\+?84|0)?\d{9,18}(?![0-9A-Za-z])")


def _digits(value: str, form: str) -> str:
    """``0010******45`` in a report, ``•••••••••345`` on screen (the last 3 digits, as analysts compare them)."""
    if form == "screen":
        return "•" * (len(value) - 3) + value[-3:] if len(value) > 3 else "•" * len(value)
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def _email(value: str, form: str) -> str:
    local, _, domain = value.partition("@")
    return local[:1] + ("•••" if form == "screen" else "***") + "@" + domain


def _masked(value: str, kind: str, form: str) -> str:
    return _email(value, form) if kind == "email" else _digits(value, form)


def mask_text(text: str | None, form: str = "report") -> str | None:
    """``text`` with every personal identifier masked in ``form`` (``report`` or ``screen``); None and "" as given."""
    if not text:
        return text
    if form not in FORMS:
        raise ValueError(f"unknown masking form {form!r}; expected one of {', '.join(FORMS)}")
    out, last = [], 0
    for m in pii.find(text, url_decode=False):
        out.append(text[last:m.start])
        out.append(_masked(m.value, m.type, form))
        last = m.end
    out.append(text[last:])
    return _LONG_DIGITS.sub(lambda d: _digits(d.group(), form), "".join(out))

