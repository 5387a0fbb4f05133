"""A scan on the cluster: each rule's window becomes a cluster query (``event.ingested`` / ``@timestamp`` ranges),
whose events (only the fields the rules name) are read once per distinct window and matched by the compiled rules
locally, with the embedded store's own detection code — so both stores give the same alerts.

Reads only; the view is fixed when the run opens (events ingested later wait for the next scan).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from soc.store.cluster.docs import iso, parse_time
from soc.store.detection import EmbeddedDetection, ViewDetection
from soc.store.events_api import DetectionRun
from soc.store.types import ScanWindow


class ClusterDetection(DetectionRun):
    """One scan's view of a cluster store (``ClusterEventStore.detection``)."""

    def __init__(self, store: Any, fields: Sequence[str]):
        self._store = store
        self._fields = list(fields)
        store.refresh()
        self.events = store.count()
        self.latest_ingested = self._edge("event.ingested", "desc", [])
        self._runs: dict[str, EmbeddedDetection] = {}
        self._last: EmbeddedDetection | None = None

    def __exit__(self, *exc: object) -> None:
        for run in self._runs.values():
            run.__exit__(*exc)
        self._runs.clear()

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

    def _run(self, window: ScanWindow, correlation: bool) -> EmbeddedDetection:
        scope = self._scope(window, correlation)
        key = repr(scope)
        if key not in self._runs:
            con = self._store._local(self._fields, "soc_all_events", {"bool": {"filter": scope}})
            self._runs[key] = ViewDetection(con)
        self._last = self._runs[key]
        return self._last

    def matches(self, queries: Sequence[str], window: ScanWindow, columns: Mapping[str, Sequence[str]]
                ) -> list[dict[str, Any]]:
        return self._run(window, correlation=False).matches(queries, window, columns)

    def matches_many(self, rules: Sequence[tuple[str, Sequence[str]]], window: ScanWindow,
                     columns: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        return self._run(window, correlation=False).matches_many(rules, window, columns)

    def correlations(self, queries: Sequence[str], window: ScanWindow) -> list[tuple]:
        return self._run(window, correlation=True).correlations(queries, window)

    def values(self, event_ids: Sequence[str], columns: Mapping[str, Sequence[str]]) -> list[tuple]:
        if self._last is None:
            return []
        return self._last.values(event_ids, columns)
