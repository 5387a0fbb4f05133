"""Matching indicators as logs arrive: a row enricher marking each event that holds an active indicator.

Sets ECS ``threat.enrichments.*`` (flattened, the first match of the event) and ``soc.ioc.*`` (the indicator key and
every warning that named it); the shipped rule ``rules/network/ioc_match.yml`` turns them into alerts at ``soc scan``.
Adds facts only; an expired indicator (``valid_until`` passed) is not matched. Never writes the state.
"""

from __future__ import annotations

import pyarrow as pa

from soc import ecs
from soc.intel import table
from soc.intel.load import kept
from soc.store.duck import ident
from soc.store.indicator_sql import batch_sql
from soc.store.registry import open_store
from soc.store.workspace import MappedBatch

STIX_TYPES = {"ipv4": "ipv4-addr", "ipv6": "ipv6-addr", "domain": "domain-name", "url": "url", "hash": "file",
              "email": "email-addr"}
SETS = {  # field → the column of the match table it takes
    "threat.enrichments.matched.atomic": "observed",
    "threat.enrichments.matched.field": "field",
    "threat.enrichments.matched.type": "mtype",
    "threat.enrichments.indicator.type": "itype",
    "threat.enrichments.indicator.name": "name",
    "threat.enrichments.indicator.provider": "provider",
    "threat.enrichments.indicator.marking.tlp": "tlp",
    "soc.ioc.key": "ikey",
    "soc.ioc.warnings": "warnings",
}


_CACHE: dict[int, pa.Table] = {}  # the last indicator table built (a large list takes a second to build)


def _table(indicators: list) -> pa.Table:
    """The store's indicator table of ``indicators``, built once per distinct set (every batch of an ingest)."""
    key = hash(tuple(i.key for i in indicators))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = table.to_table(indicators)
    return _CACHE[key]


def enrich(batch: MappedBatch) -> None:
    ws, name = batch.workspace, batch.table
    columns = ws.columns(name)
    fields = table.present_fields(table.FIELDS, columns)
    if not fields:
        return
    with open_store(batch.cfg) as store:
        if not store.has_state():  # nothing imported; and reading never creates a state
            return
        indicators = kept(store.state, active_only=True)
    if not indicators:
        return
    lists = [f for names in fields.values() for f in names if ecs.is_array(f)]
    ws.register("soc_ioc_batch", _table(indicators))
    try:
        hits = ws.arrow(batch_sql(name, "soc_ioc_batch", fields, lists, "url.domain" in columns))
    finally:
        ws.unregister("soc_ioc_batch")
    if not hits.num_rows:
        return
    named = table.by_key(indicators)
    rows = []
    for hit in hits.to_pylist():
        inds = named[hit["ikey"]]
        first = inds[0]
        rows.append({**hit, "mtype": "indicator_match_rule",
                     "itype": STIX_TYPES.get(first.subtype or first.kind, first.kind), "name": first.value,
                     "provider": ", ".join(sorted({i.source for i in inds if i.source})) or None,
                     "tlp": next((i.tlp for i in inds if i.tlp), None),
                     "warnings": sorted({i.warning for i in inds if i.warning})})
    values = pa.Table.from_pylist(rows, schema=pa.schema(
        [("rid", pa.int64()), ("field", pa.string()), ("observed", pa.string()), ("ikey", pa.string()),
         ("mtype", pa.string()), ("itype", pa.string()), ("name", pa.string()), ("provider", pa.string()),
         ("tlp", pa.string()), ("warnings", pa.list_(pa.string()))]))
    for field in SETS:
        ws.add_column(name, field, ecs.field_type(field))
    ws.update_from(name, values, {f: f"u.{ident(c)}" for f, c in SETS.items()}, f"{ident(name)}.rowid = u.rid")


