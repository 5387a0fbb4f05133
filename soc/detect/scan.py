"""Incremental detection scans: run every rule over the events ingested since its watermark, upsert alerts.

Safe from cron: one scan at a time (``<data_dir>/scan.lock``), deterministic alert ids (a re-scan adds nothing),
a broken rule is reported and skipped. Never changes stored events, and never changes an alert's triage fields.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from soc.config import Config
from soc.detect.grouping import GroupingError, bursts, grouping_of
from soc.detect.rules import CompiledRule, compile_rules
from soc.store.duck import ident, literal
from soc.store.embedded import EventStore
from soc.store.state import StateDB
from soc.triage import suppressions

ALL_EVENTS = "soc_all_events"  # every stored event; each rule reads the view "events" scoped over it
ISO = "%Y-%m-%dT%H:%M:%S.%fZ"
# Columns copied from matched events into the alert.
ALERT_COLUMNS = {
    "host": 'coalesce("host.hostname", "host.name", "url.domain")',
    "system": '"soc.system"',
    "source_ip": '"source.ip"',
    "user_name": '"user.name"',
}
ALERT_FIELDS = {"host.hostname", "host.name", "url.domain", "soc.system", "source.ip", "user.name"}


class ScanLocked(Exception):
    """Another scan holds ``<data_dir>/scan.lock``."""


@dataclass
class ScanSummary:
    rules: int = 0
    new_alerts: int = 0
    updated_alerts: int = 0
    errors: list[str] = field(default_factory=list)
    events: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        text = (
            f"{self.rules} rules over {self.events} events: {self.new_alerts} new alerts, "
            f"{self.updated_alerts} updated, {len(self.errors)} errors ({self.seconds:.1f}s)"
        )
        return text


@contextmanager
def scan_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``scan.lock`` or raise :class:`ScanLocked` at once (never wait: cron would pile up)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    path = Path(data_dir) / "scan.lock"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise ScanLocked(f"another scan is running (pid {holder} holds {path}); try again when it ends") from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)


def alert_id(*parts: str) -> str:
    """Deterministic alert id from the rule id and what identifies the finding."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _ts(value: datetime | None) -> str | None:
    return value.strftime(ISO) if value else None


def _ts_sql(iso: str) -> str:
    return f"TIMESTAMP {literal(iso.rstrip('Z').replace('T', ' '))}"


def _new_events_filter(watermark: str | None, since: datetime | None, full: bool, overlap: int) -> str | None:
    """SQL filter of the events a rule has not seen yet (None: all events)."""
    if full:
        return None
    if since is not None:
        return f'"@timestamp" >= {_ts_sql(since.strftime(ISO))}'
    if watermark is None:
        return None
    return f'"event.ingested" > {_ts_sql(watermark)} - INTERVAL {int(overlap)} MINUTE'


def _scope(rule: CompiledRule, new: str | None) -> str:
    """The view of events a rule reads: its new events, plus for a correlation the events up to one timespan
    before the earliest new one, so windows spanning two scans are found."""
    if new is None:
        return f"SELECT * FROM {ALL_EVENTS}"
    if not rule.is_correlation:
        return f"SELECT * FROM {ALL_EVENTS} WHERE {new}"
    start = f'(SELECT min("@timestamp") FROM {ALL_EVENTS} WHERE {new})'
    return f'SELECT * FROM {ALL_EVENTS} WHERE "@timestamp" >= {start} - INTERVAL {rule.timespan_seconds} SECOND'


def _base_alert(rule: CompiledRule) -> dict[str, Any]:
    return {
        "rule_id": rule.id,
        "rule_title": rule.rule.title,
        "rule_level": rule.level,
        "rule_tags": rule.tags,
        "rule_description": rule.rule.description or "",
        "rule_title_vi": str(rule.rule.custom_attributes.get("title_vi") or ""),
        "rule_description_vi": str(rule.rule.custom_attributes.get("description_vi") or ""),
        "status": "new",
    }


def _summary_value(values: list[Any]) -> str | None:
    distinct = sorted({str(v) for v in values if v not in (None, "")})
    if len(distinct) <= 3:
        return ", ".join(distinct) or None
    return ", ".join(distinct[:3]) + f" (+{len(distinct) - 3})"


def _detection_alerts(con: duckdb.DuckDBPyConnection, rule: CompiledRule, state: StateDB) -> list[dict[str, Any]]:
    cols = ", ".join(f"{expr} AS {name}" for name, expr in ALERT_COLUMNS.items())
    union = " UNION ".join(f'SELECT "event.id" AS eid, "@timestamp" AS ts, {cols} FROM ({q})' for q in rule.queries)
    cur = con.execute(union + " ORDER BY ts, eid")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    grouping = grouping_of(rule.attribute)
    if grouping is not None:
        return _grouped_alerts(rule, rows, *grouping, state)
    return [
        {
            **_base_alert(rule),
            "id": alert_id(rule.id, row["eid"]),
            "first_time": _ts(row["ts"]),
            "last_time": _ts(row["ts"]),
            "event_ids": [row["eid"]],
            "group_key": "",
            **{name: row[name] for name in ALERT_COLUMNS},
        }
        for row in rows
    ]


def _grouped_alerts(rule: CompiledRule, rows: list[dict[str, Any]], column: str, window: timedelta,
                    state: StateDB) -> list[dict[str, Any]]:
    """One alert per value of ``column`` and burst (soc.detect.grouping); a burst continuing a stored alert of the
    same value (within ``window`` of it) widens that alert."""
    out = []
    for burst in bursts(rows, column, window):
        key = str(burst[0][column] or "")
        first, last = burst[0]["ts"], burst[-1]["ts"]
        existing = state.con.execute(
            "SELECT id FROM alerts WHERE rule_id = ? AND group_key = ? AND first_time <= ? AND last_time >= ? "
            "ORDER BY first_time LIMIT 1",
            (rule.id, key, _ts(last + window), _ts(first - window)),
        ).fetchone()
        out.append({
            **_base_alert(rule),
            "id": existing[0] if existing else alert_id(rule.id, key, burst[0]["eid"]),
            "first_time": _ts(first),
            "last_time": _ts(last),
            "event_ids": [r["eid"] for r in burst],
            "group_key": key,
            **{name: _summary_value([r[name] for r in burst]) for name in ALERT_COLUMNS},
        })
    return out


def _correlation_alerts(con: duckdb.DuckDBPyConnection, rule: CompiledRule, state: StateDB) -> list[dict[str, Any]]:
    out = []
    for query in rule.queries:
        for group_key, first, last, event_ids, first_eid in con.execute(query).fetchall():
            details = con.execute(
                f"SELECT {', '.join(ALERT_COLUMNS.values())} FROM {ALL_EVENTS} "
                f'WHERE "event.id" IN (SELECT unnest($ids))',
                {"ids": event_ids},
            ).fetchall()
            columns = list(zip(*details, strict=True)) if details else [[] for _ in ALERT_COLUMNS]
            # A burst that continues one already alerted (overlapping in time) widens that alert.
            existing = state.con.execute(
                "SELECT id FROM alerts WHERE rule_id = ? AND group_key = ? AND first_time <= ? AND last_time >= ? "
                "ORDER BY first_time LIMIT 1",
                (rule.id, group_key, _ts(last), _ts(first)),
            ).fetchone()
            out.append(
                {
                    **_base_alert(rule),
                    "id": existing[0] if existing else alert_id(rule.id, group_key, first_eid),
                    "first_time": _ts(first),
                    "last_time": _ts(last),
                    "event_ids": list(event_ids),
                    "group_key": group_key,
                    **{name: _summary_value(list(col)) for name, col in zip(ALERT_COLUMNS, columns, strict=True)},
                }
            )
    return out


def _store(state: StateDB, alerts: list[dict[str, Any]], summary: ScanSummary) -> None:
    for alert in alerts:
        before = state.con.execute("SELECT event_count FROM alerts WHERE id = ?", (alert["id"],)).fetchone()
        if before is not None and len(alert["event_ids"]) == 1:
            continue  # a one-event alert already stored cannot change
        if before is None:
            suppressions.apply(state, alert)  # an active suppression stores it as 'suppressed'
        if state.upsert_alert(alert):
            summary.new_alerts += 1
        elif before is not None:
            after = state.con.execute("SELECT event_count FROM alerts WHERE id = ?", (alert["id"],)).fetchone()
            summary.updated_alerts += int(after[0] > before[0])


def run_scan(cfg: Config, rules_dir: Path | None = None, since: datetime | None = None, full: bool = False) -> ScanSummary:
    """Scan stored events with every rule of ``rules_dir`` (default: the shipped rules plus ``<data_dir>/rules``).

    ``since`` rescans events whose @timestamp is at or after it; ``full`` ignores watermarks. Raises
    :class:`ScanLocked` when another scan runs.
    """
    started = time.monotonic()
    data_dir = Path(cfg.data_dir)
    with scan_lock(data_dir):
        ruleset = compile_rules(rules_dir, extra_dirs=() if rules_dir else (data_dir / "rules",))  # + imported
        summary = ScanSummary(rules=len(ruleset.rules), errors=list(ruleset.errors))
        state = StateDB(data_dir / "state.db")
        try:
            con = EventStore(data_dir).open_events(need=ruleset.fields | ALERT_FIELDS, name=ALL_EVENTS)
            summary.events, snapshot = con.execute(f'SELECT count(*), max("event.ingested") FROM {ALL_EVENTS}').fetchone()
            for rule in ruleset.rules:
                watermark = state.watermark(rule.id)
                new = _new_events_filter(watermark, since, full, cfg.scan_overlap_minutes)
                try:
                    con.execute(f"CREATE OR REPLACE TEMP VIEW {ident('events')} AS {_scope(rule, new)}")
                    if rule.is_correlation:
                        alerts = _correlation_alerts(con, rule, state)
                    else:
                        alerts = _detection_alerts(con, rule, state)
                except (duckdb.Error, GroupingError) as exc:
                    summary.errors.append(f"{rule.path}: rule '{rule.rule.title}' failed: {exc}".splitlines()[0])
                    continue
                _store(state, alerts, summary)
                if snapshot is not None and (watermark is None or _ts(snapshot) > watermark):
                    state.set_watermark(rule.id, _ts(snapshot))
        finally:
            state.close()
    summary.seconds = time.monotonic() - started
    return summary


def reset(cfg: Config) -> None:
    """Forget every watermark (the next scan reads all events again; alerts are not duplicated)."""
    state = StateDB(Path(cfg.data_dir) / "state.db")
    try:
        state.reset_watermarks()
    finally:
        state.close()

