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
    "Last seen": "Thấy lần cuối", "Rule": "Luật", "Source": "Nguồn", "Status": "Trạng thái",
    "Assignee": "Người xử lý", "No alert is highlighted.": "Chưa chọn cảnh báo nào.", "Note saved.": "Đã lưu ghi chú.",
    "This alert no longer exists; reloaded.": "Cảnh báo này không còn nữa; đã tải lại.",
}


def tr(text: str, lang: str) -> str:
    return VI.get(text, text) if lang == "vi" else text
