"""Detectors for Vietnamese personal identifiers in free text (URLs, JSON/form bodies, SQL, mail subjects).

Every candidate is validated (structure, province code, check digit, Luhn, carrier prefix, labelled context) rather
than matched as a bare digit run. Callers get typed matches and masked forms; this module never logs or stores a clear
value. Sources: /work/shared/domain/vn-identifiers.md (Circular 07/2016/TT-BCA layout of the 12-digit number; the
2018 mobile renumbering; python-stdnum ``stdnum.vn.mst`` for the tax-code check digit, which accepts published codes
such as 0100109106 and 0300588569 and rejects them with the last digit changed).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote_plus

from stdnum import luhn
from stdnum.vn import mst

TYPES = ("cccd", "cmnd", "phone", "tax_code", "bhxh", "bhyt", "email", "bank_card")
TYPE_NAMES_VI = {  # how a notice names each kind of identifier
    "cccd": "số định danh cá nhân (CCCD)", "cmnd": "số chứng minh nhân dân", "phone": "số điện thoại",
    "tax_code": "mã số thuế", "bhxh": "mã số bảo hiểm xã hội", "bhyt": "số thẻ bảo hiểm y tế",
    "email": "địa chỉ thư điện tử", "bank_card": "số thẻ ngân hàng",
}

# Province codes of the 12-digit personal identification number (Circular 07/2016/TT-BCA, annex).
PROVINCES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 040 "
    "042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 083 084 "
    "086 087 089 091 092 093 094 095 096".split()
)
# Mobile prefixes after the 2018 renumbering (Viettel, MobiFone, VinaPhone, Vietnamobile, Gmobile, others).
MOBILE = re.compile(r"0(?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}")

_B = r"(?<![0-9A-Za-z])(?<!\d\.)"  # left boundary: not inside a longer token or a decimal number
_E = r"(?![0-9A-Za-z]|\.\d)"  # right boundary (a comma may separate identifiers in a list)
_DIGITS = re.compile(_B + r"(\d{9,19})" + _E)
_PHONE_INTL = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)\+?84[ .\-]?(\d{2,3})[ .\-]?(\d{3})[ .\-]?(\d{3,4})" + _E)
_PHONE_SPACED = re.compile(_B + r"(0\d{2,3})[ .\-](\d{3})[ .\-](\d{3,4})" + _E)
_CARD_SPACED = re.compile(_B + r"(\d{4}(?:[ \-]\d{4}){3}(?:[ \-]\d{1,3})?)" + _E)
_TAX_BRANCH = re.compile(_B + r"(\d{10})-(\d{3})" + _E)
_BHYT = re.compile(r"(?<![0-9A-Za-z])([A-Z]{2}\d{13})(?![0-9A-Za-z])")
_EMAIL = re.compile(
    r"(?<![\w.+\-])([A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_])?@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w\-])"
)
# Every number shape above holds a run of 9+ digits or a 2–4-digit group, a separator and a 3-digit group: a text
# without either has no number identifier, and the number detectors are skipped (most log lines).
_MAYBE_NUMBER = re.compile(r"\d(?:\d{8}|\d{1,3}[ .\-]\d{3})")  # = \d{9}|\d{2,4}[ .\-]\d{3}, 2x faster in re
# The same test in DuckDB (RE2, ASCII digits), so the enricher can tell find() the answer. It answers for the texts
# UNDECIDED_RE2 rejects only: URL-decoding may reveal digits (%XX, +), and Python's \d matches every script's digits
# (the Latin letter and combining-mark blocks that Vietnamese uses are fully assigned and hold none).
MAYBE_NUMBER_RE2 = r"[0-9](?:[0-9]{8}|[0-9]{1,3}[ .\-][0-9]{3})"
UNDECIDED_RE2 = r"[%+]|[^\x00-\x7F\x{C0}-\x{24F}\x{300}-\x{36F}\x{1E00}-\x{1EFF}]"
# Gates inside _numbers: a detector scans the text only from its gate's first match on (less the offset given in
# _numbers), as none of its matches can start earlier. Every _DIGITS, _TAX_BRANCH and _BHYT match holds 9 digits in a
# row, every _CARD_SPACED and _PHONE_SPACED match a 3-digit group, a separator and 3 digits, every _PHONE_INTL match
# "84", maybe a separator, and 2 digits (a leading \d lets re skip to the digits).
_NINE_DIGITS = re.compile(r"\d\d{8}")
_GROUPED = re.compile(r"\d\d{2}[ .\-]\d{3}")
_INTL = re.compile(r"84[ .\-]?\d\d")
_LOCAL_CHARS = string.ascii_letters + string.digits + "._%+-"  # the characters of an e-mail local part (_EMAIL)
_FILE_TLDS = frozenset("png jpg jpeg gif svg webp ico css js map woff woff2 ttf pdf".split())
_NOT_MAIL_DOMAINS = frozenset({"carbon.super"})  # WSO2's super-tenant suffix (admin@carbon.super), not a mailbox

# A key or label right before the value (within a few non-digit characters: `cccd=`, `"so_cmnd": "`, `CMND số `).
_NEAR = r"[^0-9]{0,14}$"
_CTX = {
    "cmnd": re.compile(r"(cmnd|chung_?minh|chứng minh|id_?card|identity)" + _NEAR, re.I),
    "tax_code": re.compile(
        r"((?<![a-z])mst|ma_?so_?thue|masothue|mã số thuế|tax_?code|tax_?id|taxcode|(?<![a-z])tin)" + _NEAR, re.I
    ),
    "bhxh": re.compile(r"(bhxh|bao_?hiem_?xa_?hoi|bảo hiểm xã hội|social_?insurance)" + _NEAR, re.I),
    "bhyt": re.compile(r"(bhyt|bao_?hiem_?y_?te|bảo hiểm y tế|health_?insurance|the_?bh)" + _NEAR, re.I),
}
# Keys that name something that is NOT a person's identifier: a value labelled so is never reported.
_NOT_PII = re.compile(
    r"(invoice|hoa_?don|hóa đơn|order|don_?hang|đơn hàng|giao_?dich|transaction|txn|trans_?id|trace|span|"
    r"request_?id|req_?id|correlation|tracking|van_?don|ticket|serial|seri|imei|barcode|ma_?vach|timestamp|epoch|"
    r"nonce|checksum|hash|version|build|sku|product|san_?pham|ma_?ho_?so|ho_?so_?id|dossier|receipt|bien_?lai|"
    r"(?<![a-z])(?:page|offset|limit|size|t|ts|time))"
    r"(?:[_\-]?(?:id|no|num|number|code|key|ref|ma|so))?[^0-9A-Za-z]{0,6}$",
    re.I,
)


class Match(NamedTuple):
    """One identifier found in a text: its type, its clear value (in memory only) and its position."""

    type: str
    value: str
    start: int
    end: int

    @property
    def masked(self) -> str:
        return mask(self.value, self.type)


def mask(value: str, kind: str = "") -> str:
    """The masked form kept in the store: ``0010******45``, ``0912****78``, ``ng***@gmail.com``."""
    if kind == "email" or "@" in value:
        local, _, domain = value.partition("@")
        return local[:2] + "***@" + domain
    digits = re.sub(r"[^0-9A-Za-z]", "", value)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def valid_cccd(s: str, today: date | None = None) -> bool:
    """12-digit personal number: province code, gender-century digit 0–3, birth year not in the future."""
    if len(s) != 12 or not s.isdigit() or s[:3] not in PROVINCES or s[3] not in "0123":
        return False
    year = 1900 + 100 * (int(s[3]) // 2) + int(s[4:6])
    return year <= (today or date.today()).year


def valid_mobile(s: str) -> bool:
    """A 10-digit Vietnamese mobile number (after normalising +84/84 to 0)."""
    return MOBILE.fullmatch(s) is not None


def valid_tax_code(s: str) -> bool:
    return mst.is_valid(s)


def valid_card(s: str) -> bool:
    """16–19 digits (15 for Amex), a known issuer prefix (Visa, Mastercard, JCB, UnionPay, Amex, NAPAS) and Luhn."""
    n = len(s)
    if not (15 <= n <= 19) or not s.isdigit():
        return False
    issuer = (
        (s[0] == "4" and n in (16, 19))
        or (n == 16 and (51 <= int(s[:2]) <= 55 or 2221 <= int(s[:4]) <= 2720))
        or (n == 15 and s[:2] in ("34", "37"))
        or (n in (16, 19) and 3528 <= int(s[:4]) <= 3589)
        or (n in (16, 19) and s[:2] == "62")
        or (n in (16, 19) and s[:4] == "9704")
    )
    return issuer and luhn.is_valid(s)


def _labelled(kind: str, before: str) -> bool:
    return _CTX[kind].search(before) is not None


def _scan(rx: re.Pattern[str], text: str, gate: re.Match[str] | None, back: int = 0) -> Iterable[re.Match[str]]:
    """``rx.finditer(text)``, started ``back`` characters before the gate's first match: no match of ``rx`` starts
    earlier, and there is none without a gate match."""
    return () if gate is None else rx.finditer(text, max(gate.start() - back, 0))


def _numbers(text: str, today: date | None) -> Iterable[Match]:
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def emit(kind: str, value: str, a: int, b: int) -> Match:
        taken.append((a, b))
        return Match(kind, value, a, b)

    run, grouped, intl = _NINE_DIGITS.search(text), _GROUPED.search(text), _INTL.search(text)
    for m in _scan(_TAX_BRANCH, text, run):
        if valid_tax_code(m.group(1)) and not _NOT_PII.search(text[max(0, m.start() - 24):m.start()]):
            yield emit("tax_code", f"{m.group(1)}-{m.group(2)}", m.start(), m.end())
    for m in _scan(_CARD_SPACED, text, grouped, 1):  # 1: a 4-digit first group
        digits = re.sub(r"\D", "", m.group(1))
        if free(m.start(), m.end()) and valid_card(digits):
            yield emit("bank_card", digits, m.start(), m.end())
    for rx, gate in ((_PHONE_INTL, intl), (_PHONE_SPACED, grouped)):
        for m in _scan(rx, text, gate, 1):  # 1: "+" before "84", a 4-digit first group
            digits = "".join(m.groups())
            number = digits if digits.startswith("0") else "0" + digits
            before = text[max(0, m.start() - 24):m.start()]
            if free(m.start(), m.end()) and valid_mobile(number) and not _NOT_PII.search(before):
                yield emit("phone", number, m.start(), m.end())
    for m in _scan(_DIGITS, text, run):
        s, a, b = m.group(1), m.start(1), m.end(1)
        if not free(a, b):
            continue
        before = text[max(0, a - 28):a]
        n = len(s)
        kind = None
        if n == 12 and valid_cccd(s, today):
            kind = "cccd"
        elif n == 9 and _labelled("cmnd", before):
            kind = "cmnd"
        elif n == 10 and _labelled("bhxh", before):
            kind = "bhxh"
        elif n == 10 and _labelled("tax_code", before):
            kind = "tax_code" if valid_tax_code(s) else None
        elif n == 10 and valid_mobile(s):
            kind = "phone"
        elif n == 11 and s.startswith("84") and valid_mobile("0" + s[2:]):
            kind, s = "phone", "0" + s[2:]
        elif n >= 15 and valid_card(s):
            kind = "bank_card"
        if kind and not _NOT_PII.search(before):  # the costlier test last
            yield emit(kind, s, a, b)
    for m in _scan(_BHYT, text, run, 2):  # 2: the letters before the digits
        if _labelled("bhyt", text[max(0, m.start() - 28):m.start()]):
            yield emit("bhyt", m.group(1), m.start(), m.end())


@lru_cache(maxsize=65536)
def _mailbox(value: str) -> str | None:
    """The lower-cased address, or None for a file name (``logo@2x.png``) or a non-mail domain (the same few
    addresses recur in mail logs: cached)."""
    if value.rsplit(".", 1)[-1].lower() in _FILE_TLDS or value.split("@", 1)[1].lower() in _NOT_MAIL_DOMAINS:
        return None
    return value.lower()


def _emails(text: str) -> list[Match]:
    """Addresses in ``text``: the regex starts where the run of local-part characters before each ``@`` begins (at
    most 64, the longest local part) instead of trying every position of the text. A match starting earlier would
    need an earlier ``@``: the matches are the same as a scan from the start."""
    out = []
    end = 0
    at = text.find("@")
    while at >= 0:
        lo = max(end, at - 64)
        m = _EMAIL.search(text, lo + len(text[lo:at].rstrip(_LOCAL_CHARS)))
        if m is None:
            break
        address = _mailbox(m.group(1))
        if address is not None:
            out.append(Match("email", address, *m.span(1)))
        end = m.end()
        at = text.find("@", end)
    return out


def decode(text: str) -> str:
    """URL-decode (twice at most) so ``cccd%3D0010…`` and ``%40`` read like the plain form."""
    for _ in range(2):
        if "%" not in text and "+" not in text:
            break
        decoded = unquote_plus(text, errors="replace")
        if decoded == text:
            break
        text = decoded
    return text


def find(text: str | None, types: Iterable[str] | None = None, today: date | None = None,
         url_decode: bool = True, maybe_number: bool | None = None) -> list[Match]:
    """Every validated identifier in ``text`` (URL-decoded first unless told not to), optionally only of ``types``.
    ``maybe_number`` is the caller's MAYBE_NUMBER_RE2 test of a text UNDECIDED_RE2 rejects (None: test here)."""
    if not text:
        return []
    if url_decode:
        text = decode(text)
    wanted = TYPES if types is None else types if isinstance(types, tuple | frozenset) else set(types)
    found = _emails(text) if "@" in text and "email" in wanted else []  # in text order
    if maybe_number or (maybe_number is None and _MAYBE_NUMBER.search(text)):
        numbers = [m for m in _numbers(text, today) if m.type in wanted]
        if numbers:
            found = sorted(found + numbers, key=lambda m: m.start)
    return found


def redact(text: str | None, types: Iterable[str] | None = None, today: date | None = None) -> str | None:
    """``text`` with each identifier replaced by its masked form; the text is kept as it is unless an identifier
    shows only once URL-decoded (then the decoded text is masked)."""
    if not text:
        return text
    plain, matches = text, find(text, types, today, url_decode=False)
    if "%" in text or "+" in text:  # else decoding changes nothing
        decoded = find(text, types, today)
        if len(decoded) > len(matches):
            plain, matches = decode(text), decoded
    if not matches:
        return text
    out, last = [], 0
    for m in matches:
        out.append(plain[last:m.start])
        out.append(m.masked)
        last = m.end
    out.append(plain[last:])
    return "".join(out)
