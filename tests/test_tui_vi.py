"""The TUI in Vietnamese (issue 17): with ``[tui] language = "vi"`` no English word of the catalogue shows on the
queue, the alert page, the dashboard and the help screen; snapshots of the main screens in both languages."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.screen import Screen

import soc.tui
from soc.config import Config, from_dict
from soc.i18n import LEVEL_VI, STATUS_VI, VI
from soc.store.state import StateDB
from soc.tui.app import SocApp
from soc.tui.screens.alert import AlertScreen
from soc.tui.screens.dashboard import DashboardScreen
from soc.tui.screens.help import HelpScreen
from tests.test_tui import make_alert, rendered, settle, until, write_events
from tests.test_tui_search import NOW, seed_dashboard

# every English source word or phrase whose Vietnamese differs (placeholders cut out of templates)
ENGLISH = sorted(
    {part.strip() for en, vi in {**VI, **LEVEL_VI, **STATUS_VI}.items() if en != vi
     for part in re.split(r"\{\w+\}", en) if len(part.strip()) > 2},
    key=len, reverse=True)


def english_on(text: str) -> list[str]:
    """Catalogue English phrases that stand as whole words in ``text``."""
    return [en for en in ENGLISH if re.search(rf"(?<![\w]){re.escape(en)}(?![\w])", text)]


def cfg_for(tmp_path: Path, lang: str) -> Config:
    return from_dict({"province": {"name": "Tỉnh Thử nghiệm"}, "analyst": "analyst1",
                      "triage": {"queue_sort": "time"}, "tui": {"language": lang}}, data_dir=tmp_path / "data")


def seed_vi(cfg: Config, count: int = 4) -> None:
    db = StateDB(cfg.data_dir / "state.db")
    for n in range(count):
        db.upsert_alert(make_alert(n, rule_title_vi=f"Quy tắc số {n}", rule_description_vi="Một quy tắc thử."))
    db.update_alert("alert-02", actor="x", status="acknowledged")
    db.close()
    write_events(cfg, [(f"2026-11-24 {n:02d}:00:0{k + 1}", f"ev-{n}-{k}", "nginx.access", f"dòng {n}.{k}")
                       for n in range(count) for k in range(2)])


def screen_text(screen: Screen) -> str:
    return "\n".join(rendered(w) for w in screen.query("*") if w.display and w.size.area)


async def test_queue_in_vietnamese_shows_no_catalogue_english(tmp_path: Path) -> None:
    cfg = cfg_for(tmp_path, "vi")
    seed_vi(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: "Quy tắc số 3" in screen_text(app.screen))
        text = screen_text(app.screen)
        assert english_on(text) == [], text
        for word in ("Quy tắc", "Mức độ", "Trạng thái", "Nghiêm trọng", "Đã tiếp nhận", "Mới", "Thoát", "Trợ giúp"):
            assert word in text, word
        assert "Luật" not in text and "Rule number" not in text


async def test_ctrl_t_redraws_the_queue_in_the_other_language(tmp_path: Path) -> None:
    cfg = cfg_for(tmp_path, "en")
    seed_vi(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: "Rule number 3" in screen_text(app.screen))
        assert "Quy tắc số 3" not in screen_text(app.screen)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "Thoát" in screen_text(app.screen))
        text = screen_text(app.screen)
        assert "Quy tắc số 3" in text and english_on(text) == [], english_on(text)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "Quit" in screen_text(app.screen))
        assert "Rule number 3" in screen_text(app.screen)


async def test_alert_page_in_vietnamese_shows_no_catalogue_english(tmp_path: Path) -> None:
    cfg = cfg_for(tmp_path, "vi")
    seed_vi(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: "Quy tắc số 3" in screen_text(app.screen))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AlertScreen) and "Một quy tắc thử." in screen_text(app.screen))
        text = screen_text(app.screen)
        assert english_on(text) == [], text
        assert "Quy tắc số 3" in text and "Mức độ" in text


async def test_dashboard_and_help_in_vietnamese_show_no_catalogue_english(tmp_path: Path) -> None:
    cfg = cfg_for(tmp_path, "vi")
    seed_dashboard(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DashboardScreen(app.source, app.zone, now=NOW))
        await until(pilot, lambda: "Vụ việc đang mở" in screen_text(app.screen))
        text = screen_text(app.screen)
        assert english_on(text) == [], text
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app.screen)
        assert english_on(text) == [], text
        assert "Phím" in text


needs_snapshots = pytest.mark.skipif(importlib.util.find_spec("pytest_textual_snapshot") is None,
                                     reason="pytest-textual-snapshot is not installed")


@needs_snapshots
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_queue_snapshot_by_language(tmp_path: Path, snap_compare, lang: str) -> None:
    cfg = cfg_for(tmp_path, lang)
    seed_vi(cfg)
    assert snap_compare(SocApp(cfg, refresh_seconds=0), terminal_size=(130, 36), run_before=settle)


@needs_snapshots
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_alert_page_snapshot_by_language(tmp_path: Path, snap_compare, lang: str) -> None:
    cfg = cfg_for(tmp_path, lang)
    seed_vi(cfg)

    async def open_alert(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(SocApp(cfg, refresh_seconds=0), terminal_size=(130, 36), run_before=open_alert)


@needs_snapshots
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_dashboard_snapshot_by_language(tmp_path: Path, snap_compare, lang: str) -> None:
    cfg = cfg_for(tmp_path, lang)
    seed_dashboard(cfg)
    app = SocApp(cfg, refresh_seconds=0)

    async def open_dashboard(pilot) -> None:
        await settle(pilot)
        app.push_screen(DashboardScreen(app.source, app.zone, now=NOW))
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 32), run_before=open_dashboard)


async def test_suppression_form_and_case_list_in_vietnamese_show_no_catalogue_english(tmp_path: Path) -> None:
    from soc.tui.screens.cases import CasesScreen
    from soc.tui.screens.forms import SuppressModal

    cfg = cfg_for(tmp_path, "vi")
    seed_vi(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    db.create_case("Vụ việc thử", severity="high", actor="analyst1", alert_ids=["alert-01"])
    db.close()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: "Quy tắc số 3" in screen_text(app.screen))
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, SuppressModal))
        text = screen_text(app.screen)
        assert english_on(text) == [], text
        assert "Lý do (bắt buộc)" in text and "Quy tắc số 3" in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("C")
        await until(pilot, lambda: isinstance(app.screen, CasesScreen) and "Vụ việc thử" in screen_text(app.screen))
        text = screen_text(app.screen)
        assert english_on(text) == [], text
        assert "Tiêu đề" in text and "Cao" in text


def test_every_key_description_is_in_the_catalogue() -> None:
    """Help, footer and command palette show binding descriptions through the catalogue: each has a Vietnamese."""
    missing = set()
    for info in pkgutil.walk_packages(soc.tui.__path__, "soc.tui."):
        module = importlib.import_module(info.name)
        ours = [o for o in vars(module).values() if isinstance(o, type) and o.__module__.startswith("soc.tui")]
        for obj in ours:  # with the bindings they inherit (a Screen's, a scrolling view's)
            for binding in (b for c in obj.__mro__ for b in c.__dict__.get("BINDINGS", None) or []):
                if isinstance(binding, Binding) and binding.description and binding.description not in VI:
                    missing.add(binding.description)
    assert missing == set()
