"""Moves an embedded store's events and state into a cluster store (``soc store copy``), resumable.

Never changes the source; a second run stores no event twice (``create`` with ``_id = event.id``) and rewrites state
documents under the same ids.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow.parquet as pq

from soc.store.contract import Store
from soc.store.events_api import ArrowBatch

STATE_TABLES = ("alerts", "notes", "suppressions", "audit", "checkpoints", "watermarks", "cases", "indicators")


def copy_store(source: Store, target: Store, progress: Callable[[str], None]) -> int:
    """Copy every event file and state table of the embedded ``source`` into the cluster ``target``; returns the
    events new to the cluster."""
    files = source.events.files()  # type: ignore[attr-defined]
    stored = 0
    for n, path in enumerate(files, 1):
        stored += target.events.append(ArrowBatch(pq.read_table(path)))
        progress(f"events: {n}/{len(files)} files, {stored} new in the cluster")
    if source.has_state():
        con = source.state.con  # type: ignore[attr-defined]
        for kind in STATE_TABLES:
            rows = [dict(r) for r in con.execute(f"SELECT * FROM {kind}").fetchall()]
            if kind == "cases":  # a case document holds its alerts
                links: dict[int, list[dict]] = {}
                for r in con.execute("SELECT * FROM case_alerts ORDER BY added, alert_id").fetchall():
                    links.setdefault(int(r["case_id"]), []).append(
                        {"alert_id": r["alert_id"], "added": r["added"], "actor": r["actor"]})
                rows = [{**r, "alerts": links.get(int(r["id"]), [])} for r in rows]
            progress(f"state: {kind}: {target.state.import_rows(kind, rows)} copied")  # type: ignore[attr-defined]
    return stored
