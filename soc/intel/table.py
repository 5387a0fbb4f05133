"""Indicators as the table the store matches on, and the event fields each kind is looked for in.

Turns kept indicators into rows ``ikey, kind, value, plen, net_hi, net_lo`` (``soc.store.indicator_sql``); one row
per (kind, value) however many warnings named it. Never reads events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import pyarrow as pa

from soc.intel import normalise
from soc.intel.model import Indicator
from soc.store import value_index

# where a provincial data centre's logs hold each kind (the store indexes these fields' values as it writes events)
FIELDS: dict[str, tuple[str, ...]] = value_index.FIELDS
SCHEMA = pa.schema([("ikey", pa.string()), ("kind", pa.string()), ("value", pa.string()), ("plen", pa.int32()),
                    ("net_hi", pa.uint64()), ("net_lo", pa.uint64())])


def to_table(indicators: Iterable[Indicator]) -> pa.Table:
    """The distinct (kind, value) of ``indicators`` as the store's indicator table."""
    seen: dict[str, Indicator] = {}
    for ind in indicators:
        seen.setdefault(ind.key, ind)
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for key, ind in seen.items():
        plen = hi = lo = None
        if ind.kind == "ip":
            plen, hi, lo = normalise.ip_key(normalise.ip_network(ind.value))
        for name, value in zip(SCHEMA.names, (key, ind.kind, ind.value, plen, hi, lo), strict=True):
            cols[name].append(value)
    return pa.table(cols, schema=SCHEMA)


def by_key(indicators: Iterable[Indicator]) -> dict[str, list[Indicator]]:
    """Indicator key → every kept indicator (one per warning) with it."""
    out: dict[str, list[Indicator]] = {}
    for ind in indicators:
        out.setdefault(ind.key, []).append(ind)
    return out


def active(indicators: Iterable[Indicator], now: datetime | None = None) -> list[Indicator]:
    moment = now or datetime.now(UTC)
    return [i for i in indicators if i.active(moment)]


def present_fields(fields: Mapping[str, Sequence[str]], columns: Iterable[str]) -> dict[str, list[str]]:
    """``fields`` less those a batch does not have (url.original needs no url.domain: it is optional)."""
    have = set(columns)
    return {kind: [f for f in names if f in have] for kind, names in fields.items()
            if any(f in have for f in names)}
