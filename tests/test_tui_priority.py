"""The queue in the real app (Pilot): it opens most urgent first by the inventory's security levels, shows each
alert's priority and response clock in the app's language, and the sort key cycle reaches time order and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_tui import make_alert, rendered, settle, table_ids, until

from soc.config import from_dict
from soc.store.state import StateDB
from soc.triage.queue import SORT_KEYS
from soc.tui.app import SocApp
from soc.tui.widgets.alert_grid import AlertGrid

SYSTEMS = [{"name": "Cổng dịch vụ công", "level": 5}, {"name": "Thư điện tử", "level": 1}]


def _cfg(tmp_path: Path, lang: str = "en"):
    return from_dict({"province": {"name": "Tỉnh Thử nghiệm"}, "analyst": "analyst1", "systems": SYSTEMS,
                      "tui": {"language": lang}}, data_dir=tmp_path / "data")


def _seed(cfg) -> None:
    db = StateDB(cfg.data_dir / "state.db")
    # newest first would be 5, 4, 3, 2, 1; by priority the level-5 system's high alert leads
    db.upsert_alert(make_alert(1, rule_level="high", system="Cổng dịch vụ công"))  # P1
    db.upsert_alert(make_alert(2, rule_level="low", system="Cổng dịch vụ công"))  # P3
    db.upsert_alert(make_alert(3, rule_level="medium", system="Ngoài danh mục"))  # level 3: P3
    db.upsert_alert(make_alert(4, rule_level="critical", system="Thư điện tử"))  # P2
    db.upsert_alert(make_alert(5, rule_level="informational", system="Cổng dịch vụ công"))  # P4
    db.close()


def _line(grid: AlertGrid, alert_id: str) -> str:
    text = rendered(grid)
    rule = f"Rule number {int(alert_id[-2:])}"
    return next(line for line in text.splitlines() if rule in line)


async def test_queue_opens_by_priority_with_priority_and_clock(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _seed(cfg)
    started = datetime.now(UTC)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(170, 30)) as pilot:
        await until(pilot, lambda: len(table_ids(app)) == 5)
        grid = app.screen.query_one(AlertGrid)
        assert (grid.sort, grid.descending) == ("priority", True)
        assert table_ids(app) == ["alert-01", "alert-04", "alert-03", "alert-02", "alert-05"]  # P3 tie: newest first
        head = rendered(grid).splitlines()[0]
        assert "Pri ▼" in head and "Clock" in head
        top = _line(grid, "alert-01")
        assert top.lstrip().startswith("P1") and "min left" in top  # level 5: acknowledge within 1 hour
        minutes = int(top.split("min left")[0].split()[-1])
        elapsed = (datetime.now(UTC) - started) / timedelta(minutes=1)
        assert 60 - elapsed - 2 <= minutes <= 60
        assert "23 h left" in _line(grid, "alert-04") or "24 h left" in _line(grid, "alert-04")  # level 1: 24 h
        assert _line(grid, "alert-05").lstrip().startswith("P4")
        # the sort key cycle: priority → time (newest first) → … → back to priority
        await pilot.press("o")
        await until(pilot, lambda: table_ids(app)[0] == "alert-05")
        assert grid.sort == "time" and table_ids(app) == ["alert-05", "alert-04", "alert-03", "alert-02", "alert-01"]
        for _ in range(len(SORT_KEYS) - 1):
            await pilot.press("o")
        await until(pilot, lambda: table_ids(app)[0] == "alert-01")
        assert grid.sort == "priority" and table_ids(app)[:2] == ["alert-01", "alert-04"]


async def test_clock_in_vietnamese_and_overdue(tmp_path: Path) -> None:
    cfg = from_dict({"analyst": "analyst1", "systems": SYSTEMS, "tui": {"language": "vi"},
                     "triage": {"clocks": {"5": {"acknowledge": "0m"}}}}, data_dir=tmp_path / "data")
    _seed(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(170, 30)) as pilot:
        await until(pilot, lambda: len(table_ids(app)) == 5)
        await settle(pilot)
        grid = app.screen.query_one(AlertGrid)
        head = rendered(grid).splitlines()[0]
        assert "ƯT ▼" in head and "Thời hạn" in head
        assert "quá hạn 1 phút" in _line(grid, "alert-01")  # level 5 configured to acknowledge at once
        assert "còn 23 giờ" in _line(grid, "alert-04") or "còn 24 giờ" in _line(grid, "alert-04")
