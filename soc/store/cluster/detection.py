"""A scan on the cluster: each rule's window becomes a cluster query (``event.ingested`` / ``@timestamp`` ranges)
narrowed by the rules' candidate queries (Lucene query strings that find every event a rule's SQL matches, maybe
more: ``soc.detect.cluster_backend``); those events (only the fields the rules name) are read once per window and
matched by the compiled rules locally, with the embedded store's own detection code — so both stores give the
same alerts. A rule without candidate queries makes its window read whole. A correlation reads the candidates of
the rules it references over its wider window and correlates them with the same SQL.

Reads only; the view is fixed when the run opens (events ingested later wait for the next scan).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from soc import ecs
from soc.searchlang import QueryError
from soc.store.cluster.docs import arrow_table, iso, parse_time
from soc.store.detection import ALL_EVENTS, EmbeddedDetection, ViewDetection
from soc.store.duck import connect, ident
from soc.store.events_api import DetectionRun, QueryFailed
from soc.store.types import ScanWindow

CHUNK = 40  # rules' candidate queries asked in one search (a chunk the cluster finds too big is halved)


class ClusterDetection(DetectionRun):
    """One scan's view of a cluster store (``ClusterEventStore.detection``)."""

    prefilter_language = "lucene"  # query strings of soc.detect.cluster_backend (this layer cannot import it)

    def __init__(self, store: Any, fields: Sequence[str]):
        self._store = store
        self._fields = list(fields)
        store.refresh()
        self.events = store.count()
        self.latest_ingested = self._edge("event.ingested", "desc", [])
        self._wanted = list(dict.fromkeys(["event.id", "@timestamp", "event.ingested", *fields]))
        self._last: EmbeddedDetection | None = None
        self._key: str | None = None

    def __exit__(self, *exc: object) -> None:
        if self._last is not None:
            self._last.__exit__(*exc)
        self._last, self._key = None, None

    def _edge(self, field: str, order: str, filters: list[dict[str, Any]]) -> Any:
        """The smallest or largest ``field`` among the events ``filters`` keep, exactly as stored (an aggregation
        would round nanosecond times through a double)."""
        hits = self._store._search({"size": 1, "_source": [field], "query": {"bool": {"filter": [
            *filters, {"exists": {"field": field}}]}}, "sort": [{field: order}]})["hits"]["hits"]
        return parse_time(hits[0]["_source"].get(field)) if hits else None

    def _fixed(self) -> list[dict[str, Any]]:
        if self.latest_ingested is None:
            return []
        return [{"range": {"event.ingested": {"lte": iso(self.latest_ingested)}}}]

    def _scope(self, window: ScanWindow, correlation: bool) -> list[dict[str, Any]]:
        """The cluster filters of the events a rule reads (as ``soc.store.detection._scope`` over all events)."""
        if window.timestamp_from is not None:
            new = {"range": {"@timestamp": {"gte": iso(window.timestamp_from)}}}
        elif window.ingested_after is not None:
            new = {"range": {"event.ingested": {"gt": iso(window.ingested_after)}}}
        else:
            return self._fixed()
        if not correlation:
            return [new, *self._fixed()]
        first = self._edge("@timestamp", "asc", [new, *self._fixed()])
        if first is None:
            return [{"bool": {"must_not": {"match_all": {}}}}]  # no new event: nothing to correlate
        start = first - timedelta(seconds=int(window.lookback_seconds))
        return [{"range": {"@timestamp": {"gte": iso(start)}}}, *self._fixed()]

    def _run(self, window: ScanWindow, correlation: bool, candidates: Sequence[str] | None = None
             ) -> EmbeddedDetection:
        """The local detection over the window's events: only those ``candidates`` find (their union; every
        event of the window when None), fetched once and kept while the next rule asks for the same."""
        scope = self._scope(window, correlation)
        key = repr((scope, sorted(set(candidates)) if candidates is not None else None))
        if key != self._key:
            if self._last is not None:
                self._last.__exit__(None, None, None)
            self._last, self._key = None, key
            docs = self._candidate_docs(scope, candidates) if candidates is not None else None
            if docs is None:  # no candidates, or the cluster refused one: the whole window
                docs = self._store.scan({"bool": {"filter": scope}}, self._wanted)
            self._last = ViewDetection(self._view(docs))
        assert self._last is not None
        return self._last

    def _candidate_docs(self, scope: list[dict[str, Any]], queries: Sequence[str]) -> list[dict[str, Any]] | None:
        """The window's events any of ``queries`` finds (chunks split while the cluster refuses one as too
        big), or None when it refuses a single query."""
        found: dict[str, dict[str, Any]] = {}
        pending = [sorted(set(queries))[i:i + CHUNK] for i in range(0, len(set(queries)), CHUNK)]
        while pending:
            chunk = pending.pop()
            should = [{"query_string": {"query": q, "allow_leading_wildcard": True}} for q in chunk]
            try:
                any_of = {"bool": {"should": should, "minimum_should_match": 1}}  # filter context: no scoring
                for doc in self._store.scan({"bool": {"filter": [*scope, any_of]}}, self._wanted):
                    found.setdefault(str(doc.get("event.id")), doc)
            except QueryError:
                if len(chunk) == 1:
                    return None
                pending += [chunk[:len(chunk) // 2], chunk[len(chunk) // 2:]]
        return list(found.values())

    def _view(self, docs: Iterable[dict[str, Any]]) -> Any:
        """A local DuckDB connection whose view :data:`ALL_EVENTS` holds ``docs`` (the fields rules read), every
        other registered ECS field a typed NULL column."""
        con = connect()
        con.register("soc_cluster_rows", arrow_table(docs, self._wanted))
        con.execute("CREATE TABLE soc_fetched AS SELECT * FROM soc_cluster_rows")
        con.unregister("soc_cluster_rows")
        missing = [f"NULL::{t} AS {ident(n)}" for n, t in ecs.FIELDS.items() if n not in self._wanted]
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ALL_EVENTS} AS SELECT *"
                    + (", " + ", ".join(missing) if missing else "") + " FROM soc_fetched")
        return con

    def matches(self, queries: Sequence[str], window: ScanWindow, columns: Mapping[str, Sequence[str]]
                ) -> list[dict[str, Any]]:
        return self._run(window, correlation=False).matches(queries, window, columns)

    def matches_many(self, rules: Sequence[tuple[str, Sequence[str]]], window: ScanWindow,
                     columns: Mapping[str, Sequence[str]],
                     candidates: Mapping[str, Sequence[str] | None] | None = None
                     ) -> dict[str, list[dict[str, Any]] | QueryFailed]:
        union = _union([candidates.get(key) for key, _ in rules]) if candidates is not None else None
        return self._run(window, correlation=False, candidates=union).matches_many(rules, window, columns)

    def correlations(self, queries: Sequence[str], window: ScanWindow, candidates: Sequence[str] | None = None
                     ) -> list[tuple]:
        candidates = _union([candidates]) if candidates is not None else None
        return self._run(window, correlation=True, candidates=candidates).correlations(queries, window)

    def values(self, event_ids: Sequence[str], columns: Mapping[str, Sequence[str]]) -> list[tuple]:
        if self._last is None:
            return []
        return self._last.values(event_ids, columns)


def _union(lists: Sequence[Sequence[str] | None]) -> list[str] | None:
    """Every query of ``lists``, or None when the whole window must be read anyway: a rule has none, or one
    finds every event (only ``*:*`` in it: a regex, a keyword on the raw line …)."""
    if any(q is None for q in lists):
        return None
    out = [q for queries in lists if queries is not None for q in queries]
    return None if any(_EVERY.fullmatch(q) for q in out) else out


_EVERY = re.compile(r"[\s()]*\*:\*(?:[\s()]*(?:AND|OR)[\s()]*\*:\*)*[\s()]*")  # "*:*" ANDed/ORed with itself
