"""Mutable state in SQLite (WAL, busy timeout): alerts, file checkpoints, scan watermarks, audit trail.

Several processes share it (TUI, cron ingest and scan). Every alert edit is a compare-and-set on ``version`` so two
analysts never overwrite each other silently.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    rule_title TEXT NOT NULL,
    rule_level TEXT NOT NULL,
    rule_tags TEXT NOT NULL DEFAULT '[]',
    rule_description TEXT NOT NULL DEFAULT '',
    first_time TEXT,
    last_time TEXT,
    event_ids TEXT NOT NULL DEFAULT '[]',
    event_count INTEGER NOT NULL DEFAULT 0,
    group_key TEXT NOT NULL DEFAULT '',
    host TEXT,
    system TEXT,
    source_ip TEXT,
    user_name TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    resolution TEXT,
    assignee TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created);
CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status);
CREATE INDEX IF NOT EXISTS alerts_level ON alerts(rule_level);
CREATE TABLE IF NOT EXISTS checkpoints (
    path TEXT PRIMARY KEY,
    inode INTEGER,
    fingerprint TEXT,
    offset INTEGER NOT NULL DEFAULT 0,
    line_no INTEGER NOT NULL DEFAULT 0,
    parser TEXT,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS watermarks (
    rule_id TEXT PRIMARY KEY,
    ingested TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS alerts_updated ON alerts(updated);
CREATE INDEX IF NOT EXISTS audit_object ON audit(object_id);
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT 'medium',
    status TEXT NOT NULL DEFAULT 'open',
    systems TEXT NOT NULL DEFAULT '[]',
    assignee TEXT,
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS case_alerts (
    case_id INTEGER NOT NULL,
    alert_id TEXT NOT NULL,
    added TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (case_id, alert_id)
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_object ON notes(object_type, object_id);
CREATE TABLE IF NOT EXISTS suppressions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT,
    removed TEXT
);
"""

STATUSES = ("new", "acknowledged", "in_progress", "escalated", "resolved", "suppressed")
RESOLUTIONS = ("true_positive", "false_positive", "benign")
LEVELS = ("informational", "low", "medium", "high", "critical")


class ConflictError(Exception):
    """Someone else changed the alert first; ``current`` holds the state they left."""

    def __init__(self, message: str, current: dict[str, Any] | None):
        super().__init__(message)
        self.current = current


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Checkpoint:
    path: str
    inode: int | None
    fingerprint: str | None
    offset: int
    line_no: int


class StateDB:
    """The SQLite state database ``<data_dir>/state.db``."""

    def __init__(self, path: Path, timeout: float = 30.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Columns added after a state.db was created (additive only, so older databases keep working)."""
        have = {r[1] for r in self.con.execute("PRAGMA table_info(alerts)").fetchall()}
        for column in ("rule_title_vi", "rule_description_vi"):
            if column not in have:
                self.con.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        # the TUI queue: newest first a page at a time (soc.tui.queue_sql.TIME_SQL), filters by rule/system/assignee
        indexes = {
            "alerts_time": ("last_time", "coalesce(last_time, created), id"),
            "alerts_rule": ("rule_id", "rule_id"),
            "alerts_title": ("rule_title", "rule_title"),
            "alerts_system": ("system", "system"),
            "alerts_assignee": ("assignee", "assignee"),
        }
        for name, (column, expression) in indexes.items():
            if column in have:
                self.con.execute(f"CREATE INDEX IF NOT EXISTS {name} ON alerts({expression})")

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken up front (BEGIN IMMEDIATE), so it waits instead of failing mid-way."""
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- checkpoints ---------------------------------------------------------------------------------------
    def checkpoint(self, path: str) -> Checkpoint | None:
        row = self.con.execute("SELECT * FROM checkpoints WHERE path = ?", (path,)).fetchone()
        if row is None:
            return None
        return Checkpoint(row["path"], row["inode"], row["fingerprint"], row["offset"], row["line_no"])

    def save_checkpoint(self, cp: Checkpoint, parser: str | None) -> None:
        self.con.execute(
            "INSERT INTO checkpoints(path, inode, fingerprint, offset, line_no, parser, updated) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(path) DO UPDATE SET inode=excluded.inode, "
            "fingerprint=excluded.fingerprint, offset=excluded.offset, line_no=excluded.line_no, "
            "parser=excluded.parser, updated=excluded.updated",
            (cp.path, cp.inode, cp.fingerprint, cp.offset, cp.line_no, parser, utcnow()),
        )

    # -- watermarks ----------------------------------------------------------------------------------------
    def watermark(self, rule_id: str) -> str | None:
        row = self.con.execute("SELECT ingested FROM watermarks WHERE rule_id = ?", (rule_id,)).fetchone()
        return row["ingested"] if row else None

    def set_watermark(self, rule_id: str, ingested: str) -> None:
        self.con.execute(
            "INSERT INTO watermarks(rule_id, ingested, updated) VALUES (?,?,?) "
            "ON CONFLICT(rule_id) DO UPDATE SET ingested=excluded.ingested, updated=excluded.updated",
            (rule_id, ingested, utcnow()),
        )

    def reset_watermarks(self) -> None:
        self.con.execute("DELETE FROM watermarks")

    # -- alerts --------------------------------------------------------------------------------------------
    def upsert_alert(self, alert: dict[str, Any]) -> bool:
        """Insert a new alert, or widen the stored one with the same id (new events, later last time).

        Returns True when the alert is new. Status, assignee and resolution of a stored alert are kept.
        """
        now = utcnow()
        with self.tx() as con:
            row = con.execute("SELECT event_ids, first_time, last_time FROM alerts WHERE id = ?", (alert["id"],)).fetchone()
            if row is None:
                con.execute(
                    "INSERT INTO alerts(id, rule_id, rule_title, rule_level, rule_tags, rule_description, first_time,"
                    " last_time, event_ids, event_count, group_key, host, system, source_ip, user_name, status,"
                    " created, updated, rule_title_vi, rule_description_vi)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        alert["id"], alert["rule_id"], alert["rule_title"], alert["rule_level"],
                        json.dumps(alert.get("rule_tags", []), ensure_ascii=False),
                        alert.get("rule_description", ""), alert.get("first_time"), alert.get("last_time"),
                        json.dumps(sorted(alert.get("event_ids", []))), len(alert.get("event_ids", [])),
                        alert.get("group_key", ""), alert.get("host"), alert.get("system"),
                        alert.get("source_ip"), alert.get("user_name"), alert.get("status", "new"), now, now,
                        alert.get("rule_title_vi", ""), alert.get("rule_description_vi", ""),
                    ),
                )
                if alert.get("status", "new") != "new":
                    self._audit(con, "scan", "alert", alert["id"], "create", None, {"status": alert["status"]})
                return True
            ids = set(json.loads(row["event_ids"])) | set(alert.get("event_ids", []))
            if len(ids) == len(json.loads(row["event_ids"])):
                return False
            first = min(filter(None, [row["first_time"], alert.get("first_time")]), default=None)
            last = max(filter(None, [row["last_time"], alert.get("last_time")]), default=None)
            con.execute(
                "UPDATE alerts SET event_ids=?, event_count=?, first_time=?, last_time=?, updated=?, "
                "version=version+1 WHERE id=?",
                (json.dumps(sorted(ids)), len(ids), first, last, now, alert["id"]),
            )
            return False

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        row = self.con.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return _alert_dict(row) if row else None

    def alerts(
        self,
        status: Iterable[str] | str | None = None,
        level: Iterable[str] | str | None = None,
        limit: int | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """Alerts newest first, filtered by status / level (one value or several) and creation window."""
        where, args = [], []
        for col, val in (("status", status), ("rule_level", level)):
            if val:
                vals = [val] if isinstance(val, str) else list(val)
                where.append(f"{col} IN ({','.join('?' * len(vals))})")
                args.extend(vals)
        if since:
            where.append("coalesce(last_time, created) >= ?")
            args.append(since)
        if until:
            where.append("coalesce(first_time, created) < ?")
            args.append(until)
        sql = "SELECT * FROM alerts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY coalesce(last_time, created) DESC, id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_alert_dict(r) for r in self.con.execute(sql, args).fetchall()]

    def alert_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM alerts").fetchone()[0]

    def status_counts(self) -> dict[str, int]:
        """Number of alerts by status."""
        return dict(self.con.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall())

    def update_alert(self, alert_id: str, actor: str, expected_version: int | None = None, **changes: Any) -> dict:
        """Change status / resolution / assignee of an alert, audited; raise ConflictError on a stale version."""
        allowed = {"status", "resolution", "assignee"}
        bad = set(changes) - allowed
        if bad:
            raise ValueError(f"cannot change {', '.join(sorted(bad))} on an alert")
        if "status" in changes and changes["status"] not in STATUSES:
            raise ValueError(f"unknown status {changes['status']!r}; expected one of {', '.join(STATUSES)}")
        if changes.get("resolution") not in (None, *RESOLUTIONS):
            raise ValueError(f"unknown resolution {changes['resolution']!r}")
        with self.tx() as con:
            row = con.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise KeyError(f"no alert {alert_id}")
            current = _alert_dict(row)
            if expected_version is not None and current["version"] != expected_version:
                raise ConflictError(
                    f"alert {alert_id} was changed by someone else (now {current['status']}, "
                    f"version {current['version']})",
                    current,
                )
            sets = ", ".join(f"{k} = ?" for k in changes)
            con.execute(
                f"UPDATE alerts SET {sets}, updated = ?, version = version + 1 WHERE id = ?",
                (*changes.values(), utcnow(), alert_id),
            )
            before = {k: current[k] for k in changes}
            self._audit(con, actor, "alert", alert_id, "update", before, changes)
            row = con.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return _alert_dict(row)

    def audit_trail(self, object_id: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM audit", ()
        if object_id:
            sql, args = sql + " WHERE object_id = ?", (object_id,)
        rows = self.con.execute(sql + " ORDER BY id", args).fetchall()
        return [
            {**dict(r), "before": json.loads(r["before"] or "null"), "after": json.loads(r["after"] or "null")}
            for r in rows
        ]

    @staticmethod
    def _audit(con: sqlite3.Connection, actor: str, otype: str, oid: str, action: str, before, after) -> None:
        con.execute(
            "INSERT INTO audit(at, actor, object_type, object_id, action, before, after) VALUES (?,?,?,?,?,?,?)",
            (utcnow(), actor, otype, oid, action, json.dumps(before, ensure_ascii=False),
             json.dumps(after, ensure_ascii=False)),
        )

    def alert_event_count(self, alert_id: str) -> int | None:
        row = self.con.execute("SELECT event_count FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return row[0] if row else None

    def alert_to_widen(self, rule_id: str, group_key: str, first: str, last: str) -> str | None:
        row = self.con.execute(
            "SELECT id FROM alerts WHERE rule_id = ? AND group_key = ? AND first_time <= ? AND last_time >= ? "
            "ORDER BY first_time LIMIT 1", (rule_id, group_key, last, first)).fetchone()
        return row[0] if row else None


def _alert_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["rule_tags"] = json.loads(d["rule_tags"] or "[]")
    d["event_ids"] = json.loads(d["event_ids"] or "[]")
    return d
