"""Mutable state in SQLite (WAL, busy timeout): alerts, file checkpoints, scan watermarks, audit trail; cases,
notes and suppressions (``state_cases``), the alert queue and the figures of the dashboard and reports
(``state_queue``).

Several processes share it (TUI, cron ingest and scan). Every alert edit is a compare-and-set on ``version`` so two
analysts never overwrite each other silently. Knows no alert model: what a status means is ``soc.triage``'s.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from soc.store.alert_queue import list_sql
from soc.store.state_api import StateStore
from soc.store.state_cases import CaseState
from soc.store.state_indicators import IndicatorState
from soc.store.state_queue import QueueState
from soc.store.state_rows import alert_dict, audit, utcnow
from soc.store.state_schema import SCHEMA, migrate
from soc.store.types import AlertQuery, Checkpoint, ConflictError, iter_chunks

__all__ = ["Checkpoint", "ConflictError", "StateDB", "utcnow"]

ALERT_CHANGES = ("status", "resolution", "assignee")  # the columns an analyst's edit may set


class StateDB(CaseState, QueueState, IndicatorState, StateStore):
    """The SQLite state database ``<data_dir>/state.db``."""

    kind = "embedded"

    def __init__(self, path: Path, timeout: float = 30.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.executescript(SCHEMA)
        migrate(self.con)
        self._vocabulary = None

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

    def cache_alerts(self) -> None:
        # the queue scans the alerts table: keep it in this connection's cache (reads only, per connection)
        self.con.execute("PRAGMA cache_size=-131072")
        self.con.execute("PRAGMA mmap_size=536870912")

    def data_version(self) -> int:
        return int(self.con.execute("PRAGMA data_version").fetchone()[0])

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
                    audit(con, "scan", "alert", alert["id"], "create", None, {"status": alert["status"]})
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
        return alert_dict(row) if row else None

    def alert_event_count(self, alert_id: str) -> int | None:
        row = self.con.execute("SELECT event_count FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return None if row is None else row[0]

    def alert_to_widen(self, rule_id: str, group_key: str, first: str, last: str) -> str | None:
        row = self.con.execute(
            "SELECT id FROM alerts WHERE rule_id = ? AND group_key = ? AND first_time <= ? AND last_time >= ? "
            "ORDER BY first_time LIMIT 1",
            (rule_id, group_key, last, first),
        ).fetchone()
        return None if row is None else row[0]

    def alert_levels(self, alert_ids: Sequence[str]) -> list[str]:
        levels: list[str] = []
        for chunk in iter_chunks(list(alert_ids)):
            levels += [r[0] for r in self.con.execute(
                f"SELECT rule_level FROM alerts WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()]
        return levels

    def alerts(self, query: AlertQuery | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Whole alerts matching ``query`` (default: all, newest first) in its order, ties by id."""
        sql, args = list_sql(query or AlertQuery(), self.vocabulary, limit)
        return [alert_dict(r) for r in self.con.execute(sql, args).fetchall()]

    def alert_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM alerts").fetchone()[0]

    def status_counts(self) -> dict[str, int]:
        """Number of alerts by status."""
        return dict(self.con.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall())

    def alert_versions(self, updated_since: str) -> dict[str, tuple[int, str]]:
        rows = self.con.execute("SELECT id, version, updated FROM alerts WHERE updated >= ?", (updated_since,)).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def update_alert(self, alert_id: str, actor: str, expected_version: int | None = None, **changes: Any) -> dict:
        """Change status / resolution / assignee of an alert, audited; raise ConflictError on a stale version."""
        bad = set(changes) - set(ALERT_CHANGES)
        if bad:
            raise ValueError(f"cannot change {', '.join(sorted(bad))} on an alert")
        with self.tx() as con:
            row = con.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise KeyError(f"no alert {alert_id}")
            current = alert_dict(row)
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
            audit(con, actor, "alert", alert_id, "update", before, changes)
            row = con.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return alert_dict(row)

    # -- audit ---------------------------------------------------------------------------------------------
    def record(self, actor: str, object_type: str, object_id: str, action: str, before: Any, after: Any) -> None:
        with self.tx() as con:
            audit(con, actor, object_type, str(object_id), action, before, after)

    def audit_trail(self, object_id: str | None = None, object_type: str | None = None,
                    object_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        where, args = [], []
        if object_id:
            where.append("object_id = ?")
            args.append(object_id)
        if object_type:
            where.append("object_type = ?")
            args.append(object_type)
        if object_ids is None:
            return self._audit_rows(where, args)
        rows: list[dict[str, Any]] = []
        for chunk in iter_chunks(list(object_ids)):
            rows += self._audit_rows([*where, f"object_id IN ({','.join('?' * len(chunk))})"], [*args, *chunk])
        return sorted(rows, key=lambda r: r["id"])

    def _audit_rows(self, where: list[str], args: list[Any]) -> list[dict[str, Any]]:
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.con.execute(sql + " ORDER BY id", args).fetchall()
        return [
            {**dict(r), "before": json.loads(r["before"] or "null"), "after": json.loads(r["after"] or "null")}
            for r in rows
        ]
