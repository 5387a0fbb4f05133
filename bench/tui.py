"""Queue latency on 100 k alerts in a real state.db, driven through Textual's Pilot.

Prints: time to open (app start → rows shown), each filter (keystroke → rows shown), a sort and a scroll to the
end — newest first, as before queue priorities — then the time to open in priority order (the default: no index
serves it, the open alerts are sorted), against a baseline measured in the same run (one plain SQLite read of
every alert). Not asserted anywhere.
Usage: python bench/tui.py [alerts]
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from textual.widgets import OptionList

from soc.config import from_dict
from soc.store.state import StateDB
from soc.triage.queue import STATUS_FILTERS
from soc.tui.app import SocApp
from soc.tui.screens.queue import QueueScreen
from soc.tui.widgets.alert_grid import AlertGrid

LEVELS = ("low", "medium", "high", "critical")
STATUSES = ("new", "new", "acknowledged", "in_progress", "resolved", "escalated")
SYSTEMS = ("Cổng thông tin", "Dịch vụ công", "LGSP", "Thư điện tử", "AD")


def populate(db: StateDB, count: int) -> None:
    rows = []
    for n in range(count):
        t = f"2026-11-{1 + n % 24:02d}T{n % 24:02d}:{n % 60:02d}:{n % 59:02d}.000000Z"
        rows.append((
            f"alert-{n:06d}", f"rule-{n % 40}", f"Rule {n % 40} — tấn công {n % 7}", LEVELS[n % 4],
            json.dumps(["attack.t1190"]), "", t, t, json.dumps([f"ev-{n}"]), 1, "", f"web{n % 9}",
            SYSTEMS[n % 5], f"10.{n % 250}.{n // 250 % 250}.{n % 7}", f"user{n % 300}", STATUSES[n % 6],
            "true_positive" if STATUSES[n % 6] == "resolved" else None, f"an{n % 5}" if n % 3 else None, t, t,
        ))
    with db.tx() as con:
        con.executemany(
            "INSERT INTO alerts(id, rule_id, rule_title, rule_level, rule_tags, rule_description, first_time, "
            "last_time, event_ids, event_count, group_key, host, system, source_ip, user_name, status, resolution, "
            "assignee, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )


async def wait_loaded(app: SocApp, since: float) -> float:
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    while screen.loaded_at is None or screen.loaded_at < since:
        await asyncio.sleep(0.002)
    return screen.loaded_at - since


async def measure(cfg) -> dict[str, float]:
    out: dict[str, float] = {}
    started = time.monotonic()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 45)) as pilot:
        out["open"] = await wait_loaded(app, started)
        screen = app.screen
        for name, query in (
            ("filter rule", "rule:rule-7"),
            ("filter system", "system:lgsp"),
            ("filter assignee", "assignee:an3"),
            ("filter time range", "from:2026-11-10 to:2026-11-12"),
            ("filter free text", "10.42 tấn"),
            ("filter cleared", ""),
        ):
            await pilot.press("slash")
            screen.query_one("#filter-input").value = query
            t = time.monotonic()
            await pilot.press("enter")
            out[name] = await wait_loaded(app, t)
        t = time.monotonic()
        await pilot.press("l")
        out["filter level"] = await wait_loaded(app, t)
        await pilot.press("s")  # the status picker: the next filter after "open", as the old cycling key gave
        await pilot.pause()
        app.screen.query_one(OptionList).highlighted = STATUS_FILTERS.index("new")
        t = time.monotonic()
        await pilot.press("enter")
        out["filter status"] = await wait_loaded(app, t)
        t = time.monotonic()
        await pilot.press("o")
        out["sort"] = await wait_loaded(app, t)
        t = time.monotonic()
        await pilot.press("end")
        await pilot.pause()
        out["scroll to end"] = time.monotonic() - t
        out["rows shown"] = len(screen.query_one(AlertGrid).rows)
    return out


async def open_only(cfg) -> float:
    """App start → rows shown, with the configured (default: priority) order."""
    started = time.monotonic()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 45)):
        return await wait_loaded(app, started)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        # newest first, as the queue opened before priorities: the figures compare with earlier runs; the
        # priority order (the default) is measured apart below
        cfg = from_dict({"analyst": "bench", "triage": {"queue_sort": "time"}}, data_dir=Path(tmp) / "data")
        db = StateDB(cfg.data_dir / "state.db")
        t = time.monotonic()
        populate(db, count)
        print(f"populated {count} alerts in {time.monotonic() - t:.2f}s")
        t = time.monotonic()
        db.con.execute("SELECT * FROM alerts").fetchall()
        baseline = time.monotonic() - t
        db.close()
        print(f"baseline: plain SQLite read of all {count} alerts {baseline * 1000:.0f} ms")
        figures = asyncio.run(measure(cfg))
        by_priority = from_dict({"analyst": "bench"}, data_dir=cfg.data_dir)
        figures["open (priority)"] = asyncio.run(open_only(by_priority))
        for name, value in figures.items():
            if name == "rows shown":
                print(f"{name:>18}: {int(value)}")
            else:
                print(f"{name:>18}: {value * 1000:7.1f} ms  ({value / baseline:.2f}× baseline)")


if __name__ == "__main__":
    main()
