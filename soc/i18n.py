"""The words shown to analysts and officials, English as the source text and Vietnamese beside it: one catalogue
for the TUI (and, as they move here, the reports). Display only: never decides anything."""

from __future__ import annotations

VI = {
    "Quit": "Thoát", "Help": "Trợ giúp", "Acknowledge": "Tiếp nhận", "In progress": "Đang xử lý",
    "Escalate": "Chuyển cấp trên", "Resolve": "Đã xử lý (đúng)", "False positive": "Cảnh báo nhầm",
    "Benign": "Vô hại", "Reopen": "Mở lại", "Assign to me / unassign": "Nhận về tôi / bỏ giao",
    "Assign to…": "Giao cho…", "Note": "Ghi chú", "Suppress…": "Loại trừ…", "Pivot": "Truy vết",
    "Open alert": "Mở cảnh báo", "Level filter": "Lọc mức độ", "Status filter": "Lọc trạng thái",
    "Filter…": "Bộ lọc…", "Clear marks": "Bỏ chọn", "Case from marked": "Tạo vụ việc", "Refresh": "Làm mới",
    "Mark for bulk action": "Chọn nhiều", "Sort column": "Sắp xếp", "Reverse sort": "Đảo thứ tự",
    "Cases": "Vụ việc", "Suppressions": "Loại trừ", "Language": "Ngôn ngữ", "Back": "Quay lại",
    "Reveal personal data (audited)": "Hiện dữ liệu cá nhân (ghi nhật ký)", "Open case": "Mở vụ việc",
    "Next status": "Trạng thái tiếp", "Remove alert from case": "Bỏ cảnh báo khỏi vụ việc",
    "Remove suppression": "Xoá loại trừ", "Next field": "Trường tiếp", "Wider window": "Mở rộng khoảng",
    "Narrower window": "Thu hẹp khoảng", "Close help": "Đóng trợ giúp", "Keys": "Phím",
    # search and dashboard
    "Search events": "Tìm sự kiện", "Search…": "Tìm…", "Dashboard": "Tổng quan", "Time": "Thời gian",
    "Dataset": "Nguồn dữ liệu", "Source IP": "IP nguồn", "User": "Người dùng", "URL / message": "URL / thông điệp",
    "Event": "Sự kiện", "Searching…": "Đang tìm…", "Query not run": "Không chạy được truy vấn",
    "Search failed": "Tìm kiếm lỗi", "{n} events": "{n} sự kiện",
    "first {n} events (more match; narrow the query)": "{n} sự kiện đầu tiên (còn nữa; hãy thu hẹp truy vấn)",
    "No event is highlighted.": "Chưa chọn sự kiện nào.",
    "This event has no source IP or user to pivot on.": "Sự kiện này không có IP nguồn hay người dùng để truy vết.",
    "Level": "Mức độ", "All": "Tất cả", "Open": "Đang mở", "System": "Hệ thống",
    "Alerts per hour, last 24 h": "Cảnh báo theo giờ, 24 giờ qua", "Open cases": "Vụ việc đang mở",
    "Alerts": "Cảnh báo", "Oldest unacknowledged alert": "Cảnh báo chưa tiếp nhận lâu nhất", "none": "không có",
    "Cannot read alerts": "Không đọc được cảnh báo",
    # queue columns and notifications
    "Last seen": "Thấy lần cuối", "Rule": "Quy tắc", "Source": "Nguồn", "Status": "Trạng thái",
    "Assignee": "Người xử lý", "No alert is highlighted.": "Chưa chọn cảnh báo nào.", "Note saved.": "Đã lưu ghi chú.",
    "This alert no longer exists; reloaded.": "Cảnh báo này không còn nữa; đã tải lại.",
    "Case": "Vụ việc",
    # history, the status picker, the suppression form, the case report
    "Audit trail": "Nhật ký thay đổi", "No change recorded yet.": "Chưa có thay đổi nào.",
    "Timeline": "Diễn biến", "What happened": "Diễn biến",
    "Show alerts with status": "Hiện cảnh báo có trạng thái", "Choose status…": "Chọn trạng thái…",
    "Open (new, acknowledged, in progress, escalated)": "Đang mở (mới, đã tiếp nhận, đang xử lý, đã chuyển cấp trên)",
    "Suppress rule": "Loại trừ quy tắc", "Field": "Trường", "Value": "Giá trị",
    "Reason (required)": "Lý do (bắt buộc)", "Expires after days (empty: never)": "Hết hạn sau số ngày (để trống: không hết hạn)",
    "Ctrl+S save · Escape cancel": "Ctrl+S lưu · Escape huỷ", "Enter accept · Escape cancel": "Enter chọn · Escape huỷ",
    "Not saved: the reason is missing. Say why these alerts are expected.":
        "Chưa lưu: thiếu lý do. Hãy ghi vì sao các cảnh báo này là bình thường.",
    "Not saved: the value is missing.": "Chưa lưu: thiếu giá trị.",
    "Not saved: choose a field.": "Chưa lưu: hãy chọn trường.",
    "Not saved: expiry must be a number of days, e.g. 30 (empty: never).":
        "Chưa lưu: thời hạn phải là số ngày, ví dụ 30 (để trống: không hết hạn).",
    "Write incident report": "Viết báo cáo sự cố", "Writing the incident report…": "Đang viết báo cáo sự cố…",
    "Incident report written: {paths}": "Đã viết báo cáo sự cố: {paths}",
    "Incident report not written: {error}": "Không viết được báo cáo sự cố: {error}",
    "This desk cannot write reports (started without a report writer).":
        "Bàn làm việc này không viết được báo cáo (không có bộ viết báo cáo).",
    # alert detail
    "Tags": "Nhãn", "Events": "Số sự kiện", "Description": "Mô tả", "Host": "Máy chủ", "First seen": "Thấy lần đầu",
    "Resolution": "Kết quả xử lý", "First": "Lần đầu", "Last": "Lần cuối", "Group key": "Khoá gộp",
    "Alert id": "Mã cảnh báo", "version": "phiên bản",
    "No alert selected. Change the filters (l / s / /) or refresh (R).":
        "Chưa chọn cảnh báo. Đổi bộ lọc (l / s / /) hoặc làm mới (R).",
    "Loading events…": "Đang tải sự kiện…", "This alert lists no events.": "Cảnh báo này không có sự kiện nào.",
    "Matched events: {n} of {total} shown": "Sự kiện khớp: hiện {n} trên {total}",
    "None of them is in the event store (retention or another data directory).":
        "Không sự kiện nào còn trong kho sự kiện (hết hạn lưu giữ hoặc thư mục dữ liệu khác).",
    "(no original line)": "(không có bản ghi gốc)",
    "Matched events": "Sự kiện khớp", "events": "sự kiện", "alert not found": "không tìm thấy cảnh báo",
    "No notes. Press m to write one.": "Chưa có ghi chú. Bấm m để viết.",
    "No matched event is in the event store.": "Không sự kiện khớp nào còn trong kho sự kiện.",
    "Loading…": "Đang tải…", "Notes": "Ghi chú", "Cannot read the alert": "Không đọc được cảnh báo",
    "Note on": "Ghi chú về", "assigned to": "đã giao cho", "nobody": "không ai", "{n} alerts changed.": "Đã đổi {n} cảnh báo.",
    # case and suppression lists
    "Title": "Tiêu đề", "Severity": "Mức độ", "Systems": "Hệ thống", "Updated": "Cập nhật", "Reason": "Lý do",
    "Author": "Người lập", "Expires": "Hết hạn", "never": "không hết hạn",
    # filter bar and queue header
    "all": "tất cả", "{n} shown of {total}": "hiện {n} trên {total}", "{n} marked": "đã chọn {n}",
    "   [l] level  [s] status  [/] filter": "   [l] mức độ  [s] trạng thái  [/] bộ lọc", "no alerts": "không có cảnh báo",
}
# Levels and statuses: the same words in the TUI and in the reports (soc.report.words imports these).
LEVEL_VI = {
    "critical": "Nghiêm trọng",
    "high": "Cao",
    "medium": "Trung bình",
    "low": "Thấp",
    "informational": "Thông tin",
}
STATUS_VI = {
    "new": "Mới",
    "acknowledged": "Đã tiếp nhận",
    "in_progress": "Đang xử lý",
    "escalated": "Đã chuyển cấp trên",
    "resolved": "Đã xử lý xong",
    "suppressed": "Đã loại trừ",
    "open": "Đang mở",
    "closed": "Đã đóng",
}
RESOLUTION_VI = {
    "true_positive": "Tấn công thật",
    "false_positive": "Cảnh báo nhầm",
    "benign": "Vô hại",
}


def tr(text: str, lang: str) -> str:
    return VI.get(text, text) if lang == "vi" else text


def level_word(level: object, lang: str = "vi") -> str:
    """``high`` → ``Cao`` (vi); the stored word in English; anything unknown as it is."""
    text = "" if level is None else str(level)
    return LEVEL_VI.get(text, text) if lang == "vi" else text


def status_word(status: object, lang: str = "vi") -> str:
    """``new`` → ``Mới`` (vi); the stored word in English; anything unknown as it is."""
    text = "" if status is None else str(status)
    return STATUS_VI.get(text, text) if lang == "vi" else text


def resolution_word(resolution: object, lang: str = "vi") -> str:
    """``false_positive`` → ``Cảnh báo nhầm`` (vi); the stored word in English; anything unknown as it is."""
    text = "" if resolution is None else str(resolution)
    return RESOLUTION_VI.get(text, text) if lang == "vi" else text
