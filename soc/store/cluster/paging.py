"""Search-box pages over a cluster store: ``search_after`` inside a point in time (PIT), so paging through a result
sees the events as they were at its first page, whatever is ingested meanwhile.

Never leaves a PIT open longer than ``KEEP_ALIVE`` after its last page was asked for; the last page closes it. Where
the cluster refuses a PIT (or it expired), pages go on by plain keyset ``search_after``: no duplicate, no gap of
what was stored at the first page, but events stored since may show up in later pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soc.searchlang import QueryError
from soc.store.cluster.connection import ClusterError, Connection
from soc.store.cluster.docs import nanos, parse_time, typed_rows
from soc.store.types import EventPage

KEEP_ALIVE = "5m"
SORT_DESC = [{"@timestamp": {"order": "desc", "missing": "_last"}}, {"event.id": "desc"}]


class Cursor(tuple):
    """A cluster page's ``next_after``: the (@timestamp, event.id) of its last row like any store's, carrying the
    open PIT's id and the last hit's raw sort values (opaque to callers; a plain tuple pages by keyset)."""

    pit: str | None
    sort: list[Any]

    def __new__(cls, ts: Any, event_id: str, pit: str | None, sort: list[Any]) -> Cursor:
        obj = super().__new__(cls, (ts, event_id))
        obj.pit, obj.sort = pit, sort
        return obj


def open_pit(conn: Connection, targets: str) -> str | None:
    """A new PIT over ``targets`` (None where the cluster has none or nothing matches: pages then go without)."""
    try:
        if conn.kind == "opensearch":
            return conn.request("POST", f"/{targets}/_search/point_in_time", params={"keep_alive": KEEP_ALIVE},
                                retries=1)["pit_id"]
        return conn.request("POST", f"/{targets}/_pit", params={"keep_alive": KEEP_ALIVE, "ignore_unavailable": "true"},
                            retries=1)["id"]
    except (ClusterError, KeyError):
        return None


def close_pit(conn: Connection, pit: str) -> None:
    """Free a PIT now (an error is ignored: it expires by itself)."""
    try:
        if conn.kind == "opensearch":
            conn.request("DELETE", "/_search/point_in_time", {"pit_id": [pit]}, retries=0)
        else:
            conn.request("DELETE", "/_pit", {"id": pit}, retries=0)
    except ClusterError:
        pass


def _keyset(after: tuple[Any, str]) -> list[Any]:
    ts = parse_time(after[0])
    return [nanos(ts) if ts is not None else None, str(after[1])]


def _in_pit(conn: Connection, body: dict[str, Any], pit: str) -> tuple[list[dict], str] | None:
    """The hits of ``body`` inside ``pit`` and the PIT id to go on with; None when the PIT is gone."""
    try:
        answer = conn.request("POST", "/_search", {**body, "pit": {"id": pit, "keep_alive": KEEP_ALIVE}})
    except ClusterError as exc:
        if exc.status == 404 or "search_context_missing" in exc.reason or "No search context" in exc.reason:
            return None
        if exc.status == 400:
            raise QueryError(f"the cluster refused the query: {exc.reason}") from None
        raise
    return answer["hits"]["hits"], answer.get("pit_id") or pit


def page(conn: Connection, targets: str, plain: Callable[[dict[str, Any]], dict[str, Any]], dsl: dict[str, Any],
         shown: list[str], limit: int, after: tuple[Any, str] | None) -> EventPage:
    """One page of ``dsl`` newest first: the first page opens a PIT over ``targets``, a :class:`Cursor` goes on in
    it; ``plain(body)`` searches without one (fallback)."""
    body: dict[str, Any] = {"query": dsl, "size": int(limit) + 1, "_source": shown, "sort": SORT_DESC,
                            "track_total_hits": False}
    pit = getattr(after, "pit", None) if after is not None else open_pit(conn, targets)
    sort = getattr(after, "sort", None)
    hits: list[dict] | None = None
    if pit is not None:
        if after is not None:
            body["search_after"] = sort
        got = _in_pit(conn, body, pit)
        if got is not None:
            hits, pit = got
        else:
            pit = None
    if hits is None:
        body.pop("search_after", None)
        if after is not None:  # raw sort values of a PIT page may hold its tiebreaker: the keyset instead
            body["search_after"] = _keyset(after) if sort is None or getattr(after, "pit", None) else sort
        hits = plain(body)["hits"]["hits"]
    result = EventPage.of(typed_rows([h["_source"] for h in hits], shown), limit)
    if result.next_after is not None:
        return EventPage(result.rows, True, Cursor(*result.next_after, pit, hits[int(limit) - 1]["sort"]))
    if pit is not None:
        close_pit(conn, pit)
    return result
