"""The words of reports: level, status, dataset, system-type and annex-column names in Vietnamese, and the one
place that picks them for a report's language ("vi", or "en" which keeps the stored English words). Display only."""

from __future__ import annotations

# Levels, statuses and resolutions come from the one catalogue the TUI shows too (re-exported for the reports).
from soc.i18n import LEVEL_VI, RESOLUTION_VI, STATUS_VI, level_word, resolution_word, status_word  # noqa: F401

DATASET_VI = {
    "nginx.access": "Nhật ký truy cập web (nginx)",
    "system.auth": "Nhật ký xác thực máy chủ (SSH, sudo)",
}
SYSTEM_TYPE_VI = {
    "portal": "Cổng thông tin điện tử",
    "public-service": "Cổng dịch vụ công",
    "lgsp": "Nền tảng chia sẻ dữ liệu (LGSP)",
    "mail": "Thư điện tử công vụ",
    "document": "Quản lý văn bản",
    "sso": "Xác thực tập trung (SSO)",
    "server": "Máy chủ",
    "other": "Khác",
}
# Annex columns (alerts, summaries and ECS event fields) → Vietnamese headers.
COLUMN_VI = {
    "id": "Mã cảnh báo", "rule_id": "Mã quy tắc", "rule_title": "Quy tắc", "rule_title_vi": "Quy tắc (tiếng Việt)",
    "rule_level": "Mức độ", "rule_tags": "Nhãn quy tắc", "rule_description": "Mô tả quy tắc",
    "first_time": "Lần đầu", "last_time": "Lần cuối", "event_ids": "Mã sự kiện", "event_count": "Số sự kiện",
    "group_key": "Khoá gộp", "host": "Máy chủ", "system": "Hệ thống", "source_ip": "IP nguồn",
    "user_name": "Tài khoản", "status": "Trạng thái", "resolution": "Kết quả xử lý", "assignee": "Người xử lý",
    "created": "Thời điểm tạo", "updated": "Thời điểm cập nhật", "version": "Phiên bản",
    "alerts": "Số cảnh báo", "events": "Số sự kiện", "rules": "Số quy tắc", "max_level": "Mức độ cao nhất",
    "type": "Mã loại", "name": "Loại sự cố", "previous": "Kỳ trước", "change": "Chênh lệch",
    "security_level": "Cấp độ", "day": "Ngày", "total": "Tổng cộng", "dataset": "Nguồn dữ liệu",
    "share": "Tỷ lệ", "level": "Mức độ",
    "@timestamp": "Thời gian", "event.dataset": "Nguồn dữ liệu", "source.ip": "IP nguồn", "user.name": "Tài khoản",
    "url.original": "Địa chỉ URL", "soc.pii.types": "Loại dữ liệu cá nhân",
    "soc.pii.count": "Số dữ liệu cá nhân", "soc.pii.distinct": "Số chủ thể dữ liệu",
    "event.original": "Bản ghi gốc",
}
LEVEL_COLUMNS = frozenset(("rule_level", "max_level", "level"))
STATUS_COLUMNS = frozenset(("status",))
RESOLUTION_COLUMNS = frozenset(("resolution",))



def column_word(column: str, lang: str = "vi") -> str:
    """An annex column's header: Vietnamese for a known column, the column's own name in English."""
    return COLUMN_VI.get(column, column) if lang == "vi" else column


def english_words() -> frozenset[str]:
    """Every English key of the maps above: none may show in a Vietnamese table, annex or chart."""
    return frozenset((*LEVEL_VI, *STATUS_VI, *RESOLUTION_VI, *COLUMN_VI))
