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
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from soc.searchlang import QueryError
from soc.store.cluster.docs import UNINDEXED, iso, local_view, parse_time
from soc.store.detection import ALL_EVENTS, EmbeddedDetection, ViewDetection
from soc.store.events_api import DetectionRun, QueryFailed
from soc.store.types import ScanWindow

CHUNK = 400  # candidate queries asked in one search (a chunk the cluster finds too big is halved)


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
        self._last: EmbeddedDetection | None = None  # the run the last rule read (values() reads it)
        self._key: str | None = None
        self._whole: dict[str, EmbeddedDetection] = {}  # whole windows read, by scope
        self._sizes: dict[str, int] = {}  # events of each scope counted (correlations often share one)
        self._caps: dict[str, Any] = {}  # _field_caps answers by field, and "" → every index read (one run's)

    def __exit__(self, *exc: object) -> None:
        runs = {id(r): r for r in [*self._whole.values(), *([self._last] if self._last else [])]}
        for run in runs.values():
            run.__exit__(*exc)
        self._last, self._key, self._whole = None, None, {}

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
        whole = repr(scope)
        if whole in self._whole:  # the whole window is here already: it holds every rule's candidates
            self._last = self._whole[whole]
            return self._last
        key = repr((scope, sorted(set(candidates)) if candidates is not None else None))
        if key != self._key or self._last is None:
            if self._last is not None and self._last not in self._whole.values():
                self._last.__exit__(None, None, None)
            self._last, self._key = None, key
            docs = self._candidate_docs(scope, candidates) if candidates is not None else None
            if docs is None:  # no candidates, the cluster refused one, or most of the window: all of it, kept
                docs = self._store.scan({"bool": {"filter": scope}}, self._wanted)
                self._last = self._whole[whole] = ViewDetection(local_view(docs, self._wanted, ALL_EVENTS))
            else:
                self._last = ViewDetection(local_view(docs, self._wanted, ALL_EVENTS))
        return self._last

    def _candidate_docs(self, scope: list[dict[str, Any]], queries: Sequence[str]) -> list[dict[str, Any]] | None:
        """The window's events any of ``queries`` finds (chunks halved while the cluster refuses one as too big),
        or None when the whole window is the better read: the cluster refuses a single query, or the candidates
        are more than half of the window (one plain read then costs less than the query evaluated page by page)."""
        accepted, counted = [], 0
        unique = sorted(set(self._tightened(queries)))
        pending = [unique[i:i + CHUNK] for i in range(0, len(unique), CHUNK)]
        while pending:
            chunk = pending.pop()
            query = {"bool": {"filter": [*scope, _any_of(chunk)]}}
            try:
                counted += self._total(query)
            except QueryError:
                if len(chunk) == 1:
                    return None
                pending += [chunk[:len(chunk) // 2], chunk[len(chunk) // 2:]]
                continue
            accepted.append(query)
        whole = repr(scope)
        if whole not in self._sizes:
            self._sizes[whole] = self._total({"bool": {"filter": scope}})
        if counted * 2 > self._sizes[whole]:
            return None
        found: dict[str, dict[str, Any]] = {}
        for query in accepted:
            for doc in self._store.scan(query, self._wanted):
                found.setdefault(str(doc.get("event.id")), doc)
        return list(found.values())

    def _total(self, query: dict[str, Any]) -> int:
        return int(self._store._search({"size": 0, "track_total_hits": True, "query": query})["hits"]["total"]["value"])

    def _tightened(self, queries: Sequence[str]) -> list[str]:
        """``queries`` with each "no indexed ``<field>.lc`` value" clause (there for values longer than
        ``ignore_above``, which are not indexed) narrowed to the events that hold such a value: those whose
        ``soc.unindexed_fields`` names the field (written with every document since that field is mapped); in
        indices older than that mapping, on Elasticsearch those whose ``_ignored`` names the field's ``.lc``
        (OpenSearch does not record it: there the wide clause stays). Only for fields every index maps ``.lc``
        (elsewhere no value is found by ``.lc``, so every event must stay a candidate)."""
        names = sorted({m for q in queries for m in _LONG.findall(q)})
        if not names:
            return list(queries)
        lcs = [_unescape(n) + ".lc" for n in names]
        caps = self._field_caps([*lcs, UNINDEXED])
        mapped = {n for n, lc in zip(names, lcs, strict=True) if caps.get(lc) and "unmapped" not in caps[lc]}
        marker = caps.get(UNINDEXED) or {"unmapped": {}}
        older = (marker["unmapped"].get("indices") or caps[""] or ["*"]) if "unmapped" in marker else []
        if len(older) > 100:
            older = ["*"]

        def narrowed(m: re.Match) -> str:
            name, wide = m.group(1), m.group(0)
            if name not in mapped:
                return wide
            before = f"_ignored:{name}.lc" if self._store.kind == "elasticsearch" else wide
            if not older:
                return f"{UNINDEXED}:{_value(_unescape(name))}"
            if older == ["*"]:
                return before
            return (f"({UNINDEXED}:{_value(_unescape(name))} OR "
                    f"(_index:({' OR '.join(_value(i) for i in older)}) AND {before}))")

        return [_LONG.sub(narrowed, q) for q in queries]

    def _field_caps(self, fields: list[str]) -> dict[str, Any]:
        """The cluster's ``_field_caps`` of ``fields`` (asked once per run for each field: mappings do not change
        while a scan reads), and under ``""`` the indices read."""
        ask = [f for f in fields if f not in self._caps]
        if ask:
            answer = self._store.conn.request("GET", f"/{self._store.pattern}/_field_caps", params={
                "fields": ",".join(ask), "include_unmapped": "true", "allow_no_indices": "true"})
            got = answer.get("fields", {})
            self._caps.update({f: got.get(f) for f in ask})
            self._caps.setdefault("", answer.get("indices") or [])
        return self._caps

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


_LONG = re.compile(r"\(\*:\* AND NOT _exists_:((?:[^\s()\\]|\\.)+)\.lc\)")  # soc.detect.cluster_backend's clause


def _unescape(name: str) -> str:
    return re.sub(r"\\(.)", r"\1", name)


def _value(text: str) -> str:
    """``text`` as one term of a query string (every character the syntax reserves escaped)."""
    return re.sub(r'([+\-=&|><!(){}\[\]^"~*?:\\/ .])', r"\\\1", text)


def _any_of(queries: Sequence[str]) -> dict[str, Any]:
    """Events any of the query strings finds (in filter context: nothing scored)."""
    return {"bool": {"should": [{"query_string": {"query": q, "allow_leading_wildcard": True}} for q in queries],
                     "minimum_should_match": 1}}


def _union(lists: Sequence[Sequence[str] | None]) -> list[str] | None:
    """Every query of ``lists``, or None when the whole window must be read anyway: a rule has none, or one
    finds every event (only ``*:*`` in it: a regex, a keyword on the raw line …)."""
    if any(q is None for q in lists):
        return None
    out = [q for queries in lists if queries is not None for q in queries]
    return None if any(_EVERY.fullmatch(q) for q in out) else out


_EVERY = re.compile(r"[\s()]*\*:\*(?:[\s()]*(?:AND|OR)[\s()]*\*:\*)*[\s()]*")  # "*:*" ANDed/ORed with itself
