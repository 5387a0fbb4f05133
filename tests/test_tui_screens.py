"""Pilot tests of the triage screens against a real state database and real Parquet events: bulk actions, typed
filters, sort, alert detail (tree, masking, reveal audit, notes), cases, suppressions, pivot, help and palette,
and two app instances editing while a real scan writes alerts."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from test_triage import SQLI_RULE, _sqli_log
from test_tui import current_id, goto, make_alert, notifications, rendered, seed, settle, table_ids, until

from soc.config import Config, from_dict
from soc.enrich.pipeline import ingest_paths
from soc.store.duck import connect
from soc.store.embedded import EventStore
from soc.store.events_api import ArrowBatch
from soc.store.state import StateDB
from soc.triage import suppressions
from soc.triage.desk import Viewport
from soc.triage.intake import scan as run_scan
from soc.tui.app import SocApp
from soc.tui.screens.alert import AlertScreen
from soc.tui.screens.cases import CaseScreen, CasesScreen
from soc.tui.screens.forms import NoteModal, PromptModal, SuppressModal
from soc.tui.screens.help import HelpScreen
from soc.tui.screens.pivot import PivotScreen
from soc.tui.screens.suppressions import SuppressionsScreen
from soc.tui.widgets.alert_grid import AlertGrid

CCCD = "001099012345"


def tcfg_(tmp_path: Path) -> Config:
    # these tests read the queue newest first (the priority order has its own tests in test_tui_priority.py)
    return from_dict({"province": {"name": "Tỉnh Thử nghiệm"}, "analyst": "analyst1",
                      "triage": {"queue_sort": "time"}}, data_dir=tmp_path / "data")


def seed_alerts(cfg: Config, count: int = 6) -> None:
    """Alerts only (their events come from ``write_ip_events``)."""
    db = StateDB(cfg.data_dir / "state.db")
    for n in range(count):
        db.upsert_alert(make_alert(n))
    db.close()


def write_ip_events(cfg: Config) -> None:
    """Events with a source IP: alert 3's two events, one more from its IP 10 minutes later, one far away."""
    con = connect()
    con.execute('CREATE TABLE batch ("@timestamp" TIMESTAMP, "event.id" VARCHAR, "event.dataset" VARCHAR, '
                '"event.original" VARCHAR, "source.ip" VARCHAR)')
    con.executemany("INSERT INTO batch VALUES (?, ?, ?, ?, ?)", [
        ("2026-11-24 03:00:01", "ev-3-0", "nginx.access", f"GET /tra-cuu?cccd={CCCD} [bold]x[/]", "10.0.0.3"),
        ("2026-11-24 03:00:02", "ev-3-1", "nginx.access", "GET /second", "10.0.0.3"),
        ("2026-11-24 03:40:00", "ev-x-1", "nginx.access", "GET /later-same-ip", "10.0.0.3"),
        ("2026-11-24 09:00:00", "ev-x-2", "nginx.access", "GET /far-away", "10.0.0.3"),
    ])
    store = EventStore(cfg.data_dir)
    with store.write_lock():
        store.append(ArrowBatch(con.table("batch").to_arrow_table()))
    con.close()


async def test_bulk_status_on_marked_alerts(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")  # marks alert-05 and alert-04, cursor moves down
        await settle(pilot)
        assert app.screen.query_one(AlertGrid).marked == {"alert-05", "alert-04"}
        assert "2 marked" in rendered(app.screen.query_one("#filters"))
        await pilot.press("a")
        await settle(pilot)
        assert "2 alerts changed." in notifications(app)
        assert app.screen.query_one(AlertGrid).marked == set()
    db = StateDB(cfg.data_dir / "state.db")
    assert db.status_counts() == {"acknowledged": 2, "new": 4}
    assert {t["object_id"] for t in db.audit_trail()} == {"alert-05", "alert-04"}
    db.close()


async def test_typed_filters_sort_and_assign(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed(cfg, count=9)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"rule:rule-1")
        await pilot.press("enter")
        await settle(pilot)
        assert table_ids(app) == ["alert-07", "alert-04", "alert-01"]
        await pilot.press("A")  # assign alert-07 to me
        await settle(pilot)
        await pilot.press("slash")
        # typed times are local (Asia/Ho_Chi_Minh): 13:00–15:00 +07 covers alert-07 at 07:00 UTC only
        app.screen.query_one("#filter-input").value = "assignee:me from:2026-11-24T13:00 to:2026-11-24T15:00"
        await pilot.press("enter")
        await settle(pilot)
        assert table_ids(app) == ["alert-07"]
        assert app.screen.query_one(AlertGrid).rows[0]["assignee"] == "analyst1"
        for query in ("bad level:nope", "number 3", ""):
            await pilot.press("slash")
            app.screen.query_one("#filter-input").value = query
            await pilot.press("enter")
            await settle(pilot)
            if query.startswith("bad"):
                assert any("Filter not applied" in m for m in notifications(app))
                await pilot.press("escape")
            elif query:
                assert table_ids(app) == ["alert-03"]  # every free word must match
        assert len(table_ids(app)) == 9
        await pilot.press("o")  # sort by level (highest first)
        await settle(pilot)
        assert [r["rule_level"] for r in app.screen.query_one(AlertGrid).rows][:2] == ["critical", "critical"]


async def test_alert_detail_masks_reveals_with_audit_and_takes_notes(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    write_ip_events(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        await goto(pilot, "alert-03")
        assert CCCD not in rendered(app.screen.query_one("#alert-events"))  # masked in the pane too
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AlertScreen)
        tree = app.screen.query_one("#page-events")
        tree.root.children[0].expand()
        await settle(pilot)
        text = rendered(tree)
        assert "•••••••••345" in text and CCCD not in text and "[bold]x[/]" in text
        assert "source.ip = 10.0.0.3" in text
        await pilot.press("v")
        await settle(pilot)
        assert CCCD in rendered(app.screen.query_one("#page-events"))
        assert "analyst1 revealed personal data (2 events)" in rendered(app.screen.query_one("#page-audit"))
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, NoteModal)
        app.screen.query_one("#note-text").text = "**Đã chặn** IP\n\x1b[31m[red]x[/red]"
        await pilot.press("ctrl+s")
        await settle(pilot)
        notes = rendered(app.screen.query_one("#page-notes"))
        assert "Đã chặn" in notes and "**" not in notes and "\\x1b[31m[red]x[/red]" in notes
        await pilot.press("e")
        await settle(pilot)
        assert "escalated" in rendered(app.screen.query_one("#page-summary"))
        audit = rendered(app.screen.query_one("#page-audit"))
        assert "analyst1 changed status: new → escalated" in audit and "analyst1 added a note" in audit
        await pilot.press("escape")
        await settle(pilot)
        assert current_id(app) == "alert-03"
    db = StateDB(cfg.data_dir / "state.db")
    assert [t["action"] for t in db.audit_trail("alert-03")] == ["reveal_pii", "note", "update"]
    db.close()


async def test_case_from_marked_alerts_list_detail_status_note(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "c")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"Tấn công SQLi", "enter")
        await settle(pilot)
        assert "Case 1 created with 2 alerts." in notifications(app)
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        assert "Tấn công SQLi" in rendered(app.screen.query_one("#cases"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Severity medium" in rendered(app.screen.query_one("#case-head"))  # highest of medium, low
        await pilot.press("s")
        await settle(pilot)
        assert "Status in_progress" in rendered(app.screen.query_one("#case-head"))
        await pilot.press("m")
        await settle(pilot)
        app.screen.query_one("#note-text").text = "Đã báo cáo"
        await pilot.press("ctrl+s")
        await settle(pilot)
        timeline = rendered(app.screen.query_one("#case-timeline"))
        assert "Đã báo cáo" in timeline and "Rule number 5" in timeline and "update" in timeline
        await pilot.press("d")  # highlighted first row is an alert
        await settle(pilot)
        assert "1 alerts" in rendered(app.screen.query_one("#case-head"))


async def test_suppression_from_alert_listed_and_removed(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, SuppressModal)
        assert app.screen.query_one("#sup-value").value == "10.0.0.5"
        await pilot.press(*"quét nội bộ", "ctrl+s")
        await settle(pilot)
        assert any("Suppression 1: source.ip = 10.0.0.5" in m for m in notifications(app))
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, SuppressionsScreen)
        table = rendered(app.screen.query_one("#suppressions"))
        assert "quét nội bộ" in table and "rule-2" in table and "analyst1" in table
        await pilot.press("d")
        await settle(pilot)
        assert "quét nội bộ" not in rendered(app.screen.query_one("#suppressions"))
    db = StateDB(cfg.data_dir / "state.db")
    assert suppressions.active(db) == [] and [t["action"] for t in db.audit_trail("1")] == ["create", "remove"]
    db.close()


async def test_pivot_to_events_around_and_sharing_alerts(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    db.upsert_alert(make_alert(11, source_ip="10.0.0.3"))
    db.close()
    write_ip_events(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await goto(pilot, "alert-03")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PivotScreen)  # both tables drawn (they redraw on idle)
                    and "/later-same-ip" in rendered(app.screen.query_one("#pivot-events"))
                    and "Rule number 11" in rendered(app.screen.query_one("#pivot-alerts")))
        assert isinstance(app.screen, PivotScreen)
        assert app.screen.alert["id"] == "alert-03", "the pivot opened on another alert than the selected one"
        events = rendered(app.screen.query_one("#pivot-events"))
        assert app.screen.query_one("#pivot-events").row_count == 1, (app.screen.sub_title, notifications(app))
        assert "/later-same-ip" in events and "/far-away" not in events and CCCD not in events
        assert "Rule number 11" in rendered(app.screen.query_one("#pivot-alerts"))
        for _ in range(4):
            await pilot.press("plus")
        await until(pilot, lambda: "/far-away" in rendered(app.screen.query_one("#pivot-events")))
        assert "/far-away" in rendered(app.screen.query_one("#pivot-events"))


async def test_help_lists_every_key_and_palette_has_every_action(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for words in ("Acknowledge", "Benign", "Note", "Suppress…", "Pivot", "Case from marked", "Cases",
                      "Suppressions", "Sort column", "Mark for bulk action", "Language", "Filter…"):
            assert words in titles
        await pilot.press("ctrl+t", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = rendered(app.screen.query_one("#help-body Static"))
        assert "Phím" in text and "Tiếp nhận" in text and "Cảnh báo nhầm" in text and "space" in text


async def test_two_analysts_and_a_running_scan_lose_no_edit(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    other = from_dict({"analyst": "analyst2"}, data_dir=cfg.data_dir)
    seed(cfg)
    ingest_paths(cfg, [_sqli_log(tmp_path / "a.log", [f"198.51.100.{k}" for k in range(8)])], parser="nginx_combined")
    scan = threading.Thread(target=run_scan, args=(cfg,))
    app1, app2 = SocApp(cfg, refresh_seconds=0.2), SocApp(other, refresh_seconds=0)  # app2 refreshes on R
    async with app1.run_test(size=(150, 40)) as p1, app2.run_test(size=(150, 40)) as p2:
        await settle(p1)
        await settle(p2)
        scan.start()
        await goto(p1, "alert-04")
        await goto(p2, "alert-04")
        await p1.press("e")  # first editor wins
        await settle(p1)
        await p2.press("f")  # second editor saw version 1: told, shown the new state, nothing overwritten
        await settle(p2)
        assert any("Changed by someone else (analyst1); now escalated" in m for m in notifications(app2))
        assert app2.screen.query_one(AlertGrid).current_alert["status"] == "escalated"
        await p2.press("i")
        await settle(p2)
        await asyncio.to_thread(scan.join)
        await p2.press("R")
        for _ in range(40):  # auto-refresh brings the scan's alerts to both screens
            await p1.pause(0.05)
            if any(r["rule_id"] == SQLI_RULE for r in app1.screen.query_one(AlertGrid).rows) and any(
                r["rule_id"] == SQLI_RULE for r in app2.screen.query_one(AlertGrid).rows
            ):
                break
        assert sum(r["rule_id"] == SQLI_RULE for r in app2.screen.query_one(AlertGrid).rows) == 8
    db = StateDB(cfg.data_dir / "state.db")
    trail = [(t["actor"], t["after"]["status"]) for t in db.audit_trail("alert-04")]
    assert trail == [("analyst1", "escalated"), ("analyst2", "in_progress")]
    assert db.alert("alert-04")["version"] == 3
    db.close()


def test_alert_detail_screen_snapshot(tmp_path: Path, snap_compare) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    write_ip_events(cfg)

    async def open_alert(pilot) -> None:
        await settle(pilot)
        await goto(pilot, "alert-03")
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one("#page-events").root.children[0].expand()
        await settle(pilot)

    assert snap_compare(SocApp(cfg, refresh_seconds=0), terminal_size=(130, 50), run_before=open_alert)


async def test_a_late_queue_load_leaves_the_cursor_where_the_analyst_moved(tmp_path: Path) -> None:
    """A reload reads the queue in a worker for the alert that had the cursor; if the analyst moved meanwhile, the
    snapshot that arrives late must not pull the cursor back (the next key would act on another alert)."""
    cfg = tcfg_(tmp_path)
    seed(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        screen, grid = app.screen, app.screen.query_one(AlertGrid)
        first = current_id(app)
        late = screen.source.snapshot(screen.query_one("#filters").filter, grid.sort, grid.descending,
                                      Viewport(first, grid.cursor, 0, 30), frozenset())
        await goto(pilot, "alert-03")
        assert first != "alert-03"
        screen._show_snapshot(late, first)  # the load started before the move lands now
        await settle(pilot)
        assert current_id(app) == "alert-03"
        screen._show_snapshot(late, "alert-03")  # no move since the load began: the snapshot places the cursor
        await settle(pilot)
        assert current_id(app) == first
