"""The command line's conventions through the real Typer app (CliRunner) on real data directories: --version and
-h, case-insensitive choices, the default report period, read commands that never create a data directory,
``soc cases list|show`` and ``soc alerts set-status`` (audited compare-and-set, as the TUI)."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_tui import make_alert
from typer.testing import CliRunner

from soc.cli import app
from soc.store.state import StateDB
from soc.triage import cases, workflow

HOSTILE = "[bold red]x[/] \x1b]0;pwned\x07 \x1b[31mred"


def run(data: Path | None, *args: str):
    """``soc [--data-dir DATA] ARGS`` with no SOC_* variable of the caller's environment."""
    env = {"SOC_DATA_DIR": None, "SOC_CONFIG": None, "SOC_ANALYST": None, "SOC_TIMEZONE": None}
    head = ["--data-dir", str(data)] if data is not None else []
    return CliRunner().invoke(app, [*head, *args], env=env)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory with its own soc.toml (analyst1), six alerts (one with a hostile title) and one case."""
    root = tmp_path / "data"
    root.mkdir()
    (root / "soc.toml").write_text('analyst = "analyst1"\n', encoding="utf-8")
    db = StateDB(root / "state.db")
    for n in range(6):
        db.upsert_alert(make_alert(n, rule_title=HOSTILE) if n == 5 else make_alert(n))
    cases.create(db, "Tấn công [b]cổng[/b] \x1b[2J", "an", ["alert-01", "alert-05"])
    db.close()
    return root


def opened(data: Path) -> closing[StateDB]:
    """The data directory's state database, closed at the end of a ``with``."""
    return closing(StateDB(data / "state.db"))


# -- 1. --version and -h --------------------------------------------------------------------------------------
def test_version_and_short_help_everywhere() -> None:
    result = run(None, "--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"soc {version('soc')}"
    for args in (["-h"], ["alerts", "-h"], ["alerts", "set-status", "-h"], ["cases", "-h"], ["cases", "show", "-h"],
                 ["report", "-h"], ["report", "periodic", "-h"], ["rules", "-h"], ["parsers", "list", "-h"],
                 ["ingest", "-h"], ["demo", "-h"]):
        result = run(None, *args)
        assert result.exit_code == 0 and "Usage" in result.stdout, args
    assert "last full month" in run(None, "report", "periodic", "-h").stdout


# -- 2. case-insensitive choices ------------------------------------------------------------------------------
def test_choices_are_case_insensitive_and_unknown_ones_list_the_choices(data: Path) -> None:
    rows = [json.loads(x) for x in run(data, "alerts", "-l", "HIGH", "--level", "Critical", "--json").stdout.splitlines()]
    assert {r["rule_level"] for r in rows} == {"high", "critical"} and len(rows) == 2
    assert len(run(data, "alerts", "--status", "New", "--json").stdout.splitlines()) == 6
    result = run(data, "alerts", "-l", "Severe")
    assert result.exit_code == 2 and "'Severe'" in result.stderr
    assert "informational, low, medium, high, critical" in result.stderr
    assert run(data, "cases", "list", "-s", "OPEN", "--json").stdout.count('"id": 1') == 1
    result = run(data, "alerts", "set-status", "alert-00", "Done")
    assert result.exit_code == 2 and "new, acknowledged, in_progress" in result.stderr
    result = run(data, "report", "periodic", "--period", "Fortnight")
    assert result.exit_code == 2 and "week, month, quarter, custom" in result.stderr
    result = run(data, "report", "periodic", "--format", "DOCX,zip")
    assert result.exit_code == 2 and "zip" in result.stderr and "docx, pdf" in result.stderr


# -- 3. the default report period -----------------------------------------------------------------------------
def last_full_month(zone: str = "Asia/Ho_Chi_Minh") -> tuple[date, date]:
    first_this = datetime.now(ZoneInfo(zone)).date().replace(day=1)
    last = first_this - timedelta(days=1)
    return last.replace(day=1), last


def test_report_periodic_without_options_is_the_last_full_month(data: Path, tmp_path: Path) -> None:
    first, last = last_full_month()
    result = run(data, "report", "periodic", "--format", "MD,Json", "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    name = f"bao-cao-giam-sat_{first.isoformat()}_{last.isoformat()}"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{name}.json", f"{name}.md"]
    result = run(data, "report", "periodic", "--period", "Month", "--format", "md", "--out-dir", str(tmp_path / "m"))
    assert result.exit_code == 0 and [p.name for p in (tmp_path / "m").iterdir()] == [f"{name}.md"]
    result = run(data, "report", "periodic", "--from", "2026-11-01", "--to", "2026-11-03", "--format", "md",
                 "--out-dir", str(tmp_path / "c"))  # --from/--to alone: custom, as before
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["bao-cao-giam-sat_2026-11-01_2026-11-03.md"]


# -- 4. read commands never create a data directory -----------------------------------------------------------
READERS = (["alerts"], ["alerts", "--json"], ["alerts", "set-status", "alert-00", "new"], ["cases", "list"],
           ["cases", "show", "1"], ["report", "periodic"], ["report", "incident", "1"], ["report", "breach", "1"],
           ["tui"])


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_read_commands_refuse_a_missing_data_dir_and_create_nothing(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "nowhere"
    result = run(missing, *args)
    assert result.exit_code == 1, result.output
    assert str(missing) in result.stderr and "soc ingest" in result.stderr and "--data-dir" in result.stderr
    assert not missing.exists()


def test_the_default_data_dir_is_not_created_either(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(None, "alerts")
    assert result.exit_code == 1 and "soc-data" in result.stderr and "soc demo" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_alerts_and_cases_refuse_a_data_dir_without_state(tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    for args in (["alerts"], ["cases", "list"], ["cases", "show", "1"], ["alerts", "set-status", "a", "new"]):
        result = run(empty, *args)
        assert result.exit_code == 1 and "holds no alerts or cases yet" in result.stderr, args
    assert list(empty.iterdir()) == []


# -- the listing keeps working as before ----------------------------------------------------------------------
def test_alerts_listing_as_before(data: Path, tmp_path: Path) -> None:
    result = run(data, "alerts", "--limit", "3")
    assert result.exit_code == 0 and "3 alert(s)" in result.stdout and "times in Asia/Ho_Chi_Minh" in result.stdout
    assert "11:30:00" in result.stdout and "04:30:00" not in result.stdout  # alert-04: 04:30 UTC, shown at +07:00
    lines = run(data, "alerts", "--json").stdout.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [f"alert-{n:02d}" for n in range(5, -1, -1)]
    assert "6 alert(s)" in run(data, "alerts", "-s", "new").stdout
    literal = run(data, "alerts", "--limit", "1").stdout
    assert "\x1b" not in literal and "\x07" not in literal and "[bold" in literal  # markup and escapes inert
    StateDB(tmp_path / "none" / "state.db").close()  # state exists, no alert in it
    result = run(tmp_path / "none", "alerts")
    assert result.exit_code == 0 and "0 alert(s)" in result.stdout


# -- 5. soc cases list | show ----------------------------------------------------------------------------------
def test_cases_list_and_show(data: Path) -> None:
    with opened(data) as db:
        created = cases.get(db, 1)["created"]
        workflow.add_note(db, "case", "1", "bo", "Đã báo cáo Sở")
    result = run(data, "cases", "list")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Tấn công" in out and "[b]cổng[/b]" in out and "\x1b" not in out and "\\x1b[2J" in out
    assert "medium" in out and "open" in out and "1 case(s)" in out and "times in Asia/Ho_Chi_Minh" in out
    local = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert local.strftime("%Y-%m-%d") in out
    (row,) = [json.loads(x) for x in run(data, "cases", "list", "--json").stdout.splitlines()]
    assert (row["id"], row["severity"], row["status"], row["alert_count"]) == (1, "medium", "open", 2)

    result = run(data, "cases", "show", "1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Case 1" in out and "alert-01" in out and "alert-05" in out and "Cổng thông tin" in out
    assert "opened the case" in out and "added 2 alert(s) to the case" in out and "Đã báo cáo Sở" in out and "bo" in out
    assert "\x1b" not in out and "\x07" not in out and "[bold red]x[/]" in out
    shown = json.loads(run(data, "cases", "show", "1", "--json").stdout)
    assert shown["case"]["alert_ids"] == ["alert-01", "alert-05"]
    assert [a["id"] for a in shown["alerts"]] == ["alert-01", "alert-05"]
    assert {"alert", "create", "add_alerts", "note"} <= {i["kind"] for i in shown["timeline"]}
    result = run(data, "cases", "show", "9")
    assert result.exit_code == 1 and "no case 9" in result.stderr



# -- 6. soc alerts set-status ---------------------------------------------------------------------------------
def test_set_status_is_an_audited_change_by_the_analyst(data: Path) -> None:
    result = run(data, "alerts", "set-status", "alert-01", "Acknowledged")
    assert result.exit_code == 0, result.output
    assert "alert-01: acknowledged by analyst1" in result.stdout
    with opened(data) as db:
        assert db.alert("alert-01")["status"] == "acknowledged"
        last = db.audit_trail("alert-01")[-1]
    assert (last["actor"], last["action"]) == ("analyst1", "update")
    assert (last["before"], last["after"]) == ({"status": "new", "resolution": None},
                                               {"status": "acknowledged", "resolution": None})

    result = run(data, "alerts", "set-status", "alert-01", "resolved")  # no resolution: usage error, no change
    assert result.exit_code == 2 and "true_positive, false_positive, benign" in result.stderr
    result = run(data, "alerts", "set-status", "alert-01", "new", "--resolution", "benign")
    assert result.exit_code == 2
    result = run(data, "alerts", "set-status", "alert-01", "RESOLVED", "-r", "False_Positive", "--note", "quét nội bộ")
    assert result.exit_code == 0, result.output
    with opened(data) as db:
        alert = db.alert("alert-01")
        assert (alert["status"], alert["resolution"]) == ("resolved", "false_positive")
        assert [(n["author"], n["body"]) for n in workflow.notes(db, "alert", "alert-01")] == [("analyst1", "quét nội bộ")]
        assert [t["action"] for t in db.audit_trail("alert-01")][-2:] == ["update", "note"]


def test_set_status_of_several_ids_lists_the_failures(data: Path) -> None:
    result = run(data, "alerts", "set-status", "alert-02", "nope", "alert-03", "in_progress")
    assert result.exit_code == 1
    assert "nope: no such alert" in result.stderr and str(data) in result.stderr
    assert "alert-02: in_progress" in result.stdout and "alert-03: in_progress" in result.stdout
    with opened(data) as db:
        assert [db.alert(a)["status"] for a in ("alert-02", "alert-03", "alert-04")] == ["in_progress",
                                                                                        "in_progress", "new"]


def test_set_status_refuses_a_stale_version(data: Path) -> None:
    seen = {r["id"]: r["version"] for r in map(json.loads, run(data, "alerts", "--json").stdout.splitlines())}
    with opened(data) as db:  # another analyst (the TUI) changes alert-04 after the script looked
        workflow.set_status(db, db.alert("alert-04"), "bo", "escalated")
    result = run(data, "alerts", "set-status", "alert-04", "resolved", "-r", "benign",
                 "--expect-version", str(seen["alert-04"]))
    assert result.exit_code == 1 and "changed by someone else" in result.stderr and "not changed" in result.stderr
    with opened(data) as db:
        alert = db.alert("alert-04")
        assert (alert["status"], alert["version"]) == ("escalated", seen["alert-04"] + 1)
        assert db.audit_trail("alert-04")[-1]["actor"] == "bo"
    result = run(data, "alerts", "set-status", "alert-04", "resolved", "-r", "benign",
                 "--expect-version", str(seen["alert-04"] + 1))
    assert result.exit_code == 0, result.output
    result = run(data, "alerts", "set-status", "alert-00", "alert-01", "new", "--expect-version", "1")
    assert result.exit_code == 2  # a version belongs to one alert
