"""Readable history: audit rows and case-timeline items as sentences in Vietnamese and English, read back from a
real state database (never a dict, never JSON), times in the configured zone with the zone labelled."""

from __future__ import annotations

from pathlib import Path

from test_tui import make_alert

from soc.store.state import StateDB
from soc.triage import cases, suppressions, workflow
from soc.triage.history import audit_lines, audit_sentence, status_word, timeline_sentence, when, zone_label

ZONE = "Asia/Ho_Chi_Minh"


def _db(tmp_path: Path) -> StateDB:
    db = StateDB(tmp_path / "state.db")
    for n in range(3):
        db.upsert_alert(make_alert(n))
    return db


def test_status_change_as_a_sentence_in_both_languages(tmp_path: Path) -> None:
    db = _db(tmp_path)
    alert = db.alert("alert-01")
    alert = workflow.set_status(db, alert, "Nguyễn Văn A", "in_progress")
    alert = workflow.set_status(db, alert, "Nguyễn Văn A", "resolved", "false_positive")
    workflow.assign(db, alert, "Nguyễn Văn A", "Trần Thị B")
    trail = db.audit_trail("alert-01")
    vi = [audit_sentence(r, "vi") for r in trail]
    en = [audit_sentence(r, "en") for r in trail]
    assert vi == ["Nguyễn Văn A chuyển trạng thái: mới → đang xử lý",
                  "Nguyễn Văn A chuyển trạng thái: đang xử lý → đã xử lý xong (cảnh báo nhầm)",
                  "Nguyễn Văn A giao cảnh báo cho Trần Thị B"]
    assert en == ["Nguyễn Văn A changed status: new → in progress",
                  "Nguyễn Văn A changed status: in progress → resolved (false positive)",
                  "Nguyễn Văn A assigned the alert to Trần Thị B"]
    db.close()


def test_notes_reveals_suppressions_and_unknown_actions_have_no_braces(tmp_path: Path) -> None:
    db = _db(tmp_path)
    workflow.add_note(db, "alert", "alert-02", "an", "chặn IP")
    workflow.record(db, "an", "alert", "alert-02", "reveal_pii", {"events": 2})
    workflow.record(db, "an", "alert", "alert-02", "exported", {"to": ["x.csv"], "rows": 3})
    sup = suppressions.create(db, "rule-2", "source.ip", "10.0.0.2", "quét nội bộ", "an", days=30)
    suppressions.remove(db, sup["id"], "an")
    rows = db.audit_trail("alert-02") + db.audit_trail(str(sup["id"]), object_type="suppression")
    for lang in ("vi", "en"):
        for row in rows:
            text = audit_sentence(row, lang)
            assert "{" not in text and '"' not in text and "'" not in text, text
    assert [audit_sentence(r, "vi") for r in rows] == [
        "an thêm ghi chú", "an xem dữ liệu cá nhân (2 sự kiện)", "an: exported to x.csv, rows 3",
        "an loại trừ source.ip = 10.0.0.2", "an xoá loại trừ"]
    assert audit_sentence(rows[1], "en") == "an revealed personal data (2 events)"
    db.close()


def test_case_timeline_as_sentences(tmp_path: Path) -> None:
    db = _db(tmp_path)
    case = cases.create(db, "Tấn công SQLi", "an", ["alert-01"])
    cases.add_alerts(db, case["id"], ["alert-02"], "an")
    case = cases.update(db, cases.get(db, case["id"]), "an", status="in_progress")
    workflow.add_note(db, "case", str(case["id"]), "an", "Đã báo cáo")
    items = cases.timeline(db, case["id"])
    vi = [timeline_sentence(i, "vi") for i in items]
    en = [timeline_sentence(i, "en") for i in items]
    assert "Cảnh báo: Rule number 1 (mức trung bình) · 10.0.0.1 · Cổng thông tin" in vi
    assert "an mở vụ việc “Tấn công SQLi”, mức độ trung bình" in vi
    assert "an thêm 1 cảnh báo vào vụ việc" in vi
    assert "an cập nhật vụ việc: trạng thái đang mở → đang xử lý" in vi
    assert "an ghi chú: Đã báo cáo" in vi
    assert "an updated the case: status open → in progress" in en
    assert "an opened the case “Tấn công SQLi”, severity medium" in en
    assert not any("{" in t or '"status":' in t for t in vi + en)
    db.close()


def test_times_are_local_and_labelled() -> None:
    assert when("2026-11-24T03:00:01.000000Z", ZONE) == "2026-11-24 10:00:01 +07"
    assert when(None, ZONE) == ""
    assert zone_label(ZONE, "vi") == "giờ theo Asia/Ho_Chi_Minh"
    row = {"at": "2026-11-24T03:00:01Z", "actor": "scan", "object_type": "alert", "action": "create",
           "before": None, "after": {"status": "new"}}
    assert audit_lines([row], ZONE, "vi") == [("2026-11-24 10:00:01 +07", "Lần quét ghi nhận cảnh báo (mới)")]
    assert status_word("in_progress", "en") == "in progress" and status_word("escalated", "vi") == "đã chuyển cấp trên"
