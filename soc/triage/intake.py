"""Alert intake: where a detection scan's alerts enter triage. New alerts are checked against the suppressions
and stored; a continuing burst widens the stored alert. Never changes the triage fields of a stored alert.

``scan`` is the entry the commands, the demo and the tests call (``soc scan``); the rules run in ``soc.detect``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from soc.config import Config
from soc.detect.scan import ScanSummary, run_scan
from soc.store.contract import StateStore
from soc.store.registry import open_store
from soc.triage import suppressions


def store_alerts(state: StateStore, alerts: list[dict[str, Any]]) -> tuple[int, int]:
    """The alert sink of a scan: store ``alerts`` (an active suppression stores a new one as ``suppressed``);
    return (new alerts, alerts that gained events)."""
    new = updated = 0
    for alert in alerts:
        before = state.alert_event_count(alert["id"])
        if before is not None and len(alert["event_ids"]) == 1:
            continue  # a one-event alert already stored cannot change
        if before is None:
            suppressions.apply(state, alert)  # an active suppression stores it as 'suppressed'
        if state.upsert_alert(alert):
            new += 1
        elif before is not None:
            updated += int(state.alert_event_count(alert["id"]) > before)
    return new, updated


def scan(cfg: Config, rules_dir: Path | None = None, since: datetime | None = None, full: bool = False
         ) -> ScanSummary:
    """Scan the store ``cfg`` names with every rule of ``rules_dir`` (default: shipped rules plus
    ``<data_dir>/rules``) and store the alerts; raises ``soc.detect.scan.ScanLocked`` when another scan runs."""
    with open_store(cfg) as st:
        return run_scan(cfg, store_alerts, rules_dir=rules_dir, since=since, full=full, store=st)


def reset(cfg: Config) -> None:
    """Forget every watermark (the next scan reads all events again; alerts are not duplicated)."""
    with open_store(cfg) as st:
        st.state.reset_watermarks()
