"""The indicator: one normalised value of a kind, with the warning that named it, its source, TLP and validity.

Built only through :func:`make`, which refangs and normalises; never holds a value matching would not find.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from soc.intel import normalise

KINDS = ("ip", "domain", "url", "hash", "email")
TLPS = ("clear", "white", "green", "amber", "amber+strict", "red")


@dataclass(frozen=True)
class Indicator:
    kind: str  # one of KINDS
    value: str  # normalised (ip: the network, "1.2.3.4" or "10.0.0.0/8"; hash: lower hex)
    original: str = ""  # as the warning wrote it (defanged), for the reply
    warning: str = ""  # the warning's reference (letter number, MISP event, STIX bundle id)
    source: str = ""  # who sent it (A05, NCSC, a MISP community …)
    tlp: str = ""  # TLP marking, lower case
    valid_from: str | None = None  # ISO UTC
    valid_until: str | None = None  # ISO UTC; None: no end stated
    label: str = ""  # what the warning says about it (campaign, malware)
    subtype: str = ""  # hash: md5/sha1/sha256; ip: ipv4/ipv6

    @property
    def key(self) -> str:
        """What identifies the indicator across warnings: kind and value."""
        return f"{self.kind}:{self.value}"

    def active(self, now: datetime | None = None) -> bool:
        """Not expired at ``now`` (an indicator without an end never expires)."""
        if not self.valid_until:
            return True
        return _utc(self.valid_until) > (now or datetime.now(UTC))

    def ends(self) -> datetime | None:
        """When it expires (aware UTC), or None."""
        return _utc(self.valid_until) if self.valid_until else None

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def from_row(row: dict[str, Any]) -> Indicator:
    return Indicator(**{k: row.get(k) or ("" if k not in ("valid_from", "valid_until") else None)
                        for k in Indicator.__dataclass_fields__})


def make(kind: str, raw: str, **meta: Any) -> Indicator:
    """An indicator of ``kind`` from a (possibly defanged) value; raises ``ValueError`` saying why it is not one."""
    text = normalise.refang(str(raw))
    if not text:
        raise ValueError("empty value")
    subtype = ""
    if kind == "ip":
        net = normalise.ip_network(text)
        single = net.prefixlen == net.max_prefixlen
        value = str(net.network_address) if single else str(net)
        subtype = f"ipv{net.version}"
    elif kind == "domain":
        value = normalise.domain(text)
    elif kind == "url":
        value = normalise.url(text)
    elif kind == "hash":
        subtype, value = normalise.file_hash(text)
    elif kind == "email":
        value = normalise.email(text)
    else:
        raise ValueError(f"unknown indicator kind {kind!r} (known: {', '.join(KINDS)})")
    tlp = str(meta.pop("tlp", "") or "").lower().removeprefix("tlp:")
    if tlp and tlp not in TLPS:
        raise ValueError(f"unknown TLP {tlp!r} (known: {', '.join(TLPS)})")
    for name in ("valid_from", "valid_until"):
        if meta.get(name):
            meta[name] = iso_utc(meta[name])
    return Indicator(kind=kind, value=value, original=str(raw).strip(), tlp=tlp, subtype=subtype, **meta)


def with_meta(ind: Indicator, **meta: Any) -> Indicator:
    """``ind`` with the fields given (non-empty) replaced: a command's ``--warning``/``--source``/``--tlp``."""
    return replace(ind, **{k: v for k, v in meta.items() if v})


def iso_utc(value: Any) -> str:
    """An ISO time (aware or naive UTC, ``Z`` or offset, or a date) as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        if text.isdigit():
            dt = datetime.fromtimestamp(int(text), UTC)
        else:
            dt = datetime.fromisoformat(text)
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)
