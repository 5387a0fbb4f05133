"""What every part of ``StateDB`` shares: the UTC clock of stored times, rows as dicts, the audit insert.

Helpers over an open SQLite connection; never opens or commits one (callers hold the transaction).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any


def utcnow() -> str:
    """Now as stored: ISO UTC with microseconds (``2026-11-24T10:00:00.000000Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def alert_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["rule_tags"] = json.loads(d["rule_tags"] or "[]")
    d["event_ids"] = json.loads(d["event_ids"] or "[]")
    return d


def case_dict(row: Any) -> dict[str, Any]:
    d = dict(row)
    d["systems"] = json.loads(d["systems"] or "[]")
    return d


def audit(con: sqlite3.Connection, actor: str, otype: str, oid: str, action: str, before: Any, after: Any) -> None:
    """One audit row, in the caller's transaction."""
    con.execute(
        "INSERT INTO audit(at, actor, object_type, object_id, action, before, after) VALUES (?,?,?,?,?,?,?)",
        (utcnow(), actor, otype, oid, action, json.dumps(before, ensure_ascii=False),
         json.dumps(after, ensure_ascii=False)),
    )
