"""What the TUI reads and writes: alerts from the state database, matched events from the event store.

Called from worker threads only, never the UI thread; never changes an alert without the version the
analyst saw.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from soc.config import Config
from soc.store.duck import literal
from soc.store.embedded import EventStore
from soc.store.state import LEVELS, STATUSES, StateDB
from soc.timefmt import local_time

OPEN_STATUSES = ("new", "acknowledged", "in_progress", "escalated")
LEVEL_FILTERS = ("all", "low", "medium", "high", "critical")  # minimum level shown
STATUS_FILTERS = ("open", *STATUSES, "all")
QUEUE_LIMIT = 2000
EVENT_LIMIT = 50
EVENT_ID_LIMIT = 5000  # ids sent to DuckDB per alert; the detail pane shows the first EVENT_LIMIT by time


@dataclass(frozen=True)
class QueueFilter:
    """Which alerts the queue shows: a minimum level and a status (or the 'open' group)."""

    level: str = "all"
    status: str = "open"

    def levels(self) -> list[str] | None:
        return None if self.level == "all" else list(LEVELS[LEVELS.index(self.level) :])

    def statuses(self) -> list[str] | None:
        if self.status == "all":
            return None
        return list(OPEN_STATUSES) if self.status == "open" else [self.status]


@dataclass
class QueueSnapshot:
    """Alerts matching a filter (newest first) and the count of all alerts by status."""

    alerts: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)
    limit: int = QUEUE_LIMIT


@dataclass(frozen=True)
class MatchedEvent:
    timestamp: datetime | None
    dataset: str | None
    original: str | None


class AlertSource:
    """One state-database connection shared by worker threads (serialised by a lock), opened on first use."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.events = EventStore(cfg.data_dir)
        self._db: StateDB | None = None
        self._lock = threading.Lock()

    @property
    def db(self) -> StateDB:
        if self._db is None:
            self._db = StateDB(self.cfg.data_dir / "state.db")
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def snapshot(self, flt: QueueFilter, limit: int = QUEUE_LIMIT) -> QueueSnapshot:
        with self._lock:
            alerts = self.db.alerts(status=flt.statuses(), level=flt.levels(), limit=limit)
            rows = self.db.con.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall()
        return QueueSnapshot(alerts, {r[0]: r[1] for r in rows}, limit)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self.db.alert(alert_id)

    def set_status(self, alert: dict[str, Any], status: str, resolution: str | None) -> dict[str, Any]:
        """Compare-and-set on the version the analyst saw; raises ``ConflictError`` when it is stale."""
        with self._lock:
            return self.db.update_alert(
                alert["id"],
                actor=self.cfg.analyst_name,
                expected_version=alert["version"],
                status=status,
                resolution=resolution,
            )

    def last_actor(self, alert_id: str) -> str | None:
        """Who made the latest audited change to the alert."""
        with self._lock:
            trail = self.db.audit_trail(alert_id)
        return trail[-1]["actor"] if trail else None

    def matched_events(self, alert: dict[str, Any], limit: int = EVENT_LIMIT) -> list[MatchedEvent]:
        """The alert's events (oldest first, at most ``limit``) from the event store."""
        ids = list(alert.get("event_ids") or [])[:EVENT_ID_LIMIT]
        if not ids:
            return []
        con = self.events.open_events()
        try:
            rows = con.execute(
                'SELECT "@timestamp", "event.dataset", "event.original" FROM events '
                f'WHERE "event.id" IN ({", ".join(literal(str(i)) for i in ids)}) '
                f'ORDER BY "@timestamp" LIMIT {int(limit)}'
            ).fetchall()
        finally:
            con.close()
        return [MatchedEvent(*row) for row in rows]


def local(value: datetime | str | None, zone: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored UTC time (ISO string or naive datetime) shown in ``zone``; empty for no value."""
    if isinstance(value, str) or value is None:
        return local_time(value, zone, fmt)
    dt = value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(zone)).strftime(fmt)
