"""The peer for Windows agreement: EVTX records in one SQLite table as Zircolite builds it, rules through pySigma's
SQLite backend, compared per rule with our DuckDB backend over the same files ingested by the real engine.

Used by tests/test_sigmahq_windows.py and bench/sigmahq_agreement.py; it never changes a rule or a stored event.
The peer's table has one text column per field any record carries (``winlog.event_data.<Name>`` for every
EventData/UserData field, as Zircolite flattens them), named as our pipeline names fields, so both backends convert
each rule with the same pipeline and differ only in how they store and evaluate.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError

from soc.detect.backend import DuckDBBackend
from soc.detect.pipeline import ecs_pipeline
from soc.ingest.evtx import EVENT_DATA, USER_DATA, all_fields, flatten
from soc.ingest.jsontext import loads

SYSTEM = ("winlog.event_id", "winlog.channel", "winlog.provider_name", "winlog.computer_name", "winlog.record_id")
KEY = ("log.file.path", "winlog.record_id")  # one event: its file and EventRecordID
MISSING_COLUMN = re.compile(r"no such column: (.+)$")


def peer_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every record of the files, flat (System fields and every EventData/UserData field under its name)."""
    import evtx  # the optional evtx package: the tests that use this module need it

    rows = []
    for path in paths:
        for rec in evtx.PyEvtxParser(str(path)).records_json():
            flat = flatten(loads(rec["data"]))
            row = {k: flat.get(k) for k in SYSTEM}
            for key, value in flat.items():  # Zircolite: UserData fields under their own names, as EventData's
                if key.startswith(USER_DATA):
                    row.setdefault(EVENT_DATA + key[len(USER_DATA):], value)
                elif key.startswith(EVENT_DATA):
                    row[key] = value
            extra = json.loads(all_fields(flat))  # the names our map adds (no spaces, Data): Zircolite's too
            for name, value in extra.items():
                row.setdefault(EVENT_DATA + name, value)
            row.update({"event.dataset": "windows.eventlog", "event.original": rec["data"],
                        "log.file.path": str(Path(path).resolve())})
            rows.append(row)
    return rows


def peer_db(rows: list[dict[str, Any]]) -> sqlite3.Connection:
    """The rows as one SQLite table ``logs`` (Zircolite's layout: text columns, case-insensitive, REGEXP). SQLite
    names are case-insensitive: names differing only in case (ProcessId/ProcessID) share the first one's column."""
    spelling: dict[str, str] = {}
    for r in rows:
        for k in r:
            spelling.setdefault(k.lower(), k)
    rows = [{spelling[k.lower()]: v for k, v in r.items() if v is not None} for r in rows]
    cols = sorted(set(spelling.values()))
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None)
    db.execute("CREATE TABLE logs (" + ", ".join(f'"{c}" TEXT COLLATE NOCASE' for c in cols) + ")")
    db.executemany(f"INSERT INTO logs ({', '.join(chr(34) + c + chr(34) for c in cols)}) VALUES "
                   f"({','.join('?' * len(cols))})", [[r.get(c) for c in cols] for r in rows])
    return db


@dataclass
class Outcome:
    """One rule on both sides: the events each matched, or why a side could not run it."""

    title: str
    ours: set[tuple[str, str]] = field(default_factory=set)
    peer: set[tuple[str, str]] = field(default_factory=set)
    added_columns: list[str] = field(default_factory=list)  # columns the peer's table lacked (SQLite errors on them)
    absent: list[str] = field(default_factory=list)  # fields the rule names that no record carries
    error: str = ""

    @property
    def agree(self) -> bool:
        return not self.error and self.ours == self.peer


def _peer_run(db: sqlite3.Connection, queries: list[str]) -> tuple[set[tuple[str, str]], list[str]]:
    """Events the peer's queries match. A query naming a column no record has fails in SQLite ("no such column"):
    Sigma reads an absent field as absent (NULL), so the column is added empty and the query run again."""
    added: list[str] = []
    out: set[tuple[str, str]] = set()
    for q in queries:
        while True:
            try:
                sql = f'SELECT "{KEY[0]}", "{KEY[1]}" FROM ({q.rstrip(";")})'
                out |= {(str(a), str(b)) for a, b in db.execute(sql).fetchall()}
                break
            except sqlite3.OperationalError as exc:
                m = MISSING_COLUMN.search(str(exc))
                if not m or m.group(1) in added:
                    raise
                added.append(m.group(1))
                db.execute(f'ALTER TABLE logs ADD COLUMN "{m.group(1)}" TEXT COLLATE NOCASE')
    return out, added


def _columns(db: sqlite3.Connection) -> list[str]:
    return [row[1] for row in db.execute("PRAGMA table_info(logs)").fetchall()]


def _materialized(store: Any, need: set[str]) -> tuple[Any, set[str]]:
    """The store's events read once into memory as view ``events`` (a rule then costs its own query, not a read of
    every Parquet file), and its column names."""
    con = store.open_events(need=need, name="stored")
    con.execute("CREATE TEMP TABLE soc_mem AS SELECT * FROM stored")
    con.execute("CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM soc_mem")
    return con, {d[0] for d in con.execute("SELECT * FROM events LIMIT 0").description}


def compare(store: Any, db: sqlite3.Connection, rule_texts: Iterable[tuple[str, str]]) -> list[Outcome]:
    """Per rule (name, YAML text): the events our backend finds in ``store`` (an embedded ``EventStore``, through
    its view ``events``) and those the peer finds in ``db``."""
    outcomes: list[Outcome] = []
    need: set[str] = set()
    con, have = _materialized(store, need)
    carried = {c.lower() for c in _columns(db)}  # the fields some record has, before any column was added
    for name, text in rule_texts:
        try:
            coll = SigmaCollection.from_yaml(text)
        except (SigmaError, ValueError) as exc:
            outcomes.append(Outcome(name, error=f"invalid: {exc}"))
            continue
        for rule in coll.rules:
            if isinstance(rule, SigmaCorrelationRule) or rule.errors:
                continue
            out = Outcome(f"{name}: {rule.title}")
            outcomes.append(out)
            ours = DuckDBBackend(ecs_pipeline())
            try:
                queries = ours.convert_rule(rule)
                peer_queries = sqliteBackend(ecs_pipeline(), fulltext_field="event.original").convert_rule(rule)
            except (SigmaError, NotImplementedError, ValueError, TypeError, KeyError) as exc:
                out.error = f"conversion: {str(exc).splitlines()[0]}"
                continue
            try:
                out.peer, out.added_columns = _peer_run(db, [str(q) for q in peer_queries])
            except sqlite3.Error as exc:
                out.error = f"peer: {exc}"
                continue
            if not ours.used_fields <= have:  # the view gets every field rules name (NULL where none has it)
                need |= ours.used_fields
                con.close()
                con, have = _materialized(store, need)
            out.absent = sorted(f for f in (ours.used_fields - {"winlog.event_data"}) | ours.map_keys
                                if f.lower() not in carried and f.startswith("winlog."))
            for q in queries:
                out.ours |= {(str(a), str(b)) for a, b in con.execute(
                    f'SELECT "{KEY[0]}", "{KEY[1]}" FROM ({q})').fetchall()}
    return outcomes
