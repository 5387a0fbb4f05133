"""The tables and indexes of the SQLite state database, and the additive migration of an older ``state.db``.

Only ever adds (tables, columns, indexes): a database written by an older version keeps working; never drops.
"""

from __future__ import annotations

import sqlite3

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
CREATE TABLE IF NOT EXISTS indicators (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    warning TEXT NOT NULL DEFAULT '',
    original TEXT,
    source TEXT,
    tlp TEXT,
    valid_from TEXT,
    valid_until TEXT,
    label TEXT,
    subtype TEXT,
    imported TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (kind, value, warning)
);
CREATE INDEX IF NOT EXISTS indicators_warning ON indicators(warning);
"""


def migrate(con: sqlite3.Connection) -> None:
    """Columns added after a state.db was created (additive only, so older databases keep working)."""
    have = {r[1] for r in con.execute("PRAGMA table_info(alerts)").fetchall()}
    for column in ("rule_title_vi", "rule_description_vi"):
        if column not in have:
            con.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    # the TUI queue: newest first a page at a time (soc.store.alert_queue.TIME_SQL), filters by rule/system/assignee
    indexes = {
        "alerts_time": ("last_time", "coalesce(last_time, created), id"),
        "alerts_rule": ("rule_id", "rule_id"),
        "alerts_title": ("rule_title", "rule_title"),
        "alerts_system": ("system", "system"),
        "alerts_assignee": ("assignee", "assignee"),
    }
    for name, (column, expression) in indexes.items():
        if column in have:
            con.execute(f"CREATE INDEX IF NOT EXISTS {name} ON alerts({expression})")
