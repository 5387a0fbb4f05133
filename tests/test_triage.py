"""Triage over a real state database: workflow with audit, notes, cases, suppressions applied by a real scan of
really ingested nginx lines, and migration of an existing state.db."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_tui import make_alert

from soc.config import Config, from_dict
from soc.enrich.pipeline import ingest_paths
from soc.store.state import ConflictError, StateDB
from soc.triage import cases, suppressions, workflow
from soc.triage.intake import scan as run_scan
from soc.triage.queue import listing

SQLI_RULE = "4a6c3d97-8e5b-4d4c-9a3a-7b2c5f9e4d88"
UA = '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"'


@pytest.fixture
def db(tmp_path: Path):
    state = StateDB(tmp_path / "state.db")
    for n in range(4):
        state.upsert_alert(make_alert(n, system=f"System {n % 2}"))
    yield state
    state.close()


def test_workflow_resolution_conflict_and_audit(db: StateDB) -> None:
    alert = db.alert("alert-01")
    with pytest.raises(ValueError, match="needs a resolution"):
        workflow.set_status(db, alert, "an", "resolved")
    ack = workflow.set_status(db, alert, "an", "acknowledged")
    with pytest.raises(ConflictError) as exc:
        workflow.set_status(db, alert, "bo", "in_progress")  # stale version 1
    assert exc.value.current["status"] == "acknowledged"
    done = workflow.set_status(db, ack, "an", "resolved", "benign")
    assert (done["status"], done["resolution"]) == ("resolved", "benign")
    reopened = workflow.set_status(db, done, "an", "new", "benign")
    assert reopened["resolution"] is None  # a resolution only belongs to a resolved alert
    assigned = workflow.assign(db, reopened, "an", "bo")
    assert assigned["assignee"] == "bo"
    trail = db.audit_trail("alert-01")
    assert [(t["actor"], t["before"], t["after"]) for t in trail][-1] == ("an", {"assignee": None}, {"assignee": "bo"})
    assert [t["after"].get("status") for t in trail[:3]] == ["acknowledged", "resolved", "new"]


def test_notes_are_markdown_text_and_audited(db: StateDB) -> None:
    with pytest.raises(ValueError, match="empty"):
        workflow.add_note(db, "alert", "alert-02", "an", "   ")
    workflow.add_note(db, "alert", "alert-02", "an", "**Đã gọi** chủ hệ thống\n- chặn IP")
    notes = workflow.notes(db, "alert", "alert-02")
    assert [n["body"] for n in notes] == ["**Đã gọi** chủ hệ thống\n- chặn IP"]
    assert db.audit_trail("alert-02")[-1]["action"] == "note"


def test_cases_from_alerts_with_timeline(db: StateDB) -> None:
    case = cases.create(db, "Tấn công cổng thông tin", "an", ["alert-00", "alert-01"])
    assert case["severity"] == "medium" and case["status"] == "open"  # highest of low, medium
    assert case["alert_ids"] == ["alert-00", "alert-01"] and case["systems"] == ["System 0", "System 1"]
    assert cases.add_alerts(db, case["id"], ["alert-01", "alert-03"], "bo") == ["alert-03"]
    with pytest.raises(KeyError):
        cases.add_alerts(db, case["id"], ["nope"], "bo")
    assert cases.remove_alerts(db, case["id"], ["alert-00"], "bo") == 1
    case = cases.get(db, case["id"])
    assert case["alert_ids"] == ["alert-01", "alert-03"] and case["systems"] == ["System 1"]
    updated = cases.update(db, case, "an", status="in_progress", severity="critical")
    with pytest.raises(ConflictError):
        cases.update(db, case, "bo", status="closed")
    workflow.add_note(db, "case", str(case["id"]), "an", "Đã báo cáo Sở")
    kinds = [i["kind"] for i in cases.timeline(db, case["id"])]
    assert kinds.count("alert") == 2 and "note" in kinds and "update" in kinds and "create" in kinds
    assert [c["id"] for c in cases.list_cases(db, ["in_progress"])] == [updated["id"]]
    assert cases.list_cases(db)[0]["alert_count"] == 2


def test_suppression_rules(db: StateDB) -> None:
    with pytest.raises(ValueError, match="cannot suppress"):
        suppressions.create(db, "rule-1", "url.path", "/", "x", "an")
    with pytest.raises(ValueError, match="reason"):
        suppressions.create(db, "rule-1", "source.ip", "10.0.0.1", " ", "an")
    old = suppressions.create(db, "rule-1", "source.ip", "10.0.0.1", "scanner", "an", days=-1)
    assert suppressions.active(db) == []  # already expired
    s = suppressions.create(db, "*", "source.ip", "10.0.0.1", "máy quét nội bộ", "an", days=30)
    assert suppressions.matching(make_alert(1), suppressions.active(db))["id"] == s["id"]
    assert suppressions.matching(make_alert(2), suppressions.active(db)) is None
    suppressions.remove(db, s["id"], "bo")
    assert suppressions.active(db) == [] and old["id"] != s["id"]
    assert [t["action"] for t in db.audit_trail(str(s["id"]))] == ["create", "remove"]


def _sqli_log(path: Path, ips: list[str]) -> Path:
    lines = [
        f'{ip} - - [24/Nov/2026:10:00:0{k} +0700] "GET /tin-tuc?id=1%20UNION%20SELECT%20a,b%20FROM%20users-- '
        f'HTTP/1.1" 200 512 "-" {UA}'
        for k, ip in enumerate(ips)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_scan_stores_matching_new_alerts_as_suppressed(tmp_path: Path) -> None:
    cfg: Config = from_dict({}, data_dir=tmp_path / "data")
    db = StateDB(cfg.data_dir / "state.db")
    suppressions.create(db, SQLI_RULE, "source.ip", "203.0.113.9", "pentest được phép", "an", days=1)
    db.close()
    ingest_paths(cfg, [_sqli_log(tmp_path / "access.log", ["203.0.113.9", "198.51.100.7"])], parser="nginx_combined")
    summary = run_scan(cfg)
    assert summary.new_alerts >= 2, summary
    db = StateDB(cfg.data_dir / "state.db")
    by_ip = {a["source_ip"]: a["status"] for a in db.alerts() if a["rule_id"] == SQLI_RULE}
    assert by_ip == {"203.0.113.9": "suppressed", "198.51.100.7": "new"}
    suppressed = next(a for a in db.alerts(listing(["suppressed"])))
    assert db.audit_trail(suppressed["id"])[0]["actor"] == "scan"
    db.close()


def test_existing_state_db_gains_triage_tables(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "state.db")
    con.execute("CREATE TABLE alerts (id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, rule_title TEXT NOT NULL, "
                "rule_level TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'new', created TEXT, updated TEXT)")
    con.execute("INSERT INTO alerts VALUES ('a', 'r', 't', 'low', 'new', 'x', 'x')")
    con.commit()
    con.close()
    db = StateDB(tmp_path / "state.db")
    tables = {r[0] for r in db.con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"cases", "case_alerts", "notes", "suppressions", "audit"} <= tables
    assert db.status_counts() == {"new": 1}
    db.close()
