"""The analyst's desk: what the TUI reads and writes, over the store contract — the alert queue, alerts, cases,
notes, suppressions and audit in the state store, events in the event store.

Called from worker threads only, never the UI thread; never changes an alert without the version the analyst saw.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from soc.config import Config
from soc.intel.load import kept
from soc.intel.model import Indicator
from soc.store.contract import StateStore
from soc.store.registry import open_store
from soc.store.types import AlertQueue
from soc.triage import cases, suppressions, workflow
from soc.triage.dashboard import Dashboard
from soc.triage.dashboard import load as load_dashboard
from soc.triage.evidence import (
    EVENT_ID_LIMIT,
    EVENT_LIMIT,
    PIVOT_FIELDS,
    PIVOT_LIMIT,
    MatchedEvent,
    events_of,
)
from soc.triage.queue import PAGE, ChangeWatch, QueueFilter, QueueRows


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
    """One state-store connection per app, shared by worker threads (serialised by a lock)."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.store = open_store(cfg)
        self.events = self.store.events
        self.watch = ChangeWatch()
        self._db: StateStore | None = None
        self._lock = threading.RLock()

    @property
    def actor(self) -> str:
        return self.cfg.analyst_name

    @property
    def db(self) -> StateStore:
        if self._db is None:
            self._db = self.store.state
            self._db.cache_alerts()
        return self._db

    def close(self) -> None:
        with self._lock:
            self.store.close()
            self._db = None

    # -- queue ---------------------------------------------------------------------------------------------
    def refresh(self) -> int:
        """How many alerts changed since the last look (0 when nothing did); cheap enough to poll."""
        with self._lock:
            return self.watch.look(self.db)

    def snapshot(self, flt: QueueFilter, sort: str = "time", descending: bool = True,
                 view: Viewport | None = None, marked: Iterable[str] = ()) -> QueueSnapshot:
        """The queue for a filter and sort: counts, and the rows that will be on screen read now (the rest is
        read when scrolled to)."""
        view = view or Viewport()
        with self._lock:
            db = self.db
            self.watch.look(db)
            queue = db.queue(flt.alert_query(sort, descending))
            counts = dict(queue.statuses)
            head = self._with_cases(queue.head) if queue.head is not None else None
            rows = QueueRows(queue.count, self._reader(queue), dict(enumerate(head or [])))
            cursor = rows.index_of(view.anchor) if view.anchor else None
            if view.anchor and cursor is None and not (head is not None and len(head) == queue.count):
                found = db.queue_position(queue, view.anchor)
                if found is not None:
                    cursor = found[0]
                    rows.put(found[0], self._with_cases([found[1]])[0])
            row = cursor if cursor is not None else min(max(view.cursor, 0), max(queue.count - 1, 0))
            top, height = view.top, max(view.height, 1)
            if not top <= row < top + height:  # the grid scrolls to keep the cursor in sight
                top = row if row < top else row - height + 1
            top = min(max(top, 0), max(queue.count - height, 0))
            rows.load(top, top + height)
            rows.load(row, row + 1)
            shown = self._with_cases(db.queue_rows_of(queue, list(marked)))
        return QueueSnapshot(rows, counts, sum(counts.values()), cursor, shown)

    def _reader(self, queue: AlertQueue):
        def read(offset: int, limit: int, next_to: dict[str, Any] | None, before: bool) -> list[dict[str, Any]]:
            with self._lock:
                if next_to is not None:
                    return self._with_cases(self.db.queue_rows_after(queue, next_to, limit, before))
                return self._with_cases(self.db.queue_rows(queue, offset, limit))

        return read

    def _with_cases(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows, each with ``case_ids``: the cases holding the alert (the queue's case column)."""
        with self._lock:
            found = self.db.case_ids_of([r["id"] for r in rows]) if rows else {}
        return [{**r, "case_ids": found.get(r["id"], [])} for r in rows]

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
            return cases.create(self.db, title, self.actor, alert_ids, take_up=True)

    def add_to_case(self, case_id: int, alert_ids: Iterable[str]) -> list[str]:
        with self._lock:
            return cases.add_alerts(self.db, case_id, alert_ids, self.actor, take_up=True)

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

    def dashboard(self, now: datetime | None = None) -> Dashboard:
        """The dashboard figures."""
        with self._lock:
            return load_dashboard(self.db, now)

    # -- events --------------------------------------------------------------------------------------------
    def matched_events(self, alert: dict[str, Any], limit: int = EVENT_LIMIT) -> list[MatchedEvent]:
        """The alert's events (oldest first, at most ``limit``) from the event store, with their fields."""
        ids = [str(i) for i in list(alert.get("event_ids") or [])[:EVENT_ID_LIMIT]]
        return events_of(self.events.by_ids(ids, limit=limit))

    def indicators(self, warning: str | None = None) -> list[Indicator]:
        """Kept indicators of compromise (of one warning), expired ones included (the screen marks them)."""
        if not self.store.has_state():
            return []
        with self._lock:
            return kept(self.db, warning=warning)

    def indicator_context(self, alert: dict[str, Any] | None, events: list[MatchedEvent]) -> list[Indicator]:
        """The indicators an alert is about: a hunt alert's group key, or the ``soc.ioc.key`` its events carry."""
        if not alert:
            return []
        keys = {str(ev.fields.get("soc.ioc.key")) for ev in events if ev.fields.get("soc.ioc.key")}
        if str(alert.get("group_key") or "").split(":", 1)[0] in ("ip", "domain", "url", "hash", "email"):
            keys.add(str(alert["group_key"]))
        return [i for i in self.indicators() if i.key in keys] if keys else []

    def pivot_events(self, column: str, value: str, around: datetime | None, minutes: int) -> list[MatchedEvent]:
        """Events holding ``value`` in the fields behind alert column ``column``, ±``minutes`` around ``around``."""
        span = timedelta(minutes=minutes)
        lo, hi = (around - span, around + span) if around is not None else (None, None)
        return events_of(self.events.around(PIVOT_FIELDS[column], value, lo, hi, PIVOT_LIMIT))

    def alerts_sharing(self, column: str, value: str, exclude: str | None = None) -> list[dict[str, Any]]:
        if column not in PIVOT_FIELDS:
            raise ValueError(f"cannot pivot on {column!r}")
        with self._lock:
            return self.db.alerts_sharing(column, value, exclude, PIVOT_LIMIT)
