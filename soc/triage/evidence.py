"""The events behind alerts, as the analyst looks at them: an alert's matched events, events around a value
(pivot), the search box, and stored times shown in the analyst's zone.

Reads events through the event store only (user values bound as parameters, never SQL text); never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from soc.searchlang import parse
from soc.store.embedded import EventStore
from soc.timefmt import local_time, parse_utc

EVENT_LIMIT = 50
EVENT_ID_LIMIT = 5000  # ids sent to DuckDB per alert; the detail shows the first EVENT_LIMIT by time
PIVOT_LIMIT = 500
PIVOT_FIELDS = {  # alert column → event fields holding the same value
    "source_ip": ("source.ip", "related.ip"),
    "user_name": ("user.name", "related.user"),
    "host": ("host.hostname", "url.domain"),
    "system": ("soc.system",),
}
SEARCH_LIMIT = 1000
SEARCH_COLUMNS = ("@timestamp", "event.dataset", "source.ip", "user.name", "url.original", "message",
                  "event.original")


@dataclass(frozen=True)
class MatchedEvent:
    timestamp: datetime | None
    dataset: str | None
    original: str | None
    fields: dict[str, Any] = field(default_factory=dict, compare=False)


def events_of(rows: list[dict[str, Any]]) -> list[MatchedEvent]:
    return [MatchedEvent(r.get("@timestamp"), r.get("event.dataset"), r.get("event.original"), r) for r in rows]


def local(value: datetime | str | None, zone: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored UTC time (ISO string or naive datetime) shown in ``zone``; empty for no value."""
    if isinstance(value, str) or value is None:
        return local_time(value, zone, fmt)
    dt = value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(zone)).strftime(fmt)


def alert_time(alert: dict[str, Any]) -> datetime | None:
    return parse_utc(alert.get("last_time") or alert.get("first_time") or alert.get("created"))


@dataclass
class SearchResult:
    rows: list[dict[str, Any]]
    limited: bool  # more rows matched than ``SEARCH_LIMIT``


def search_events(store: EventStore, text: str, zone: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Events matching the search box ``text`` (see ``soc.searchlang``), newest first, at most ``limit``.

    Raises ``QueryError`` for a query it cannot run (unknown field, bad time, unclosed quote).
    """
    page = store.search(parse(text, zone), SEARCH_COLUMNS, limit)
    return SearchResult(page.rows, page.limited)
