"""Mask personal identifiers in text shown on screen: 12-digit citizen ids (CCCD), 9-digit ids (CMND) and
Vietnamese phone numbers keep their last 3 digits.

Display only; never changes stored data. Revealing is the caller's decision (and is audited).
"""

from __future__ import annotations

import re

_PII = re.compile(r"(?<!\d)(?:\d{12}|\d{9}|(?:\+84|84|0)[35789]\d{8})(?!\d)")


def mask(text: str | None) -> str | None:
    """``text`` with every identifier replaced by ``•`` except its last 3 digits."""
    if not text:
        return text
    return _PII.sub(lambda m: "•" * (len(m.group()) - 3) + m.group()[-3:], text)


def has_pii(text: str | None) -> bool:
    return bool(text and _PII.search(text))
