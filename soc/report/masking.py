"""Masking of personal data in report text: long digit runs (CCCD/CMND/phone/tax/card numbers) and e-mail
addresses keep only a few characters (``0010******45``). Reports mask unless the user explicitly reveals, and a
reveal is audited by the caller.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(?<!\d)(\+?84|0)?(\d{8,18})(?!\d)")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def mask_digits(value: str) -> str:
    if len(value) <= 6:
        return value
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_text(text: str | None) -> str | None:
    """``text`` with identifier-like digit runs and e-mail local parts masked."""
    if not text:
        return text
    text = _DIGITS.sub(lambda m: mask_digits(m.group(0)), text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
