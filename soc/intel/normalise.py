"""Refanging and normalising indicator values (``hxxp://``, ``1.2.3[.]4``, ``a[at]b``) into the form matching uses.

Pure functions on strings; the SQL side (``soc.store.indicator_sql``) normalises event values the same way. Never
guesses: a value that is not what its kind says raises ``ValueError`` naming why.
"""

from __future__ import annotations

import ipaddress
import re

_DOTS = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\[\s*\.\s*\]", re.IGNORECASE)
_AT = re.compile(r"\[at\]|\(at\)|\[@\]|\{at\}", re.IGNORECASE)
_SCHEME = re.compile(r"^(h[xX]{2}ps?|fxp|hxxp|hxxps)(\[:\]|:)//", re.IGNORECASE)
_SCHEME_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)?([^/?#]*)([^#]*)")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_HASH_KINDS = {32: "md5", 40: "sha1", 64: "sha256"}
_HEX = re.compile(r"^[0-9a-f]+$")
V4_MAPPED = 0xFFFF00000000  # an IPv4 address as its IPv4-mapped IPv6 value (::ffff:a.b.c.d)


def refang(value: str) -> str:
    """Undo the usual defanging: ``hxxp[:]//`` → ``http://``, ``[.]`` → ``.``, ``[at]`` → ``@``; trims blanks."""
    text = value.strip().strip("\u200b")
    text = _SCHEME.sub(lambda m: ("https" if m.group(1).lower().endswith("s") else
                                  "ftp" if m.group(1).lower().startswith("f") else "http") + "://", text)
    text = text.replace("[:]", ":").replace("[://]", "://").replace("[/]", "/")
    return _AT.sub("@", _DOTS.sub(".", text))


def ip_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An address or CIDR (host bits allowed: ``10.1.2.3/24`` means ``10.1.2.0/24``)."""
    return ipaddress.ip_network(value, strict=False)


def ip_key(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[int, int, int]:
    """(prefix length over 128 bits, masked high 64 bits, masked low 64 bits): what the store joins IPs on; an IPv4
    network counts as its IPv4-mapped IPv6 network."""
    if net.version == 4:
        value, plen = V4_MAPPED | int(net.network_address), 96 + net.prefixlen
    else:
        value, plen = int(net.network_address), net.prefixlen
    hi, lo = value >> 64, value & (2**64 - 1)
    return plen, mask_hi(hi, plen), mask_lo(lo, plen)


def mask_hi(hi: int, plen: int) -> int:
    return hi if plen >= 64 else (0 if plen == 0 else hi >> (64 - plen))


def mask_lo(lo: int, plen: int) -> int:
    return 0 if plen <= 64 else (lo if plen == 128 else lo >> (128 - plen))


def domain(value: str) -> str:
    """A domain name in lower case without a trailing dot (IDN as punycode)."""
    text = value.strip().rstrip(".").lower()
    if text.startswith("*."):
        text = text[2:]
    try:
        text = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError as exc:
        raise ValueError(f"not a domain name: {exc}") from None
    if not _DOMAIN.match(text):
        raise ValueError("not a domain name")
    return text


def url(value: str) -> str:
    """The matching form of a URL: host (lower case, default port dropped) + path and query, no scheme, no fragment,
    no lone ``/`` path. ``soc.store.indicator_sql.URL_SQL`` does the same to stored events."""
    match = _SCHEME_URL.match(value.strip())
    if not match or not match.group(2):
        raise ValueError("not a URL (no host)")
    host = re.sub(r":(80|443)$", "", match.group(2).lower())
    rest = match.group(3)
    return host + ("" if rest == "/" else rest)


def file_hash(value: str) -> tuple[str, str]:
    """(``md5`` | ``sha1`` | ``sha256``, lower-case hex)."""
    text = value.strip().lower()
    if not _HEX.match(text) or len(text) not in _HASH_KINDS:
        raise ValueError("not an MD5, SHA-1 or SHA-256 hash (32, 40 or 64 hex digits)")
    return _HASH_KINDS[len(text)], text


def email(value: str) -> str:
    text = value.strip().strip("<>").lower()
    if not _EMAIL.match(text):
        raise ValueError("not an e-mail address")
    return text


def guess_kind(value: str) -> str:
    """The kind of a bare (refanged) value of a plain list: ``ip``, ``url``, ``email``, ``hash`` or ``domain``."""
    text = value.strip()
    try:
        ip_network(text)
        return "ip"
    except ValueError:
        pass
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        return "url"
    if "@" in text:
        return "email"
    if _HEX.match(text.lower()) and len(text) in _HASH_KINDS:
        return "hash"
    if "/" in text:
        return "url"
    return "domain"
