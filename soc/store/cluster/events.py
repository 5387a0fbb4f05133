"""Events in a cluster: data streams ``logs-soc.<dataset>-<namespace>`` (monthly indices
``soc-<ns>-events-<dataset>-<YYYY.MM>`` where the engine has no data streams, or before ``soc store init`` made the
stream template), written with ``create`` and ``_id = event.id``; every reader reads streams and monthly indices.

What ``_id`` dedup guarantees: a cluster refuses a second ``create`` of an ``_id`` only within one index. A monthly
index is fixed by the event's own time, so a re-read stores nothing twice. A data stream writes to its current
backing index: a re-sent line that the stream already holds in a backing index it has since rolled over from would be
stored a second time. The file checkpoint is the first guard (it moves only after the cluster acknowledged the lines,
so only the batch in flight at a crash is re-sent), and a rollover (monthly, by ILM/ISM or ``soc compact``) falling
between that crash and its resume is the one window left. Never updates or deletes a stored event (only retention
drops old indices). A document the cluster rejects goes to ``<data_dir>/deadletter/cluster-rejected.jsonl`` with the
cluster's reason.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from soc import ecs
from soc.searchlang import QueryError
from soc.store import events_api
from soc.store.cluster import names, paging, schema
from soc.store.cluster.connection import ClusterError, Connection
from soc.store.cluster.detection import ClusterDetection
from soc.store.cluster.docs import (
    index_part,
    iso,
    json_sources,
    local_view,
    typed_rows,
)
from soc.store.cluster.hunt import indicator_hits
from soc.store.cluster.query_dsl import to_dsl
from soc.store.duck import connect
from soc.store.seen_sql import seen_before as seen_before_sql
from soc.store.types import EventPage, iter_chunks

PAGE = 5000
SORT_ASC = [{"@timestamp": {"order": "asc", "missing": "_first"}}, {"event.id": "asc"}]


class ClusterEventStore(events_api.EventStore):
    """The events half on Elasticsearch / OpenSearch. Compiled rules stay DuckDB SQL: a scan reads its events
    from the cluster (only the fields the rules name) and runs them locally, so both stores give the same alerts."""

    query_language = "duckdb"

    def __init__(self, conn: Connection, prefix: str, data_dir: Path, retention_days: int = names.RETENTION_DAYS):
        self.conn = conn
        self.kind = conn.kind
        self.prefix = prefix
        self.pattern = names.readers(prefix)  # streams and older monthly indices: what every reader reads
        self._streams: bool | None = None  # whether the stream template exists (asked once, at the first write)
        self._pit: str | None = None  # the point in time the last search's pages go on in
        self.data_dir = Path(data_dir)
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._known: set[str] = set(ecs.FIELDS)
        self._touched: set[str] = set()  # indices written since the last close (refreshed then)
        self._duck = connect(threads=1)  # writes each batch's documents as JSON (one cursor per append)

    # -- writing -------------------------------------------------------------------------------------------
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Writers need no lock: ``create`` with a deterministic ``_id`` stores each event once, whoever writes."""
        with self._lock:
            yield

    def streams(self) -> bool:
        """Whether events go to data streams: ``soc store init`` put the stream template (the engine has them)."""
        if self._streams is None:
            self._streams = self.conn.exists(f"/_index_template/{self.prefix}-stream")
        return self._streams

    def index_of(self, row: Mapping[str, Any]) -> str:
        """Where a row goes: its dataset's data stream, or its month's index (no streams, or no ``@timestamp``,
        which a data stream refuses)."""
        ts = row.get("@timestamp")
        if ts is not None and self.streams():
            return names.stream(self.prefix, row.get("event.dataset"))
        if isinstance(ts, datetime):
            month = ts.strftime("%Y.%m")
        elif isinstance(ts, str) and len(ts) >= 7:  # a document's ISO time
            month = f"{ts[:4]}.{ts[5:7]}"
        else:
            month = "undated"
        return f"{self.prefix}-events-{index_part(row.get('event.dataset'))}-{month}"

    def append(self, batch: events_api.EventBatch) -> int:
        """Bulk-``create`` the rows; 409 (already stored) counts as stored before, a rejected row is dead-lettered.
        Returns the rows new to the cluster. Raises :class:`ClusterError` when the cluster stays unreachable (the
        caller's checkpoint then does not move). Documents are written as JSON by DuckDB (``json_sources``) and
        sent as they are: the client's helper only adds each action line."""
        indices: dict[tuple[str | None, str | None], str] = {}
        pending: dict[str, tuple[str, str]] = {}

        def first_send() -> Iterator[dict[str, Any]]:  # documents written while the first ones are on their way
            for eid, dataset, month, source in json_sources(self._duck, batch.to_arrow()):
                key = (dataset, month)
                if key not in indices:
                    indices[key] = self.index_of({"event.dataset": dataset, "@timestamp": month})
                pending[eid] = (indices[key], source)
                yield {"_op_type": "create", "_index": indices[key], "_id": eid, "_source": source}

        new, touched, rejected = 0, set(), []
        for attempt in range(6):
            if attempt:
                time.sleep(min(0.5 * 2 ** attempt, 10.0))  # back-off before sending the refused items again
            retry: dict[str, tuple[str, str]] = {}
            actions = first_send() if not attempt else (
                {"_op_type": "create", "_index": index, "_id": eid, "_source": source}
                for eid, (index, source) in pending.items())
            for ok, item in self.conn.bulk(actions):
                info = item.get("create", item)
                eid = str(info.get("_id"))
                status = info.get("status")
                status = status if isinstance(status, int) else 0  # "N/A": the request itself was lost
                if ok:
                    new += 1
                    touched.add(info.get("_index"))
                elif status == 409:
                    continue
                elif status in (0, 429) or status >= 500:
                    retry[eid] = pending[eid]
                else:
                    rejected.append((orjson.loads(pending[eid][1]), status, info.get("error")))
            if not retry:
                break
            pending = retry
        else:
            raise ClusterError(503, f"{len(pending)} event(s) not acknowledged after 6 tries")
        if rejected:
            self._dead_letter(rejected)
        self._touched |= touched  # acknowledged: durable now, searchable within the refresh interval or at close
        return new

    def _own_writes(self) -> None:
        """Make what this handle stored searchable (before it reads, and at close): one refresh per run or read,
        not per batch — a refresh per batch cuts many small segments the cluster must merge again."""
        if self._touched:
            touched, self._touched = sorted(self._touched), set()
            self.conn.request("POST", f"/{','.join(touched)}/_refresh",  # one may be gone: rolled over, pruned
                              params={"allow_no_indices": "true", "ignore_unavailable": "true"})

    def close(self) -> None:
        """Make what this handle stored searchable now; free the last search's point in time."""
        self._own_writes()
        if self._pit is not None:  # the last search's point in time: its pages end with this handle
            pit, self._pit = self._pit, None
            paging.close_pit(self.conn, pit)

    def _dead_letter(self, rejected: list[tuple[dict, int, Any]]) -> None:
        folder = self.data_dir / "deadletter"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "cluster-rejected.jsonl", "a", encoding="utf-8") as fh:
            for row, status, error in rejected:
                reason = error.get("reason") if isinstance(error, dict) else str(error)
                kind = error.get("type") if isinstance(error, dict) else ""
                fh.write(json.dumps({"event.id": row.get("event.id"), "status": status, "error": kind,
                                     "reason": reason, "log.file.path": row.get("log.file.path"),
                                     "log.offset": row.get("log.offset"), "event.original": row.get("event.original")},
                                    ensure_ascii=False, default=str) + "\n")

    # -- reading helpers -------------------------------------------------------------------------------------
    def _search(self, body: dict[str, Any], index: str | None = None) -> dict[str, Any]:
        self._own_writes()  # a handle reads what it wrote
        try:
            return self.conn.request("POST", f"/{index or self.pattern}/_search", body,
                                     params={"ignore_unavailable": "true", "allow_no_indices": "true"})
        except ClusterError as exc:
            if exc.status == 400:
                raise QueryError(f"the cluster refused the query: {exc.reason}") from None
            raise

    def scan(self, query: dict[str, Any], fields: Sequence[str] | None = None, sort: list | None = None
             ) -> Iterator[dict[str, Any]]:
        """Every matching document's ``_source`` (only ``fields`` when given), in ``sort`` order, page by page with
        ``search_after``."""
        body: dict[str, Any] = {"query": query, "size": PAGE, "sort": sort or SORT_ASC, "track_total_hits": False}
        if fields is not None:
            body["_source"] = list(dict.fromkeys(["event.id", "@timestamp", *fields]))
        while True:
            hits = self._search(body)["hits"]["hits"]
            for h in hits:
                yield h["_source"]
            if len(hits) < PAGE:
                return
            body["search_after"] = hits[-1]["sort"]

    def _known_field(self, name: str) -> bool:
        if name in self._known:
            return True
        caps = self.conn.request("GET", f"/{self.pattern}/_field_caps", params={"fields": name,
                                                                               "allow_no_indices": "true"})
        if caps.get("fields", {}).get(name):
            self._known.add(name)
            return True
        return False

    def refresh(self) -> None:
        self.conn.request("POST", f"/{self.pattern}/_refresh", params={"allow_no_indices": "true"})

    # -- history for the enrichers and the scans -------------------------------------------------------------
    def _local(self, fields: Iterable[str], name: str, query: dict[str, Any] | None = None) -> Any:
        """A DuckDB connection with view ``name`` over the ``fields`` of every stored event (or those ``query``
        matches) read from the cluster, every other registered ECS field as a typed NULL column."""
        wanted = list(dict.fromkeys(["event.id", "@timestamp", "event.ingested", *fields]))
        self.refresh()
        return local_view(self.scan(query or {"match_all": {}}, wanted), wanted, name)

    def seen_before(self, candidates: pa.Table, keys: Mapping[str, str], where: str, fields: Sequence[str] = ()
                    ) -> pa.Table:
        con = self._local(fields, "soc_stored_events")
        try:
            return seen_before_sql(con, candidates, keys, where)
        finally:
            con.close()

    def detection(self, fields: Iterable[str]) -> events_api.DetectionRun:
        """A scan's fixed view: each rule window's events read from the cluster (``soc.store.cluster.detection``)."""
        return ClusterDetection(self, list(fields))

    # -- reading -------------------------------------------------------------------------------------------
    def count(self) -> int:
        self.refresh()
        return int(self.conn.request("GET", f"/{self.pattern}/_count", params={"allow_no_indices": "true"})["count"])

    def dump(self, order_by: str) -> list[dict[str, Any]]:
        self.refresh()
        docs = list(self.scan({"match_all": {}}))
        fields = list(dict.fromkeys([*ecs.FIELDS, *(k for d in docs for k in d)]))
        rows = typed_rows(docs, fields)
        return sorted(rows, key=lambda r: (r.get(order_by) is None, r.get(order_by) or 0))

    def by_ids(self, event_ids: Sequence[str], columns: Sequence[str] | None = None,
               limit: int | None = None) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = []
        for chunk in iter_chunks([str(i) for i in event_ids], 1000):
            docs += self.scan({"ids": {"values": list(chunk)}}, columns)
        docs.sort(key=lambda d: (d.get("@timestamp") is not None, d.get("@timestamp") or "", d.get("event.id")))
        if limit is not None:
            docs = docs[:int(limit)]
        if columns:
            return typed_rows(docs, columns)
        return [{k: v for k, v in r.items() if v is not None and v != []}
                for r in typed_rows(docs, list(dict.fromkeys(k for d in docs for k in d)))]

    def around(self, fields: Sequence[str], value: str, lo: datetime | None, hi: datetime | None,
               limit: int) -> list[dict[str, Any]]:
        should = []
        for f in fields:
            kind = schema._leaf(f, ecs.field_type(f))["type"]
            if kind == "ip":
                try:
                    ipaddress.ip_address(value)
                except ValueError:
                    continue
            if kind == "long" and not value.lstrip("-").isdigit():
                continue
            should.append({"term": {f: value}})
        if not should:
            return []
        query: dict[str, Any] = {"bool": {"should": should, "minimum_should_match": 1}}
        if lo is not None and hi is not None:
            query["bool"]["filter"] = [{"range": {"@timestamp": {"gte": iso(lo), "lte": iso(hi)}}}]
        hits = self._search({"query": query, "size": int(limit), "sort": SORT_ASC})["hits"]["hits"]
        docs = [h["_source"] for h in hits]
        return [{k: v for k, v in r.items() if v is not None and v != []}
                for r in typed_rows(docs, list(dict.fromkeys(k for d in docs for k in d)))]

    def search(self, query: Any, columns: Sequence[str], limit: int,
               after: tuple[datetime, str] | None = None) -> EventPage:
        """As the contract says; the first page opens a point in time that the next pages (``after`` = a page's
        ``next_after``) read in, so they see what was stored at the first page (``soc.store.cluster.paging``)."""
        shown = list(dict.fromkeys(("event.id", "@timestamp", *columns)))
        dsl = to_dsl(query, self._known_field)
        self._own_writes()  # before the point in time opens
        if after is None and self._pit is not None:  # a new search: the last one's pages would go on by keyset
            paging.close_pit(self.conn, self._pit)
        result = paging.page(self.conn, self.pattern, self._search, dsl, shown, int(limit), after)
        self._pit = getattr(result.next_after, "pit", None)  # at most one PIT open per store: the newest search's
        return result

    def counts_by_day(self, days: Sequence[tuple[str, datetime, datetime]],
                      unknown_system: str) -> list[tuple[str, str, str, int]]:
        if not days:
            return []
        aggs = {"days": {"filters": {"filters": {
            label: {"range": {"@timestamp": {"gte": iso(lo), "lt": iso(hi)}}} for label, lo, hi in days}},
            "aggs": {"ds": {"terms": {"field": "event.dataset", "missing": "unknown", "size": 1000},
                            "aggs": {"sys": {"terms": {"field": "soc.system", "missing": unknown_system,
                                                       "size": 1000}}}}}}}
        answer = self._search({"size": 0, "query": {"match_all": {}}, "aggs": aggs})
        out = []
        for label, bucket in answer.get("aggregations", {}).get("days", {}).get("buckets", {}).items():
            for ds in bucket["ds"]["buckets"]:
                for sy in ds["sys"]["buckets"]:
                    out.append((label, ds["key"], sy["key"], int(sy["doc_count"])))
        return out

    def indicator_hits(self, indicators: pa.Table, fields: Mapping[str, Sequence[str]], since: datetime | None,
                       until: datetime | None, ids_per_group: int = 100) -> list[dict[str, Any]]:
        """Stored events holding an indicator (see the contract): candidates fetched, matched by the embedded
        store's SQL (``soc.store.cluster.hunt``, which also says what a pure cluster version would be)."""
        return indicator_hits(self, indicators, fields, since, until, ids_per_group)

    def compact(self, min_files: int = 8) -> Any:
        """Upkeep: drop event months past the retention; where no ILM/ISM does it, roll streams over monthly and drop
        their backing indices past it. Segments merge by themselves."""
        self._own_writes()
        return schema.prune(self.conn, self.prefix, self.retention_days)
