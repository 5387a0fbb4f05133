"""The TUI against a real state database and real Parquet events: queue order, filters, triage keys,
conflicts, hostile log content, refresh; plus unit tests of the sanitiser and one snapshot of the queue screen.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import OptionList

from soc.config import Config, from_dict
from soc.store.duck import connect
from soc.store.embedded import EventStore
from soc.store.events_api import ArrowBatch
from soc.store.state import StateDB
from soc.triage.model import STATUS_FILTERS
from soc.tui.app import SocApp
from soc.tui.screens.help import HelpScreen
from soc.tui.widgets.alert_grid import AlertGrid
from soc.tui.widgets.filter_bar import FilterBar
from soc.tui.widgets.safe_text import ESCAPE_STYLE, clean, safe_text

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE_LINES = [
    "GET /?q=[bold red]x[/] HTTP/1.1",
    "GET /[link=http://evil]click[/link] HTTP/1.1 [/]",
    "title \x1b]0;pwned\x07 and \x1b[31mred\x1b[0m \x9b2J",
    "A" * 10_000,
]


# -- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture
def tcfg(tmp_path: Path) -> Config:
    # these tests read the queue newest first (the priority order has its own tests in test_tui_priority.py)
    return from_dict(
        {"province": {"name": "Tỉnh Thử nghiệm"}, "analyst": "analyst1", "triage": {"queue_sort": "time"}},
        data_dir=tmp_path / "data"
    )


async def pick_status(pilot: Pilot, status: str) -> None:
    """The status filter through its picker (``s``): highlight ``status`` in the list, Enter."""
    await pilot.press("s")
    await settle(pilot)
    pilot.app.screen.query_one(OptionList).highlighted = STATUS_FILTERS.index(status)
    await pilot.press("enter")
    await settle(pilot)


def make_alert(n: int, **over: Any) -> dict[str, Any]:
    """Alert ``n`` is seen at hour ``n`` of 2026-11-24 UTC (larger n = newer)."""
    alert = {
        "id": f"alert-{n:02d}",
        "rule_id": f"rule-{n % 3}",
        "rule_title": f"Rule number {n}",
        "rule_level": ("low", "medium", "high", "critical")[n % 4],
        "rule_tags": ["attack.initial_access", "attack.t1190"],
        "rule_description": "A test rule.",
        "first_time": f"2026-11-24T{n:02d}:00:01.000000Z",
        "last_time": f"2026-11-24T{n:02d}:30:00.000000Z",
        "event_ids": [f"ev-{n}-{k}" for k in range(2)],
        "group_key": f"10.0.0.{n}",
        "host": "web01",
        "system": "Cổng thông tin",
        "source_ip": f"10.0.0.{n}",
        "user_name": None,
    }
    alert.update(over)
    return alert


def write_events(cfg: Config, rows: list[tuple[str, str, str, str]]) -> int:
    """Store (timestamp, id, dataset, original) rows through the real EventStore."""
    store = EventStore(cfg.data_dir)
    con = connect()
    con.execute(
        'CREATE TABLE batch ("@timestamp" TIMESTAMP, "event.id" VARCHAR, "event.dataset" VARCHAR, '
        '"event.original" VARCHAR)'
    )
    con.executemany("INSERT INTO batch VALUES (?, ?, ?, ?)", rows)
    with store.write_lock():
        stored = store.append(ArrowBatch(con.table("batch").to_arrow_table()))
    con.close()
    return stored


def seed(cfg: Config, count: int = 6) -> None:
    db = StateDB(cfg.data_dir / "state.db")
    for n in range(count):
        db.upsert_alert(make_alert(n))
    db.close()
    write_events(
        cfg,
        [
            (f"2026-11-24 {n:02d}:00:0{k + 1}", f"ev-{n}-{k}", "nginx.access", f"line {n}.{k}")
            for n in range(count)
            for k in range(2)
        ],
    )


async def settle(pilot: Pilot) -> None:
    """Let workers finish and their results reach the UI."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot: Pilot, condition, timeout: float = 10.0) -> None:
    """Settle until ``condition()`` holds (a worker's result reaching the screen can trail a loaded machine)."""
    import time

    deadline = time.monotonic() + timeout
    await settle(pilot)
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.05)
        await settle(pilot)


def rendered(widget: Widget) -> str:
    """The text the widget draws (what the terminal would show), line by line."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


def table_ids(app: SocApp) -> list[str]:
    return [row["id"] for row in app.screen.query_one(AlertGrid).rows]


def current_id(app: SocApp) -> str | None:
    alert = app.screen.query_one(AlertGrid).current_alert
    return alert["id"] if alert else None


async def goto(pilot: Pilot, alert_id: str) -> None:
    grid = pilot.app.screen.query_one(AlertGrid)
    grid.move_to(grid.index_of(alert_id))
    await settle(pilot)
    assert current_id(pilot.app) == alert_id


def notifications(app: SocApp) -> list[str]:
    return [n.message for n in app._notifications]


# -- safe_text ---------------------------------------------------------------------------------------------
def test_clean_escapes_controls_and_keeps_markup_literal() -> None:
    raw = "[bold red]x[/] \x1b]0;pwned\x07 \x1b[31m \x00 \x7f \x9b \u202egnp.exe\t\r\n"
    out = clean(raw)
    assert "[bold red]x[/]" in out
    assert "\\x1b]0;pwned\\x07" in out and "\\x1b[31m" in out
    assert "\\x00" in out and "\\x7f" in out and "\\x9b" in out and "\\u202e" in out
    assert out.endswith("\\t\\r\\n")
    assert not CONTROL.search(out) and "\n" not in out and "\t" not in out and "\u202e" not in out


def test_clean_keeps_vietnamese_and_clips() -> None:
    assert clean("Đăng nhập thất bại") == "Đăng nhập thất bại"
    assert clean(None) == ""
    assert clean("x" * 30, limit=10) == "x" * 10 + " … (+20 chars)"
    assert clean("\udcff") == "\\udcff"  # lone surrogate from undecodable bytes


def test_safe_text_is_inert_text_with_styled_escapes() -> None:
    text = safe_text("[link=http://evil]click[/link]\x1b[2J", style="bold")
    assert text.plain == "[link=http://evil]click[/link]\\x1b[2J"
    assert text.style == "bold"
    assert [(s.start, s.end, str(s.style)) for s in text.spans] == [(30, 34, ESCAPE_STYLE)]
    clipped = safe_text("A" * 10_000, limit=100)
    assert clipped.plain.startswith("A" * 100) and clipped.plain.endswith("(+9900 chars)")


# -- the queue ---------------------------------------------------------------------------------------------
async def test_rows_newest_first_in_local_time(tcfg: Config) -> None:
    seed(tcfg)
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert table_ids(app) == [f"alert-{n:02d}" for n in range(5, -1, -1)]
        first_row = rendered(app.screen.query_one(AlertGrid)).splitlines()[1]
        assert "2026-11-24 12:30:00" in first_row  # 05:30 UTC shown in Asia/Ho_Chi_Minh
        assert "medium" in first_row and "Rule number 5" in first_row and "Cổng thông tin" in first_row
        assert app.screen.sub_title == "new 6"
        assert current_id(app) == "alert-05"
        events = rendered(app.screen.query_one("#alert-events"))
        assert "Matched events: 2 of 2 shown" in events and "line 5.0" in events and "line 5.1" in events
        summary = rendered(app.screen.query_one("#alert-summary"))
        assert "rule-2" in summary and "10.0.0.5" in summary and "attack.t1190" in summary


async def test_filters_reduce_rows(tcfg: Config) -> None:
    seed(tcfg, count=8)
    db = StateDB(tcfg.data_dir / "state.db")
    db.update_alert("alert-07", actor="someone", status="resolved", resolution="true_positive")
    db.close()
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(FilterBar)
        assert (bar.level, bar.status) == ("all", "open")
        assert len(table_ids(app)) == 7  # resolved alert-07 is not in the open queue
        await pilot.press("l", "l", "l")  # all → ≥low → ≥medium → ≥high
        await settle(pilot)
        assert bar.level == "high"
        assert table_ids(app) == ["alert-06", "alert-03", "alert-02"]
        await pilot.press("l")  # critical only
        await settle(pilot)
        assert table_ids(app) == ["alert-03"]
        await pilot.press("l")  # back to all levels
        await pick_status(pilot, "new")
        assert bar.status == "new" and len(table_ids(app)) == 7
        await pick_status(pilot, "resolved")
        assert table_ids(app) == ["alert-07"]
        assert "resolved" in rendered(bar)


@pytest.mark.parametrize(
    ("key", "status", "resolution"),
    [
        ("a", "acknowledged", None),
        ("f", "resolved", "false_positive"),
        ("r", "resolved", "true_positive"),
        ("i", "in_progress", None),
        ("e", "escalated", None),
    ],
)
async def test_status_keys_persist_and_audit(
    tcfg: Config, key: str, status: str, resolution: str | None
) -> None:
    seed(tcfg)
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await goto(pilot, "alert-03")
        await pilot.press(key)
        await settle(pilot)
        if status == "resolved":  # leaves the open queue; the cursor stays on the same row position
            assert "alert-03" not in table_ids(app)
            assert current_id(app) == "alert-02"
        else:
            assert current_id(app) == "alert-03"
            assert status in rendered(app.screen.query_one("#alert-summary"))
    db = StateDB(tcfg.data_dir / "state.db")
    stored = db.alert("alert-03")
    assert (stored["status"], stored["resolution"], stored["version"]) == (status, resolution, 2)
    trail = db.audit_trail("alert-03")
    assert len(trail) == 1
    assert trail[0]["actor"] == "analyst1" and trail[0]["after"]["status"] == status
    assert db.alert("alert-02")["status"] == "new"
    db.close()


async def test_conflicting_edit_is_reported_not_overwritten(tcfg: Config) -> None:
    seed(tcfg)
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await goto(pilot, "alert-04")
        other = StateDB(tcfg.data_dir / "state.db")  # a second analyst, another process
        other.update_alert("alert-04", actor="analyst2", expected_version=1, status="escalated")
        other.close()
        await pilot.press("f")
        await settle(pilot)
        assert any("Changed by someone else (analyst2); now escalated" in m for m in notifications(app))
        assert current_id(app) == "alert-04"
        alert = app.screen.query_one(AlertGrid).current_alert
        assert alert["status"] == "escalated" and alert["version"] == 2
        assert "escalated" in rendered(app.screen.query_one("#alert-summary"))
        await pilot.press("a")  # pressing again applies on top of the version now shown
        await settle(pilot)
    db = StateDB(tcfg.data_dir / "state.db")
    trail = db.audit_trail("alert-04")
    assert [(t["actor"], t["after"]["status"]) for t in trail] == [
        ("analyst2", "escalated"),
        ("analyst1", "acknowledged"),
    ]
    assert db.alert("alert-04")["resolution"] is None
    db.close()


async def test_edit_after_unseen_scan_update_asks_again(tcfg: Config) -> None:
    seed(tcfg)
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await goto(pilot, "alert-05")
        scan = StateDB(tcfg.data_dir / "state.db")
        scan.upsert_alert(make_alert(5, event_ids=["ev-5-0", "ev-5-1", "ev-5-9"]))  # version 2, status kept
        scan.close()
        await pilot.press("r")
        await settle(pilot)
        assert any("A scan added events to this alert; now new" in m for m in notifications(app))
        assert app.screen.query_one(AlertGrid).current_alert["event_count"] == 3
    db = StateDB(tcfg.data_dir / "state.db")
    assert db.alert("alert-05")["status"] == "new" and db.audit_trail("alert-05") == []
    db.close()


async def test_unknown_timezone_falls_back(tmp_path: Path) -> None:
    cfg = from_dict({"timezone": "Mars/Olympus_Mons"}, data_dir=tmp_path / "data")
    seed(cfg, count=1)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert any("Unknown timezone" in m for m in notifications(app))
        assert "2026-11-24 07:30:00" in rendered(app.screen.query_one(AlertGrid))


async def test_hostile_log_content_renders_literally(tcfg: Config) -> None:
    db = StateDB(tcfg.data_dir / "state.db")
    db.upsert_alert(
        make_alert(
            1,
            rule_title="[bold red]PWN[/] [link=http://evil]x[/link] \x1b]8;;http://evil\x1b\\",
            source_ip="[/]\x1b[5m",
            system="[reverse]sys",
            event_ids=[f"bad-{k}" for k in range(len(HOSTILE_LINES))],
        )
    )
    db.close()
    write_events(
        tcfg,
        [
            (f"2026-11-24 01:00:0{k}", f"bad-{k}", "nginx.access", line)
            for k, line in enumerate(HOSTILE_LINES)
        ],
    )
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(240, 50)) as pilot:
        await settle(pilot)
        row = rendered(app.screen.query_one(AlertGrid))
        assert "[bold red]PWN[/] [link=http://evil]x[/link]" in row
        assert "[/]\\x1b[5m" in row and "[reverse]sys" in row
        summary = rendered(app.screen.query_one("#alert-summary"))
        assert "[bold red]PWN[/]" in summary and "\\x1b]8;;http://evil\\x1b\\" in summary
        events = rendered(app.screen.query_one("#alert-events"))
        assert "Matched events: 4 of 4 shown" in events
        assert "[bold red]x[/]" in events
        assert "[link=http://evil]click[/link] HTTP/1.1 [/]" in events
        assert "\\x1b]0;pwned\\x07" in events and "\\x1b[31mred\\x1b[0m" in events and "\\x9b2J" in events
        assert "(+6000 chars)" in events.replace("\n", "")  # the 10 kB line is clipped, not dropped
        for text in (row, summary, events):
            assert not CONTROL.search(text)
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "PWN" in svg  # the whole screen as drawn


async def test_new_alerts_appear_on_refresh_keeping_the_cursor(tcfg: Config) -> None:
    seed(tcfg, count=4)
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await goto(pilot, "alert-01")
        db = StateDB(tcfg.data_dir / "state.db")  # a cron scan adds alerts and widens one
        db.upsert_alert(make_alert(9))
        db.upsert_alert(make_alert(8))
        db.upsert_alert(make_alert(1, event_ids=["ev-1-0", "ev-1-1", "ev-1-2"]))
        db.close()
        await pilot.press("R")
        await settle(pilot)
        assert table_ids(app)[:2] == ["alert-09", "alert-08"] and len(table_ids(app)) == 6
        assert current_id(app) == "alert-01"
        assert "Matched events: 2 of 3 shown" in rendered(app.screen.query_one("#alert-events"))
        assert app.screen.sub_title == "new 6"


async def test_periodic_refresh_picks_up_scan_results(tcfg: Config) -> None:
    seed(tcfg, count=2)
    app = SocApp(tcfg, refresh_seconds=0.1)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert len(table_ids(app)) == 2
        db = StateDB(tcfg.data_dir / "state.db")
        db.upsert_alert(make_alert(5))
        db.close()
        for _ in range(50):
            await pilot.pause(0.05)
            if len(table_ids(app)) == 3:
                break
        assert table_ids(app)[0] == "alert-05"


async def test_empty_database_missing_events_help_and_quit(tcfg: Config) -> None:
    app = SocApp(tcfg, refresh_seconds=0)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert table_ids(app) == [] and app.screen.sub_title == "no alerts"
        await pilot.press("a")
        await settle(pilot)
        assert "No alert is highlighted." in notifications(app)
        db = StateDB(tcfg.data_dir / "state.db")
        db.upsert_alert(make_alert(2))  # its events were never stored
        db.close()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "None of them is in the event store" in rendered(app.screen.query_one("#alert-events"))
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = rendered(app.screen.query_one("#help-body Static"))
        for words in ("Acknowledge", "False positive", "Level filter", "Refresh", "Quit"):
            assert words in help_text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.skipif(
    importlib.util.find_spec("pytest_textual_snapshot") is None,
    reason="pytest-textual-snapshot is not installed",
)
def test_queue_screen_snapshot(tcfg: Config, snap_compare) -> None:
    seed(tcfg)
    db = StateDB(tcfg.data_dir / "state.db")
    db.update_alert("alert-02", actor="x", status="acknowledged")
    db.close()
    assert snap_compare(SocApp(tcfg, refresh_seconds=0), terminal_size=(130, 36), run_before=settle)


async def test_footer_follows_focus_and_skips_rebuilds_that_change_nothing(tmp_path: Path) -> None:
    """The footer shows the focused widget's keys (the grid's `space`/`o` vanish while the filter is edited) and
    is not rebuilt when a bindings signal leaves the visible keys as they are."""
    from textual.widgets._footer import FooterKey

    from soc.tui.widgets.footer import QuietFooter

    cfg = from_dict({"analyst": "an"}, data_dir=tmp_path / "data")
    seed(cfg, count=3)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)

        def keys() -> set[str]:
            return {k.key for k in app.screen.query(FooterKey)}

        assert {"space", "o"} <= keys()
        await pilot.press("slash")
        await settle(pilot)
        assert not {"space", "o"} & keys()
        await pilot.press("escape")
        await settle(pilot)
        assert {"space", "o"} <= keys()
        footer = app.screen.query_one(QuietFooter)
        before = list(app.screen.query(FooterKey))
        footer.bindings_changed(app.screen)  # same keys: nothing rebuilt
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) == before
