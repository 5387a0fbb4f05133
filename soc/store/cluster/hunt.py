"""Indicator matching on a cluster store (``EventStore.indicator_hits``): the window's candidate events fetched with a
cheap prefilter, then matched locally by the embedded store's own SQL (``soc.store.indicator_sql.hits_sql``).

Reads only. Candidates are a superset of the matches (never loses one): IPs through a ``terms`` query on ``ip``
fields, which take CIDR networks natively; other kinds only through ``exists`` on their fields (case and suffix
rules are applied by the SQL, not by the cluster).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from soc import ecs
from soc.store.cluster import schema
from soc.store.cluster.docs import iso
from soc.store.indicator_sql import V4_MAPPED, hits_sql
from soc.store.types import iter_chunks

MAX_TERMS = 60_000  # under the cluster's default index.max_terms_count (65 536)
_CARRIED = ("soc.system", "host.name", "host.hostname", "observer.name", "event.dataset", "url.domain")


def _network(plen: int, hi: int, lo: int) -> str:
    """The CIDR text of a (prefix over 128 bits, masked network) key (``soc.intel.normalise.ip_key``: each half
    shifted right past the prefix); an IPv4-mapped network as IPv4."""
    plen, hi, lo = int(plen), int(hi), int(lo)
    hi = hi if plen >= 64 else (hi << (64 - plen) if plen else 0)
    lo = 0 if plen <= 64 else (lo if plen == 128 else lo << (128 - plen))
    value = (hi << 64) | lo
    if plen >= 96 and value >> 32 == V4_MAPPED >> 32:
        return f"{ipaddress.IPv4Address(value & 0xFFFFFFFF)}/{plen - 96}"
    return f"{ipaddress.IPv6Address(value)}/{plen}"


def _is_ip_field(name: str) -> bool:
    return name in ecs.FIELDS and schema._leaf(name, ecs.field_type(name))["type"] == "ip"


def prefilter(indicators: pa.Table, fields: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """``should`` clauses: an event can hold an indicator only if one of them matches it."""
    kinds = set(indicators.column("kind").to_pylist())
    should: list[dict[str, Any]] = []
    networks = sorted({_network(r["plen"], r["net_hi"], r["net_lo"]) for r in indicators.to_pylist()
                       if r["kind"] == "ip" and r["plen"] is not None})
    for kind in sorted(kinds & set(fields)):
        for name in fields[kind]:
            if kind == "ip" and _is_ip_field(name):
                should += [{"terms": {name: list(chunk)}} for chunk in iter_chunks(networks, MAX_TERMS)]
            else:
                should.append({"exists": {"field": name}})
    return should


def indicator_hits(store: Any, indicators: pa.Table, fields: Mapping[str, Sequence[str]], since: datetime | None,
                   until: datetime | None, ids_per_group: int) -> list[dict[str, Any]]:
    """The contract's ``indicator_hits`` on ``store`` (a ``ClusterEventStore``).

    A pure cluster version (docs/store-contract.md) would send one ``terms`` query per kind (domains over a
    reversed ``path_hierarchy`` sub-field, URLs over a normalised keyword field computed at ingest) and group with a
    ``composite`` aggregation (value, ``soc.system``, ``host.name``, ``event.dataset``) with ``min``/``max`` of
    ``@timestamp`` and ``top_hits`` for the oldest ids; it needs those sub-fields in the templates first. Until
    then the candidates come to this machine, which is exact but reads every event holding a domain, URL, hash or
    sender field in the window."""
    if not indicators.num_rows:
        return []
    kinds = set(indicators.column("kind").to_pylist())
    fields = {k: list(v) for k, v in fields.items() if k in kinds}
    should = prefilter(indicators, fields)
    if not should:
        return []
    window: dict[str, Any] = {}
    if since is not None:
        window["gte"] = iso(since)
    if until is not None:
        window["lt"] = iso(until)
    query: dict[str, Any] = {"bool": {"should": should, "minimum_should_match": 1,
                                      "filter": [{"range": {"@timestamp": window}}] if window else []}}
    names = [f for names in fields.values() for f in names]
    con = store._local([*names, *_CARRIED], "soc_hunt_events", query)
    try:
        con.register("soc_indicators", indicators)
        lists = [f for f in names if ecs.is_array(f)]
        cur = con.execute(hits_sql("SELECT * FROM soc_hunt_events", "soc_indicators", fields, lists, ids_per_group))
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
