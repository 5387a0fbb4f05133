"""The events half of the store contract: immutable ECS events appended, scanned, searched and counted."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import pyarrow as pa

from soc.store.types import EventPage, ScanWindow


class QueryFailed(Exception):
    """The store refused a compiled query (a broken rule, a field of the wrong type …); the message says why."""


# -- events --------------------------------------------------------------------------------------------------
class EventBatch(ABC):
    """A batch of freshly mapped ECS rows on its way to the store (the ingest engine builds it)."""

    @abstractmethod
    def to_arrow(self) -> pa.Table:
        """The rows as an Arrow table with flat ECS column names."""


class ArrowBatch(EventBatch):
    """A batch already held as an Arrow table (tests, tools, another store's export)."""

    def __init__(self, table: pa.Table):
        self.table = table

    def to_arrow(self) -> pa.Table:
        return self.table


class DetectionRun(AbstractContextManager):
    """One scan's view of the stored events, fixed when it opens (events stored meanwhile wait for the next
    scan). Compiled rules are in the store's ``query_language``."""

    events: int  # stored events seen by this run
    latest_ingested: datetime | None  # the newest ``event.ingested`` seen (the next watermark)
    # The language of *candidate* queries this run can use to read fewer events ("lucene": a cluster's query
    # strings, soc.detect.cluster_backend), or None when it takes none. A rule's candidates find every event its
    # compiled queries match (and maybe more): the run still matches with the compiled queries, so the alerts
    # are the same with or without them.
    prefilter_language: str | None = None

    @abstractmethod
    def matches(self, queries: Sequence[str], window: ScanWindow, columns: Mapping[str, Sequence[str]]
                ) -> list[dict[str, Any]]:
        """Events matched by any of ``queries`` within ``window``, oldest first, one dict each with ``eid``,
        ``ts`` and one key per ``columns`` entry (its fields coalesced in order). Raises ``QueryFailed``."""

    files_read: int = 0  # event files (or shards) this run opened so far; 0 where a store does not count them

    def matches_many(self, rules: Sequence[tuple[str, Sequence[str]]], window: ScanWindow,
                     columns: Mapping[str, Sequence[str]],
                     candidates: Mapping[str, Sequence[str] | None] | None = None
                     ) -> dict[str, list[dict[str, Any]] | QueryFailed]:
        """:meth:`matches` for many rules sharing ``window``: ``{key: rows}`` per ``(key, queries)`` pair, or the
        ``QueryFailed`` of a rule the engine refuses (the others still answer). A store may read the events once
        for all of them; this default asks rule by rule. ``candidates``: each rule's candidate queries in
        :attr:`prefilter_language` (None for a rule without: the run then reads the whole window)."""
        out: dict[str, list[dict[str, Any]] | QueryFailed] = {}
        for key, queries in rules:
            try:
                out[key] = self.matches(queries, window, columns)
            except QueryFailed as exc:
                out[key] = exc
        return out

    @abstractmethod
    def correlations(self, queries: Sequence[str], window: ScanWindow, candidates: Sequence[str] | None = None
                     ) -> list[tuple]:
        """Rows of correlation ``queries`` within ``window`` (the window reaches back ``lookback_seconds`` before
        its earliest new event): (group_key, first, last, event_ids, first_event_id). ``candidates``: the candidate
        queries (:attr:`prefilter_language`) of the rules it references, or None. Raises ``QueryFailed``."""

    @abstractmethod
    def values(self, event_ids: Sequence[str], columns: Mapping[str, Sequence[str]]) -> list[tuple]:
        """One tuple per stored event of ``event_ids``, values in ``columns`` order (fields coalesced). Raises
        ``QueryFailed``."""


class EventStore(ABC):
    """Immutable ECS events. ``event.id`` is deterministic: appending the same event twice stores it once."""

    kind: str = ""
    query_language: str = ""  # what compiled rules and searches must be in ("duckdb" for the embedded store)

    @abstractmethod
    def write_lock(self) -> AbstractContextManager[None]:
        """Serialise writers (two ingests never store one id twice)."""

    @abstractmethod
    def append(self, batch: EventBatch) -> int:
        """Store the rows whose ``event.id`` is not stored yet; return how many were new. They may become
        visible to readers only at :meth:`close` (a cluster makes them searchable then, not per batch)."""

    def close(self) -> None:  # noqa: B027 - optional: most stores hold nothing to finish
        """Finish what this handle wrote (make it visible to every reader) and release it."""

    @abstractmethod
    def detection(self, fields: Iterable[str]) -> DetectionRun:
        """Open a scan over every stored event, with ``fields`` present (NULL where no event has them)."""

    @abstractmethod
    def by_ids(self, event_ids: Sequence[str], columns: Sequence[str] | None = None, limit: int | None = None
               ) -> list[dict[str, Any]]:
        """The stored events of ``event_ids``, oldest first (all columns, or ``columns``)."""

    @abstractmethod
    def around(self, fields: Sequence[str], value: str, lo: datetime | None, hi: datetime | None, limit: int
               ) -> list[dict[str, Any]]:
        """Pivot: events holding ``value`` in any of ``fields`` (list fields: as an element), in ``[lo, hi]``."""

    @abstractmethod
    def search(self, query: Any, columns: Sequence[str], limit: int, after: tuple[datetime, str] | None = None
               ) -> EventPage:
        """Events matching a parsed search-box query (``soc.searchlang``), newest first, at most ``limit``; with
        ``after`` (a page's ``next_after``), the page that follows (keyset paging)."""

    @abstractmethod
    def counts_by_day(self, days: Sequence[tuple[str, datetime, datetime]], unknown_system: str
                      ) -> list[tuple[str, str, str, int]]:
        """Events per (day, dataset, system) for the given (day label, UTC start, UTC end) windows."""

    @abstractmethod
    def seen_before(self, candidates: pa.Table, keys: Mapping[str, str], where: str, fields: Sequence[str] = ()
                    ) -> pa.Table:
        """The rows of ``candidates`` that an earlier stored event already has: one matching ``where`` whose
        ``keys[column]`` (an expression over stored fields) equals the row's ``column`` for every key, with an
        ``@timestamp`` before the row's ``first_at``. Expressions are in ``query_language``; ``fields`` are the
        stored fields they read (NULL where no event has them)."""

    @abstractmethod
    def indicator_hits(self, indicators: pa.Table, fields: Mapping[str, Sequence[str]], since: datetime | None,
                       until: datetime | None, ids_per_group: int = 100) -> list[dict[str, Any]]:
        """Stored events in ``[since, until)`` holding an indicator of ``indicators`` (columns ``ikey, kind, value,
        plen, net_hi, net_lo``: ``soc.intel.table``) in one of ``fields`` (kind → event fields): IPs within the
        indicator's network, domains equal or a subdomain, URLs in normalised form, hashes and e-mail addresses in
        lower case. One dict per (``ikey``, ``field``, ``observed``, ``system``, ``host``, ``dataset``) with
        ``events``, ``first``, ``last`` and the oldest ``ids_per_group`` ``event_ids``."""

    @abstractmethod
    def compact(self, min_files: int = 8) -> Any:
        """Upkeep from cron: merge the small pieces writes left (files, segments); readers are never disturbed."""

    @abstractmethod
    def count(self) -> int:
        """Every stored event."""

    @abstractmethod
    def dump(self, order_by: str) -> list[dict[str, Any]]:
        """Every stored event with every field (None where it has none), ordered by the field ``order_by`` (small
        stores only: parser samples, tests)."""
