"""Incremental detection scans: run every rule over the events ingested since its watermark, hand the alerts to
a sink (``soc.triage.intake`` stores them) and move the watermark.

Safe from cron: one scan at a time (``<data_dir>/scan.lock``), deterministic alert ids (a re-scan adds nothing),
a broken rule is reported and skipped. Rules run through the store contract (``EventStore.detection``); this module
never changes stored events, never writes alerts itself, and never changes an alert's triage fields.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from soc.config import Config
from soc.detect.cluster_backend import LANGUAGE as CLUSTER_LANGUAGE
from soc.detect.grouping import CAP_KEY, CAP_WINDOW, GroupingError, bursts, cap_of, capped_bursts, grouping_of
from soc.detect.rule_cache import compile_rules_cached
from soc.detect.rules import CompiledRule
from soc.store.contract import DetectionRun, ScanWindow, StateStore, Store
from soc.store.events_api import QueryFailed
from soc.store.registry import CLUSTER_KINDS, open_store, store_kind

ISO = "%Y-%m-%dT%H:%M:%S.%fZ"
# Columns copied from matched events into the alert: each the first of its fields that an event has.
ALERT_COLUMNS: dict[str, tuple[str, ...]] = {
    "host": ("host.hostname", "host.name", "url.domain"),
    "system": ("soc.system",),
    "source_ip": ("source.ip",),
    "user_name": ("user.name",),
}
ALERT_FIELDS = {f for fields in ALERT_COLUMNS.values() for f in fields}
# Where a scan's alerts go (soc.triage.intake.store_alerts): (state, one rule's alerts) -> (new, updated)
AlertSink = Callable[[StateStore, list[dict[str, Any]]], tuple[int, int]]


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
    files_read: int = 0  # event files the scan opened (an incremental scan: only those that can hold new events)

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


def window_of(rule: CompiledRule, watermark: str | None, since: datetime | None, full: bool, overlap: int
              ) -> ScanWindow:
    """The events a rule reads in this scan: every event (``full``, or no watermark yet), those since a time, or
    those ingested after its watermark less ``overlap`` minutes; a correlation also reaches one timespan back."""
    lookback = rule.timespan_seconds if rule.is_correlation else 0
    if full:
        return ScanWindow(lookback_seconds=lookback)
    if since is not None:
        return ScanWindow(timestamp_from=since, lookback_seconds=lookback)
    if watermark is None:
        return ScanWindow(lookback_seconds=lookback)
    after = datetime.fromisoformat(watermark.rstrip("Z")) - timedelta(minutes=int(overlap))
    return ScanWindow(ingested_after=after, lookback_seconds=lookback)


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


def _detection_alerts(rule: CompiledRule, rows: list[dict[str, Any]], state: StateStore) -> list[dict[str, Any]]:
    """The alerts of a detection rule's matched rows: one per event, or grouped (``soc.detect.grouping``)."""
    grouping = grouping_of(rule.attribute)
    if grouping is not None:
        return _grouped_alerts(rule, rows, *grouping, state)
    if len(rows) > cap_of(rule.attribute):  # too many for one alert each: grouped, no event dropped
        return _grouped_alerts(rule, rows, CAP_KEY, CAP_WINDOW, state, capped_bursts(rows, cap_of(rule.attribute)))
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
                    state: StateStore, groups: list[list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """One alert per value of ``column`` and burst (soc.detect.grouping; or per one of ``groups``); a burst
    continuing a stored alert of the same value (within ``window`` of it) widens that alert."""
    out = []
    for burst in groups if groups is not None else bursts(rows, column, window):
        key = str(burst[0][column] or "")
        first, last = burst[0]["ts"], burst[-1]["ts"]
        existing = state.alert_to_widen(rule.id, key, _ts(first - window), _ts(last + window))
        out.append({
            **_base_alert(rule),
            "id": existing or alert_id(rule.id, key, burst[0]["eid"]),
            "first_time": _ts(first),
            "last_time": _ts(last),
            "event_ids": [r["eid"] for r in burst],
            "group_key": key,
            **{name: _summary_value([r[name] for r in burst]) for name in ALERT_COLUMNS},
        })
    return out


def _correlation_alerts(run: DetectionRun, rule: CompiledRule, window: ScanWindow, state: StateStore
                        ) -> list[dict[str, Any]]:
    out = []
    cands = rule.cluster if _prefilters(run) else None
    for group_key, first, last, event_ids, first_eid in run.correlations(rule.queries, window, cands):
        details = run.values(event_ids, ALERT_COLUMNS)
        columns = list(zip(*details, strict=True)) if details else [[] for _ in ALERT_COLUMNS]
        # A burst that continues one already alerted (overlapping in time) widens that alert.
        existing = state.alert_to_widen(rule.id, group_key, _ts(first), _ts(last))
        out.append(
            {
                **_base_alert(rule),
                "id": existing or alert_id(rule.id, group_key, first_eid),
                "first_time": _ts(first),
                "last_time": _ts(last),
                "event_ids": list(event_ids),
                "group_key": group_key,
                **{name: _summary_value(list(col)) for name, col in zip(ALERT_COLUMNS, columns, strict=True)},
            }
        )
    return out


def _prefilters(run: DetectionRun) -> bool:
    """Whether ``run`` takes the rules' cluster candidate queries (``CompiledRule.cluster``)."""
    return run.prefilter_language == CLUSTER_LANGUAGE


def _outcomes(run: DetectionRun, rules: list[CompiledRule], state: StateStore, since: datetime | None,
              full: bool, overlap: int) -> Iterator[tuple[CompiledRule, ScanWindow, str | None, Any]]:
    """Each rule with its window, watermark and matched rows: detection rules sharing a window are matched
    together (``DetectionRun.matches_many``: one pass over the events per chunk of rules), a rule the engine
    refuses yields its ``QueryFailed``; correlations (matched by the caller) yield None."""
    plan = []
    shared: dict[ScanWindow, list[tuple[str, list[str]]]] = {}
    candidates = {str(i): rule.cluster for i, rule in enumerate(rules)} if _prefilters(run) else None
    for rule in rules:
        watermark = state.watermark(rule.id)
        window = window_of(rule, watermark, since, full, overlap)
        plan.append((rule, window, watermark))
        if not rule.is_correlation:
            shared.setdefault(window, []).append((str(len(plan) - 1), rule.queries))
    found: dict[str, Any] = {}
    for window, keyed in shared.items():
        found.update(run.matches_many(keyed, window, ALERT_COLUMNS, candidates))
    for i, (rule, window, watermark) in enumerate(plan):
        yield rule, window, watermark, found.get(str(i))


def run_scan(cfg: Config, sink: AlertSink, rules_dir: Path | None = None, since: datetime | None = None,
             full: bool = False, store: Store | None = None) -> ScanSummary:
    """Scan stored events with every rule of ``rules_dir`` (default: the shipped rules plus ``<data_dir>/rules``),
    handing each rule's alerts to ``sink``; ``store``: the one ``cfg`` names unless given.

    ``since`` rescans events whose @timestamp is at or after it; ``full`` ignores watermarks. Raises
    :class:`ScanLocked` when another scan runs.
    """
    started = time.monotonic()
    data_dir = Path(cfg.data_dir)
    with scan_lock(data_dir):
        ruleset = compile_rules_cached(rules_dir, () if rules_dir else (data_dir / "rules",),  # + imported
                                       data_dir / "cache" / "rules", cluster=store_kind(cfg) in CLUSTER_KINDS)
        summary = ScanSummary(rules=len(ruleset.rules), errors=list(ruleset.errors))
        own = store is None
        store = store or open_store(cfg)
        try:
            state = store.state
            with store.events.detection(ruleset.fields | ALERT_FIELDS) as run:
                summary.events, snapshot = run.events, run.latest_ingested
                for rule, window, watermark, outcome in _outcomes(run, ruleset.rules, state, since, full,
                                                                  cfg.scan_overlap_minutes):
                    try:
                        if isinstance(outcome, Exception):
                            raise outcome
                        if rule.is_correlation:
                            alerts = _correlation_alerts(run, rule, window, state)
                        else:
                            alerts = _detection_alerts(rule, outcome, state)
                    except (QueryFailed, GroupingError) as exc:
                        summary.errors.append(f"{rule.path}: rule '{rule.rule.title}' failed: {exc}".splitlines()[0])
                        continue
                    new, updated = sink(state, alerts)
                    summary.new_alerts += new
                    summary.updated_alerts += updated
                    if snapshot is not None and (watermark is None or _ts(snapshot) > watermark):
                        state.set_watermark(rule.id, _ts(snapshot))
                summary.files_read = run.files_read
        finally:
            if own:
                store.close()
    summary.seconds = time.monotonic() - started
    return summary
