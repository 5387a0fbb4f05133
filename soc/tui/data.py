"""What the TUI reads and writes: alerts, cases, notes, suppressions and audit in the state database, events in
the event store.

Called from worker threads only, never the UI thread; never changes an alert without the version the analyst saw.
Event queries bind user values as parameters, never as SQL text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from soc.config import Config
from soc.searchlang import parse
from soc.store.embedded import EventStore
from soc.store.state import StateDB
from soc.timefmt import local_time, parse_utc
from soc.triage import cases, suppressions, workflow
from soc.tui.queue_model import (  # noqa: F401  (re-exported for screens and tests)
    LEVEL_FILTERS,
    OPEN_STATUSES,
    STATUS_FILTERS,
    ChangeWatch,
    QueueFilter,
    QueueRows,
)
from soc.tui.queue_sql import (  # noqa: F401  (re-exported for screens and tests)
    LIST_COLUMNS,
    PAGE,
    TIME_SQL,
    QueuePlan,
    Vocabulary,
    fetch_rows,
    plan,
    row_key,
    vocabulary_key,
)

EVENT_LIMIT = 50
EVENT_ID_LIMIT = 5000  # ids sent to DuckDB per alert; the detail shows the first EVENT_LIMIT by time
PIVOT_LIMIT = 500
PIVOT_FIELDS = {  # alert column → event fields holding the same value
    "source_ip": ("source.ip", "related.ip"),
    "user_name": ("user.name", "related.user"),
    "host": ("host.hostname", "url.domain"),
    "system": ("soc.system",),
}


@dataclass(frozen=True)
class MatchedEvent:
    timestamp: datetime | None
    dataset: str | None
    original: str | None
    fields: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class QueueSnapshot:
    """Alerts matching a filter in order (read a page at a time), and the count of all alerts by status.

    ``cursor`` is where the alert that had the cursor is now (None when the filter hides it); ``marked`` the marked
    alerts the filter lets through, as stored now.
    """

    alerts: QueueRows
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    cursor: int | None = None
    marked: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Viewport:
    """What the grid shows when a snapshot is asked for: the alert under the cursor, its row, the first row on
    screen and how many rows fit; the snapshot reads the rows that will be on screen."""

    anchor: str | None = None
    cursor: int = 0
    top: int = 0
    height: int = PAGE


class AlertSource:
    """One state-database connection per app, shared by worker threads (serialised by a lock)."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.events = EventStore(cfg.data_dir)
        self.watch = ChangeWatch()
        self._vocabulary: Vocabulary | None = None
        self._db: StateDB | None = None
        self._lock = threading.RLock()

    @property
    def actor(self) -> str:
        return self.cfg.analyst_name

    @property
    def db(self) -> StateDB:
        if self._db is None:
            self._db = StateDB(self.cfg.data_dir / "state.db")
            # the queue scans the alerts table: keep it in this connection's cache (reads only, per connection)
            self._db.con.execute("PRAGMA cache_size=-131072")
            self._db.con.execute("PRAGMA mmap_size=536870912")
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- queue ---------------------------------------------------------------------------------------------
    def refresh(self) -> int:
        """How many alerts changed since the last look (0 when nothing did); cheap enough to poll."""
        with self._lock:
            return self.watch.look(self.db.con)

    def snapshot(self, flt: QueueFilter, sort: str = "time", descending: bool = True,
                 view: Viewport | None = None, marked: Iterable[str] = ()) -> QueueSnapshot:
        """The queue for a filter and sort: counts, and the rows that will be on screen read now (the rest is
        read when scrolled to)."""
        view = view or Viewport()
        with self._lock:
            con = self.db.con
            self.watch.look(con)
            key = vocabulary_key(con)
            if self._vocabulary is None or self._vocabulary.key != key:
                self._vocabulary = Vocabulary(con, key)
            vocab = self._vocabulary
            counts = dict(vocab.statuses)
            queue, head = plan(con, flt, sort, descending, vocab)
            rows = QueueRows(queue.count, self._reader(queue), dict(enumerate(head or [])))
            cursor = rows.index_of(view.anchor) if view.anchor else None
            if view.anchor and cursor is None and not (head is not None and len(head) == queue.count):
                found = queue.position(con, view.anchor)
                if found is not None:
                    cursor = found[0]
                    rows.put(*found)
            row = cursor if cursor is not None else min(max(view.cursor, 0), max(queue.count - 1, 0))
            top, height = view.top, max(view.height, 1)
            if not top <= row < top + height:  # the grid scrolls to keep the cursor in sight
                top = row if row < top else row - height + 1
            top = min(max(top, 0), max(queue.count - height, 0))
            rows.load(top, top + height)
            rows.load(row, row + 1)
            shown = self._marked(con, queue, list(marked))
        return QueueSnapshot(rows, counts, sum(counts.values()), cursor, shown)

    def _reader(self, queue: QueuePlan):
        def read(offset: int, limit: int, next_to: dict[str, Any] | None, before: bool) -> list[dict[str, Any]]:
            with self._lock:
                if next_to is not None:
                    return queue.read_next(self.db.con, next_to, limit, before)
                return queue.read(self.db.con, offset, limit)

        return read

    @staticmethod
    def _marked(con: Any, queue: QueuePlan, ids: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            out += fetch_rows(con, f"SELECT {LIST_COLUMNS} FROM alerts WHERE id IN ({','.join('?' * len(chunk))}) "
                               f"AND {queue.where}", (*chunk, *queue.args))
        return sorted(out, key=lambda r: row_key(r, queue.sort), reverse=queue.descending)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self.db.alert(alert_id)

    # -- workflow ------------------------------------------------------------------------------------------
    def set_status(self, alert: dict[str, Any], status: str, resolution: str | None) -> dict[str, Any]:
        """Compare-and-set on the version the analyst saw; raises ``ConflictError`` when it is stale."""
        with self._lock:
            return workflow.set_status(self.db, alert, self.actor, status, resolution)

    def assign(self, alert: dict[str, Any], assignee: str | None) -> dict[str, Any]:
        with self._lock:
            return workflow.assign(self.db, alert, self.actor, assignee)

    def add_note(self, object_type: str, object_id: str, body: str) -> dict[str, Any]:
        with self._lock:
            return workflow.add_note(self.db, object_type, object_id, self.actor, body)

    def notes(self, object_type: str, object_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return workflow.notes(self.db, object_type, object_id)

    def record(self, object_type: str, object_id: str, action: str, detail: Any = None) -> None:
        with self._lock:
            workflow.record(self.db, self.actor, object_type, object_id, action, detail)

    def audit(self, object_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return self.db.audit_trail(object_id)

    def last_actor(self, alert_id: str) -> str | None:
        """Who made the latest audited change to the alert."""
        trail = self.audit(alert_id)
        return trail[-1]["actor"] if trail else None

    # -- cases and suppressions ----------------------------------------------------------------------------
    def cases(self, status: Iterable[str] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return cases.list_cases(self.db, status)

    def case(self, case_id: int) -> dict[str, Any] | None:
        with self._lock:
            return cases.get(self.db, case_id)

    def case_timeline(self, case_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return cases.timeline(self.db, case_id)

    def create_case(self, title: str, alert_ids: Iterable[str]) -> dict[str, Any]:
        with self._lock:
            return cases.create(self.db, title, self.actor, alert_ids)

    def add_to_case(self, case_id: int, alert_ids: Iterable[str]) -> list[str]:
        with self._lock:
            return cases.add_alerts(self.db, case_id, alert_ids, self.actor)

    def remove_from_case(self, case_id: int, alert_ids: Iterable[str]) -> int:
        with self._lock:
            return cases.remove_alerts(self.db, case_id, alert_ids, self.actor)

    def update_case(self, case: dict[str, Any], **changes: Any) -> dict[str, Any]:
        with self._lock:
            return cases.update(self.db, case, self.actor, **changes)

    def suppressions(self) -> list[dict[str, Any]]:
        with self._lock:
            return suppressions.active(self.db)

    def suppress(self, rule_id: str, fld: str, value: str, reason: str, days: float | None) -> dict[str, Any]:
        with self._lock:
            return suppressions.create(self.db, rule_id, fld, value, reason, self.actor, days=days)

    def unsuppress(self, sid: int) -> None:
        with self._lock:
            suppressions.remove(self.db, sid, self.actor)

    def dashboard(self, now: datetime | None = None) -> Any:
        """The dashboard figures (``soc.tui.dashboard_data.Dashboard``)."""
        from soc.tui.dashboard_data import load

        with self._lock:
            return load(self.db, now)

    # -- events --------------------------------------------------------------------------------------------
    def matched_events(self, alert: dict[str, Any], limit: int = EVENT_LIMIT) -> list[MatchedEvent]:
        """The alert's events (oldest first, at most ``limit``) from the event store, with their fields."""
        ids = [str(i) for i in list(alert.get("event_ids") or [])[:EVENT_ID_LIMIT]]
        return _events(self.events.by_ids(ids, limit=limit))

    def pivot_events(self, column: str, value: str, around: datetime | None, minutes: int) -> list[MatchedEvent]:
        """Events holding ``value`` in the fields behind alert column ``column``, ±``minutes`` around ``around``."""
        span = timedelta(minutes=minutes)
        lo, hi = (around - span, around + span) if around is not None else (None, None)
        return _events(self.events.around(PIVOT_FIELDS[column], value, lo, hi, PIVOT_LIMIT))

    def alerts_sharing(self, column: str, value: str, exclude: str | None = None) -> list[dict[str, Any]]:
        if column not in PIVOT_FIELDS:
            raise ValueError(f"cannot pivot on {column!r}")
        with self._lock:
            cur = self.db.con.execute(
                f"SELECT {LIST_COLUMNS} FROM alerts WHERE {column} = ? AND (? IS NULL OR id != ?) "
                f"ORDER BY {TIME_SQL} DESC, id DESC LIMIT ?",
                (value, exclude, exclude, PIVOT_LIMIT),
            )
            return [dict(r) for r in cur.fetchall()]


def _events(rows: list[dict[str, Any]]) -> list[MatchedEvent]:
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


SEARCH_LIMIT = 1000
SEARCH_COLUMNS = ("@timestamp", "event.dataset", "source.ip", "user.name", "url.original", "message",
                  "event.original")


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
