"""Matching indicators as logs arrive: a row enricher marking each event that holds an active indicator.

Sets ECS ``threat.enrichments.*`` (flattened, the first match of the event) and ``soc.ioc.*`` (the indicator key and
every warning that named it); the shipped rule ``rules/network/ioc_match.yml`` turns them into alerts at ``soc scan``.
Adds facts only; an expired indicator (``valid_until`` passed) is not matched. Never writes the state. The kept
indicators are read from the state once per ingest run (:class:`Matcher`, one per ``default_enrichers`` call).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pyarrow as pa

from soc import ecs
from soc.intel import table
from soc.intel.load import kept
from soc.intel.model import Indicator
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


_UNREAD = object()


class Matcher:
    """The row enricher: marks a batch's events holding an active indicator. The state's indicators are read at
    the first batch that has indicator fields (and again for another data directory); the indicator table is rebuilt
    only when one of them expires during the run (``clock``: the time now, UTC)."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.clock = clock
        self.loads = 0  # state reads so far (one per run and data directory)
        self._source: object = _UNREAD  # the data directory the indicators were read from
        self._kept: list[Indicator] = []  # every indicator not expired when read
        self._active: list[Indicator] = []
        self._named: dict[str, list[Indicator]] = {}  # key → the active indicators with it
        self._table: pa.Table | None = None
        self._until: datetime | None = None  # the first expiry among the active ones: recompute after it

    def __call__(self, batch: MappedBatch) -> None:
        enrich(batch, self)

    def active(self, batch: MappedBatch) -> tuple[dict[str, list[Indicator]], pa.Table | None]:
        """The indicators active now by key, and their store table (None when there is none)."""
        source = batch.cfg.data_dir
        if self._source is _UNREAD or self._source != source:
            self._source, self._kept = source, self._read(batch)
            self.loads += 1
            self._until = datetime.min.replace(tzinfo=UTC)  # the active ones are computed below
        now = self.clock()
        if self._until is not None and now >= self._until:
            self._active = [i for i in self._kept if i.active(now)]
            ends = [e for i in self._active if (e := i.ends()) is not None]
            self._until = min(ends) if ends else None
            self._named = table.by_key(self._active)
            self._table = table.to_table(self._active) if self._active else None
        return self._named, self._table

    @staticmethod
    def _read(batch: MappedBatch) -> list[Indicator]:
        with open_store(batch.cfg) as store:
            if not store.has_state():  # nothing imported; and reading never creates a state
                return []
            return kept(store.state, active_only=True)


def enrich(batch: MappedBatch, matcher: Matcher | None = None) -> None:
    """Mark ``batch``'s events holding an active indicator (``matcher``: the run's; a new one reads the state)."""
    ws, name = batch.workspace, batch.table
    columns = ws.columns(name)
    fields = table.present_fields(table.FIELDS, columns)
    if not fields:
        return
    named, ind_table = (matcher or Matcher()).active(batch)
    if ind_table is None:
        return
    lists = [f for names in fields.values() for f in names if ecs.is_array(f)]
    ws.register("soc_ioc_batch", ind_table)
    try:
        hits = ws.arrow(batch_sql(name, "soc_ioc_batch", fields, lists, "url.domain" in columns))
    finally:
        ws.unregister("soc_ioc_batch")
    if not hits.num_rows:
        return
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


