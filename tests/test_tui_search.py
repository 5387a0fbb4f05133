"""Event search (query language, safe SQL, the Search screen and its pivot) against real events ingested from the
nginx sample, and the Dashboard against a real state database; plus one dashboard snapshot."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_tui import make_alert, notifications, rendered, settle
from textual.widgets import DataTable, Input, Sparkline

from soc.config import Config, from_dict
from soc.enrich.pipeline import ingest_paths
from soc.searchlang import QueryError, Term, parse
from soc.store.embedded import EventStore
from soc.store.search_sql import where
from soc.store.state import StateDB
from soc.triage import cases
from soc.triage.dashboard import age_text, load
from soc.triage.evidence import search_events
from soc.tui.app import SocApp
from soc.tui.screens.dashboard import DashboardScreen
from soc.tui.screens.help import HelpScreen
from soc.tui.screens.pivot import PivotScreen
from soc.tui.screens.search import SearchScreen

SAMPLE = Path(__file__).resolve().parents[1] / "parsers/samples/nginx_combined/access.log"
ZONE = "Asia/Ho_Chi_Minh"
NOW = datetime(2026, 11, 24, 6, 10, tzinfo=UTC)
COLUMNS = {"source.ip": "VARCHAR", "user.name": "VARCHAR", "event.original": "VARCHAR",
           "related.ip": "VARCHAR[]", "@timestamp": "TIMESTAMP"}


@pytest.fixture
def scfg(tmp_path: Path) -> Config:
    cfg = from_dict({"province": {"name": "Tỉnh Thử nghiệm"}, "analyst": "analyst1"}, data_dir=tmp_path / "data")
    summary = ingest_paths(cfg, [SAMPLE])
    assert sum(f.stored for f in summary.files) == 10
    return cfg


def ips(cfg: Config, text: str, **kw) -> list[str]:
    return [r["source.ip"] for r in search_events(EventStore(cfg.data_dir), text, ZONE, **kw).rows]


# -- query language ----------------------------------------------------------------------------------------
def test_parse_terms_quotes_not_wildcards_aliases_and_times() -> None:
    q = parse('ip:10.0.0.1 AND NOT user.name:"Nguyễn \\"Văn\\" A" url:/admin* src:*evil* đăng nhập '
              "from:2026-11-24T08:00 to:1h", ZONE, now=NOW)
    assert q.terms == [
        Term("source.ip", "10.0.0.1"), Term("user.name", 'Nguyễn "Văn" A', negate=True),
        Term("url.original", "/admin", mode="prefix"), Term("source.ip", "evil", mode="contains"),
        Term(None, "đăng", mode="contains"), Term(None, "nhập", mode="contains"),
    ]
    assert q.since == datetime(2026, 11, 24, 1, 0)  # 08:00 in Ho Chi Minh City is 01:00 UTC
    assert q.until == datetime(2026, 11, 24, 5, 10)
    assert parse("user.name:*").terms == [Term("user.name", "", mode="exists")]


@pytest.mark.parametrize("text, message", [
    ('user.name:"; DROP TABLE events; --', "unclosed quote"),
    ("a*b:1 OR c:2", "OR is not supported"),
    ("source.ip:1*2", "only a trailing *"),
    ("from:yesterday", "cannot read time"),
    ("source.ip:1 NOT", "nothing to negate"),
    ("from:2h to:5h", "from: is after to:"),
    ("user.name:", "needs a value"),
])
def test_parse_rejects_what_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(text, ZONE, now=NOW)


def test_where_binds_values_and_checks_field_names() -> None:
    sql, params = where(parse("source.ip:\"x' OR 1=1 --\" NOT related.ip:10.* words"), COLUMNS)
    assert "OR 1=1" not in sql and "10." not in sql and "words" not in sql
    assert params == {"p0": "x' OR 1=1 --", "p1": "10.", "p2": "words"}
    assert '"related.ip"' in sql and "coalesce(NOT (" in sql
    with pytest.raises(QueryError, match=r"unknown field 'source.iq'; did you mean source.ip"):
        where(parse("source.iq:1"), COLUMNS)
    with pytest.raises(QueryError, match="unknown field"):
        where(parse("x';DROP:1"), COLUMNS)
    assert where(parse(""), COLUMNS) == ("TRUE", {})


# -- search over real events -------------------------------------------------------------------------------
def test_search_real_events(scfg: Config) -> None:
    assert ips(scfg, "source.ip:10.10.20.7") == ["10.10.20.7"]
    assert ips(scfg, "user:canbo01 AND http.request.method:POST") == ["10.10.20.7"]
    assert sorted(ips(scfg, "ip:203.0.113.*")) == ["203.0.113.50", "203.0.113.9"]
    assert len(ips(scfg, "NOT ip:203.0.113.*")) == 8
    assert ips(scfg, "UNION select") == ["203.0.113.9"]  # free words, case-insensitive, in event.original
    assert ips(scfg, 'related.ip:"171.244.5.77"') == ["171.244.5.77"]
    # 08:20 local = 01:20 UTC; newest first
    assert ips(scfg, "from:2026-11-24T08:20 to:2026-11-24T08:22") == ["27.66.8.19", "171.244.5.77"]
    assert ips(scfg, "from:2026-11-24T01:20:00+00:00 to:2026-11-24T01:21:00Z") == ["171.244.5.77"]
    limited = search_events(EventStore(scfg.data_dir), "", ZONE, limit=3)
    assert len(limited.rows) == 3 and limited.limited
    assert not search_events(EventStore(scfg.data_dir), "", ZONE, limit=10).limited


def test_search_pages_follow_each_other_without_gaps_or_repeats(scfg: Config) -> None:
    store = EventStore(scfg.data_dir)
    whole = store.search(parse("", ZONE), ["source.ip"], 1000)
    assert not whole.limited and len(whole.rows) > 5
    seen, after = [], None
    while True:
        page = store.search(parse("", ZONE), ["source.ip"], 2, after=after)
        seen += [r["event.id"] for r in page.rows]
        if not page.limited:
            break
        after = page.next_after
    assert seen == [r["event.id"] for r in whole.rows]  # same order, every event once
    times = [r["@timestamp"] for r in whole.rows]
    assert times == sorted(times, reverse=True)


def test_hostile_values_are_data_not_sql(scfg: Config) -> None:
    for text in ['user.name:"x\\"; DROP TABLE events; --"', "source.ip:\"' OR ''='\"", "'); DROP VIEW events; --"]:
        assert ips(scfg, text) == []
    with pytest.raises(QueryError, match="unknown field"):
        ips(scfg, "event.original';DROP TABLE x;--:1")
    assert EventStore(scfg.data_dir).count() == 10


async def test_search_screen_results_errors_and_pivot(scfg: Config) -> None:
    app = SocApp(scfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"ip:203.0.113.*", "enter")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        assert table.row_count == 2 and "2 events" in rendered(screen.query_one("#search-status"))
        text = rendered(table)
        assert "2026-11-24 08:22:01" in text  # local time
        assert "203.0.113.9" in text and "UNION" in text
        # an unknown field is reported, nothing runs
        box = screen.query_one(Input)
        box.value = "nosuch.field:1"
        box.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "unknown field 'nosuch.field'" in rendered(screen.query_one("#search-status"))
        assert any("unknown field" in m for m in notifications(app))
        assert table.row_count == 2  # the last good results stay
        # pivot from the highlighted event (203.0.113.9, newest) to all events of that IP
        table.focus()
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PivotScreen)
        assert app.screen.query_one("#pivot-events", DataTable).row_count == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        actions = {action for _, _, action, _ in app.key_list()}  # the command palette lists these too
        assert {"search", "dashboard", "pivot", "edit_query"} <= actions
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        help_text = rendered(app.screen.query_one("#help-body Static"))
        assert "Pivot" in help_text and "Search…" in help_text and "Dashboard" in help_text


async def test_search_limit_notice_and_hostile_rendering(tmp_path: Path) -> None:
    from test_tui import CONTROL, HOSTILE_LINES, write_events

    cfg = from_dict({"province": {"name": "T"}}, data_dir=tmp_path / "data")
    write_events(cfg, [(f"2026-11-24 03:{n // 60:02d}:{n % 60:02d}", f"ev-{n}", "nginx.access",
                        HOSTILE_LINES[n % len(HOSTILE_LINES)]) for n in range(1005)])
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.push_screen(SearchScreen(app.source, app.zone, query="from:2026-11-20"))
        await settle(pilot)
        screen = app.screen
        assert screen.query_one(DataTable).row_count == 1000
        assert "first 1000 events" in rendered(screen.query_one("#search-status"))
        text = rendered(screen.query_one(DataTable))
        assert not CONTROL.search(text)
        assert "[bold red]x[/]" in text and "[link=http://evil]click[/link]" in text


# -- dashboard ---------------------------------------------------------------------------------------------
def seed_dashboard(cfg: Config) -> None:
    """Six alerts at hours 0..5 of 2026-11-24 UTC, one acknowledged, one resolved, an open case; fixed ``created``."""
    db = StateDB(cfg.data_dir / "state.db")
    for n in range(6):
        db.upsert_alert(make_alert(n, system=("Cổng dịch vụ công", "Cổng thông tin [bold]x[/]")[n % 2]))
    db.update_alert("alert-02", actor="x", status="acknowledged")
    db.update_alert("alert-03", actor="x", status="resolved", resolution="benign")
    cases.create(db, "Dò quét SQLi", "analyst1", ["alert-05"])
    db.con.execute("UPDATE alerts SET created = '2026-11-24T0' || substr(id, 8, 1) || ':45:00.000000Z'")
    db.close()


def test_dashboard_figures(tmp_path: Path) -> None:
    cfg = from_dict({"province": {"name": "T"}}, data_dir=tmp_path / "data")
    seed_dashboard(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    dash = load(db, NOW)
    db.close()
    assert dash.per_hour[-7:] == [1, 1, 1, 1, 1, 1, 0] and sum(dash.per_hour) == 6
    assert dash.by_level == [("critical", 1, 0), ("high", 1, 1), ("medium", 2, 2), ("low", 2, 2)]
    assert dash.by_system == [("Cổng dịch vụ công", 3, 3), ("Cổng thông tin [bold]x[/]", 3, 2)]
    assert dash.open_cases == 1 and dash.total == 6
    assert dash.oldest_new["id"] == "alert-00" and age_text(dash.oldest_new["age"]) == "5h 25m"
    assert age_text(timedelta(days=2, hours=3)) == "2d 3h" and age_text(timedelta(minutes=7)) == "7m"


async def test_dashboard_screen(tmp_path: Path) -> None:
    cfg = from_dict({"province": {"name": "T"}}, data_dir=tmp_path / "data")
    seed_dashboard(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert sum(app.screen.query_one(Sparkline).data) == sum(app.screen.data.per_hour)
        assert "Cổng thông tin [bold]x[/]" in rendered(app.screen.query_one("#dash-systems"))
        assert "Open cases: 1" in rendered(app.screen.query_one("#dash-summary"))
        await pilot.press("escape", "ctrl+t")
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert "Vụ việc đang mở: 1" in rendered(app.screen.query_one("#dash-summary"))
        assert "Mức độ" in rendered(app.screen.query_one("#dash-levels"))


@pytest.mark.skipif(
    importlib.util.find_spec("pytest_textual_snapshot") is None,
    reason="pytest-textual-snapshot is not installed",
)
def test_dashboard_snapshot(tmp_path: Path, snap_compare) -> None:
    cfg = from_dict({"province": {"name": "Tỉnh Thử nghiệm"}}, data_dir=tmp_path / "data")
    seed_dashboard(cfg)
    app = SocApp(cfg, refresh_seconds=0)

    async def open_dashboard(pilot) -> None:
        await settle(pilot)
        app.push_screen(DashboardScreen(app.source, app.zone, now=NOW))
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 32), run_before=open_dashboard)
