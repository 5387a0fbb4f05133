"""Pilot tests of the analyst's desk (issue 17) against a real state database: the audit trail and case timeline
as sentences (vi and en), the suppression form keeping what was typed and naming what is missing, the status
picker, cases taking up new alerts (audited), the queue's case column and the incident report from a case."""

from __future__ import annotations

from pathlib import Path

from test_tui import goto, notifications, pick_status, rendered, settle, table_ids, until
from test_tui_screens import seed_alerts, tcfg_
from textual.widgets import OptionList

from soc.commands.desk import case_report_writer
from soc.config import Config, from_dict
from soc.store.state import StateDB
from soc.triage import cases, suppressions
from soc.tui.app import SocApp
from soc.tui.screens.alert import AlertScreen
from soc.tui.screens.cases import CaseScreen
from soc.tui.screens.forms import PromptModal, StatusPicker, SuppressModal
from soc.tui.widgets.alert_grid import AlertGrid
from soc.tui.widgets.filter_bar import FilterBar


def vi_cfg(tmp_path: Path) -> Config:
    return from_dict({"province": {"name": "Tỉnh Thử nghiệm"}, "analyst": "Nguyễn Văn A", "tui": {"language": "vi"}},
                     data_dir=tmp_path / "data")


async def test_audit_and_case_timeline_read_as_sentences_in_vietnamese(tmp_path: Path) -> None:
    cfg = vi_cfg(tmp_path)
    seed_alerts(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    case = cases.create(db, "Tấn công SQLi", "Nguyễn Văn A", ["alert-03"])
    cases.update(db, case, "Nguyễn Văn A", status="in_progress")
    db.close()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        await goto(pilot, "alert-03")
        await pilot.press("a", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AlertScreen)
        audit = rendered(app.screen.query_one("#page-audit"))
        assert "Nguyễn Văn A chuyển trạng thái: mới → đã tiếp nhận" in audit and "+07" in audit
        assert "giờ theo Asia/Ho_Chi_Minh" in audit
        assert "{" not in audit and '"status":' not in audit and "'status'" not in audit
        await pilot.press("ctrl+t")  # English now
        await settle(pilot)
        assert "Nguyễn Văn A changed status: new → acknowledged" in rendered(app.screen.query_one("#page-audit"))
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("escape", "C", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Trạng thái đang xử lý · 1 cảnh báo" in rendered(app.screen.query_one("#case-head"))
        timeline = rendered(app.screen.query_one("#case-timeline"))
        assert "Nguyễn Văn A mở vụ việc “Tấn công SQLi”" in timeline
        assert "Nguyễn Văn A cập nhật vụ việc: trạng thái đang mở → đang xử lý" in timeline
        assert "Cảnh báo: Rule number 3" in timeline
        assert "{" not in timeline and '"status":' not in timeline
        await pilot.press("ctrl+t")
        await settle(pilot)
        timeline = rendered(app.screen.query_one("#case-timeline"))
        assert "Nguyễn Văn A updated the case: status open → in progress" in timeline


async def test_suppression_form_keeps_what_was_typed_and_names_the_missing_reason(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SuppressModal)
        text = "\n".join(rendered(w) for w in form.query("Label"))
        assert "Suppress rule: Rule number 5" in text and "(rule-2)" in text
        for label in ("Field", "Value", "Reason (required)", "Expires after days (empty: never)"):
            assert label in text
        form.query_one("#sup-days").value = "7"
        await pilot.press("ctrl+s")  # no reason typed
        await settle(pilot)
        assert app.screen is form  # still open, as typed
        assert form.query_one("#sup-value").value == "10.0.0.5" and form.query_one("#sup-days").value == "7"
        assert "the reason is missing" in rendered(form.query_one("#sup-error"))
        assert any("the reason is missing" in m for m in notifications(app))
        assert form.focused is form.query_one("#sup-reason")
        await pilot.press(*"quét nội bộ", "ctrl+s")
        await settle(pilot)
        assert any("Suppression 1: source.ip = 10.0.0.5" in m for m in notifications(app))
    db = StateDB(cfg.data_dir / "state.db")
    assert [(s["reason"], s["value"]) for s in suppressions.active(db)] == [("quét nội bộ", "10.0.0.5")]
    db.close()


async def test_status_picker_lists_statuses_in_the_language_and_sets_the_filter(tmp_path: Path) -> None:
    cfg = vi_cfg(tmp_path)
    seed_alerts(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    db.update_alert("alert-02", actor="someone", status="escalated")
    db.close()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, StatusPicker)
        options = app.screen.query_one(OptionList)
        listed = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert listed == ["Đang mở (mới, đã tiếp nhận, đang xử lý, đã chuyển cấp trên)", "mới", "đã tiếp nhận",
                          "đang xử lý", "đã chuyển cấp trên", "đã xử lý xong", "đã loại trừ", "tất cả"]
        assert options.highlighted == 0  # the current filter
        await pilot.press("escape")  # nothing changes
        await settle(pilot)
        assert app.screen.query_one(FilterBar).status == "open"
        await pick_status(pilot, "escalated")
        assert app.screen.query_one(FilterBar).status == "escalated"
        assert table_ids(app) == ["alert-02"]
        assert "đã chuyển cấp trên" in rendered(app.screen.query_one(FilterBar))


async def test_case_from_marked_alerts_takes_them_up_and_the_queue_shows_the_case(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    db.update_alert("alert-04", actor="someone", status="escalated")
    db.close()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "c")  # alert-05 (new) and alert-04 (escalated)
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"Quét cổng", "enter")
        grid = app.screen.query_one(AlertGrid)
        await until(pilot, lambda: "#1" in rendered(grid))
        shown = rendered(grid)
        assert "Case" in shown.splitlines()[0]
        assert [line.split()[-1] for line in shown.splitlines()[1:3]] == ["#1", "#1"]
        assert "#1" not in shown.splitlines()[3]
    db = StateDB(cfg.data_dir / "state.db")
    assert db.alert("alert-05")["status"] == "in_progress" and db.alert("alert-04")["status"] == "escalated"
    trail = db.audit_trail("alert-05")
    assert [(t["actor"], t["before"]["status"], t["after"]["status"]) for t in trail] == [
        ("analyst1", "new", "in_progress")]
    assert db.audit_trail("alert-04")[-1]["actor"] == "someone"
    assert db.case_ids_of(["alert-05", "alert-04", "alert-03"]) == {"alert-05": [1], "alert-04": [1]}
    db.close()


async def test_adding_to_a_case_through_the_desk_takes_up_new_alerts(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        case = app.source.create_case("Vụ 1", ["alert-01"])
        assert app.source.add_to_case(case["id"], ["alert-02", "alert-01"]) == ["alert-02"]
    db = StateDB(cfg.data_dir / "state.db")
    assert {a: db.alert(a)["status"] for a in ("alert-01", "alert-02", "alert-03")} == {
        "alert-01": "in_progress", "alert-02": "in_progress", "alert-03": "new"}
    assert [t["actor"] for t in db.audit_trail("alert-02")] == ["analyst1"]
    db.close()


async def test_case_screen_writes_the_incident_report(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    cases.create(db, "Tấn công SQLi", "analyst1", ["alert-03", "alert-05"])
    db.close()
    app = SocApp(cfg, refresh_seconds=0, report_writer=case_report_writer(cfg))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("C", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("w")
        await until(pilot, lambda: any("Incident report written" in m for m in notifications(app)), timeout=60)
        message = next(m for m in notifications(app) if "Incident report written" in m)
    written = sorted((cfg.data_dir / "reports").iterdir())
    assert written and all(p.stat().st_size > 0 for p in written)
    assert {p.suffix for p in written} >= {".docx", ".md"}
    assert all(str(p) in message for p in written if p.suffix in (".docx", ".md"))


async def test_case_screen_without_a_report_writer_says_so(tmp_path: Path) -> None:
    cfg = tcfg_(tmp_path)
    seed_alerts(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    cases.create(db, "Vụ", "analyst1", ["alert-03"])
    db.close()
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("C", "enter", "w")
        await settle(pilot)
        assert any("cannot write reports" in m for m in notifications(app))
    assert not (cfg.data_dir / "reports").exists()
