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
    # indicators of compromise (national warnings)
    "Indicators": "Chỉ dấu tấn công", "Next warning": "Cảnh báo tiếp theo", "Kind": "Loại",
    "Indicator": "Chỉ dấu", "Warning": "Văn bản cảnh báo", "TLP": "TLP", "Valid until": "Hiệu lực đến",
    "expired": "hết hiệu lực", "Indicator of compromise": "Chỉ dấu tấn công", "named by warning": "nêu tại cảnh báo",
    "ip": "địa chỉ IP", "domain": "tên miền", "url": "URL", "hash": "mã băm", "email": "thư điện tử",
    "   [l] level  [s] status  [/] filter": "   [l] mức độ  [s] trạng thái  [/] bộ lọc", "no alerts": "không có cảnh báo",
    # queue columns' short headers, filter box, notices
    "Pri": "ƯT", "Clock": "Thời hạn",
    "rule:… system:… assignee:me|none from:24h to:2026-11-24 words  (Enter apply, Escape close)":
        "rule:… system:… assignee:me|none from:24h to:2026-11-24 từ khoá  (Enter áp dụng, Escape đóng)",
    "Cannot read events": "Không đọc được sự kiện", "Cannot read alerts: {error}": "Không đọc được cảnh báo: {error}",
    "Filter not applied: {error}": "Chưa áp dụng bộ lọc: {error}",
    "Title of the new case ({n} alerts)": "Tiêu đề vụ việc mới ({n} cảnh báo)",
    "Case not created: {error}": "Chưa tạo được vụ việc: {error}",
    "Case {id} created with {n} alerts.": "Đã tạo vụ việc {id} gồm {n} cảnh báo.",
    "Unknown timezone {zone} in the config; showing times in {default}.":
        "Múi giờ {zone} trong cấu hình không hợp lệ; hiển thị giờ theo {default}.",
    # triage actions and forms
    "Assign to (empty: unassign)": "Giao cho (để trống: bỏ giao)", "Not saved: {error}": "Chưa lưu: {error}",
    "Suppression {id}: {field} = {value}": "Loại trừ {id}: {field} = {value}",
    "Note not saved: {error}": "Chưa lưu ghi chú: {error}",
    "A scan added events to this alert": "Lần quét đã thêm sự kiện vào cảnh báo này",
    "Changed by someone else": "Người khác đã thay đổi", "Changed by someone else ({who})": "{who} đã thay đổi",
    "{who}; now {status}. Reloaded, nothing overwritten. Press the key again to apply.":
        "{who}; hiện là {status}. Đã tải lại, không ghi đè gì. Bấm phím lần nữa để áp dụng.",
    "Alert changed": "Cảnh báo đã thay đổi",
    "Not revealed (the audit trail could not be written): {error}":
        "Chưa hiện (không ghi được nhật ký thay đổi): {error}",
    "Markdown · Ctrl+S save · Escape cancel": "Markdown · Ctrl+S lưu · Escape huỷ",
    "Save note": "Lưu ghi chú", "Cancel": "Huỷ", "Save suppression": "Lưu loại trừ",
    "Up": "Lên", "Down": "Xuống", "Page up": "Trang trước", "Page down": "Trang sau",
    # keys every Textual screen and scrolling view has (listed by help and the command palette)
    "palette": "bảng lệnh", "Copy selected text": "Sao chép đoạn đã chọn", "Focus Next": "Ô tiếp theo", "Focus Previous": "Ô trước",
    "Page Up": "Trang trước", "Page Down": "Trang sau", "Page Left": "Sang trái một trang",
    "Page Right": "Sang phải một trang", "Scroll Up": "Cuộn lên", "Scroll Down": "Cuộn xuống",
    "Scroll Left": "Cuộn sang trái", "Scroll Right": "Cuộn sang phải", "Scroll Home": "Cuộn lên đầu",
    "Scroll End": "Cuộn xuống cuối",
    "Escape closes this help.": "Escape để đóng trợ giúp.", "(Enter search)": "(Enter để tìm)",
    # cases
    "This case no longer exists.": "Vụ việc này không còn nữa.",
    "Changed by someone else; now {status}. Reloaded, nothing overwritten.":
        "Người khác đã thay đổi; hiện là {status}. Đã tải lại, không ghi đè gì.",
    "Note on case {id}": "Ghi chú về vụ việc {id}",
    "Highlight an alert row to remove it.": "Hãy chọn một dòng cảnh báo để bỏ khỏi vụ việc.",
    "Severity {level} · Status {status} · {n} alerts · by {author}":
        "Mức độ {level} · Trạng thái {status} · {n} cảnh báo · người lập {author}",
    # pivot and dashboard
    "Pivot on": "Truy vết theo", "±{n} min   [tab] field  [+/-] window": "±{n} phút   [tab] trường  [+/-] khoảng",
    "This alert has no value to pivot on.": "Cảnh báo này không có giá trị nào để truy vết.",
    "Pivot failed: {error}": "Truy vết lỗi: {error}",
    "{n} events · {m} other alerts": "{n} sự kiện · {m} cảnh báo khác", "max {n}/h": "tối đa {n}/giờ",
    # spans of time: response clocks, the dashboard's oldest alert
    "{n} min": "{n} phút", "{n} h": "{n} giờ", "{n} d": "{n} ngày", "{span} left": "còn {span}",
    "{span} overdue": "quá hạn {span}", "{d}d {h}h": "{d} ngày {h} giờ", "{h}h {m}m": "{h} giờ {m} phút",
    "{m}m": "{m} phút",
    # sentences of the audit trail and the case timeline ({who} is the actor)
    "{who} changed status: {a} → {b}": "{who} chuyển trạng thái: {a} → {b}",
    "{who} assigned the alert to {b}": "{who} giao cảnh báo cho {b}",
    "{who} unassigned the alert": "{who} bỏ giao cảnh báo",
    "The scan recorded the alert ({b})": "Lần quét ghi nhận cảnh báo ({b})",
    "{who} added a note": "{who} thêm ghi chú", "{who} noted: {b}": "{who} ghi chú: {b}",
    "{who} revealed personal data ({b} events)": "{who} xem dữ liệu cá nhân ({b} sự kiện)",
    "{who} opened the case “{a}”, severity {b}": "{who} mở vụ việc “{a}”, mức độ {b}",
    "{who} updated the case: {b}": "{who} cập nhật vụ việc: {b}",
    "{who} added {b} alert(s) to the case": "{who} thêm {b} cảnh báo vào vụ việc",
    "{who} removed {b} alert(s) from the case": "{who} bỏ {b} cảnh báo khỏi vụ việc",
    "{who} suppressed {a} = {b}": "{who} loại trừ {a} = {b}", "{who} removed the suppression": "{who} xoá loại trừ",
    "Alert: {a} (level {b})": "Cảnh báo: {a} (mức {b})", "times in {a}": "giờ theo {a}",
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
