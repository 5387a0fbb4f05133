"""Vietnamese Markdown rendering of :class:`~soc.report.periodic.PeriodicData`.

Everything that came from logs (rule titles, IPs, hosts, system names) goes through :func:`md_cell`, so a hostile
string can neither break a table row nor inject links or HTML.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from soc.report.periodic import PeriodicData

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
}
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

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")


def md_cell(value: object) -> str:
    """``value`` as safe Markdown table-cell text: one line, no HTML, no table/link/code syntax."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value is pd.NaT:
        return ""
    text = str(value)
    # control characters (newlines, tabs, NUL…) and Unicode line/paragraph separators become spaces
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).strip()


def fmt_int(n: int) -> str:
    """Vietnamese thousands separator: ``12345`` → ``12.345``."""
    return f"{int(n):,}".replace(",", ".")


def fmt_pct(x: float) -> str:
    return f"{x * 100:.1f}".replace(".", ",") + "%"


def fmt_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def fmt_time(t: datetime | pd.Timestamp, tz: str) -> str:
    if t is None or pd.isna(t):
        return ""
    return pd.Timestamp(t).tz_convert(tz).strftime("%d/%m/%Y %H:%M")


def _table(rows: list[list[str]], headers: list[str], right: set[int] = frozenset()) -> str:
    frame = pd.DataFrame(rows, columns=headers, dtype=object)
    align = tuple("right" if i in right else "left" for i in range(len(headers)))
    return frame.to_markdown(index=False, disable_numparse=True, colalign=align)


def _level(level: str) -> str:
    return LEVEL_VI.get(level, md_cell(level))


def render(data: PeriodicData) -> str:
    """The whole report as Markdown text."""
    tz = data.timezone
    levels = list(LEVEL_VI)
    out: list[str] = [
        "# BÁO CÁO GIÁM SÁT AN TOÀN THÔNG TIN",
        "",
        f"**Đơn vị thực hiện:** {md_cell(data.unit)}  ",
        f"**Địa phương:** {md_cell(data.province)}  ",
        f"**Kỳ báo cáo:** từ ngày {fmt_date(data.start)} đến ngày {fmt_date(data.end)}  ",
        f"**Thời điểm lập báo cáo:** {data.generated.strftime('%H:%M ngày %d/%m/%Y')} (múi giờ {md_cell(tz)})",
        "",
        "## 1. Tổng quan",
        "",
        f"- Tổng số sự kiện nhật ký đã thu thập trong kỳ: **{fmt_int(data.total_events)}**",
        f"- Tổng số cảnh báo an toàn thông tin trong kỳ: **{fmt_int(data.total_alerts)}**",
    ]
    if data.total_alerts:
        parts = [
            f"{LEVEL_VI[r.level].lower()}: {fmt_int(r.alerts)}"
            for r in data.alerts_by_level.itertuples()
            if r.alerts
        ]
        out.append(f"  ({'; '.join(parts)})")
    else:
        out.append("- Không có cảnh báo nào trong kỳ báo cáo.")
    if data.suppressed_alerts:
        out.append(f"- Cảnh báo đã loại trừ (không tính ở các bảng dưới): {fmt_int(data.suppressed_alerts)}")
    if data.masked:
        out.append("- Dữ liệu cá nhân trong báo cáo đã được che.")
    out += ["", "## 2. Tổng hợp cảnh báo theo mức độ", ""]
    rows = [[_level(r.level), fmt_int(r.alerts), fmt_pct(r.share)] for r in data.alerts_by_level.itertuples()]
    rows.append(
        ["**Tổng cộng**", f"**{fmt_int(data.total_alerts)}**", fmt_pct(1.0 if data.total_alerts else 0)]
    )
    out.append(_table(rows, ["Mức độ", "Số cảnh báo", "Tỷ lệ"], right={1, 2}))

    out += ["", "## 3. Tổng hợp cảnh báo theo quy tắc phát hiện", ""]
    if data.alerts_by_rule.empty:
        out.append("Không có cảnh báo nào trong kỳ báo cáo.")
    else:
        rows = [
            [
                md_cell(r.rule_title),
                md_cell(r.rule_id),
                _level(r.rule_level),
                fmt_int(r.alerts),
                fmt_int(r.events),
                fmt_time(r.first_time, tz),
                fmt_time(r.last_time, tz),
            ]
            for r in data.alerts_by_rule.itertuples()
        ]
        out.append(
            _table(
                rows,
                ["Quy tắc", "Mã quy tắc", "Mức độ", "Số cảnh báo", "Số sự kiện", "Lần đầu", "Lần cuối"],
                right={3, 4},
            )
        )

    out += ["", "## 4. Tổng hợp cảnh báo theo hệ thống thông tin", ""]
    if data.alerts_by_system.empty:
        out.append("Chưa khai báo hệ thống thông tin nào và không có cảnh báo trong kỳ.")
    else:
        rows = [
            [
                md_cell(r["system"]),
                md_cell(SYSTEM_TYPE_VI.get(r["type"], r["type"])),
                str(r["security_level"]) if r["security_level"] else "",
                fmt_int(r["alerts"]),
                *[fmt_int(r[lv]) for lv in levels],
            ]
            for _, r in data.alerts_by_system.iterrows()
        ]
        out.append(
            _table(
                rows,
                ["Hệ thống", "Loại hệ thống", "Cấp độ", "Số cảnh báo", *[LEVEL_VI[lv] for lv in levels]],
                right=set(range(2, 4 + len(levels))),
            )
        )

    out += ["", "## 5. Cảnh báo theo ngày", ""]
    rows = [
        [fmt_date(r["day"]), fmt_int(r["alerts"]), *[fmt_int(r[lv]) for lv in levels]]
        for _, r in data.alerts_by_day.iterrows()
    ]
    out.append(
        _table(
            rows,
            ["Ngày", "Số cảnh báo", *[LEVEL_VI[lv] for lv in levels]],
            right=set(range(1, 2 + len(levels))),
        )
    )

    out += ["", "## 6. Địa chỉ IP nguồn có nhiều cảnh báo nhất", ""]
    if data.top_source_ips.empty:
        out.append("Không có địa chỉ IP nguồn nào gắn với cảnh báo trong kỳ.")
    else:
        rows = [
            [
                md_cell(r.source_ip),
                fmt_int(r.alerts),
                fmt_int(r.rules),
                _level(r.max_level),
                fmt_time(r.first_time, tz),
                fmt_time(r.last_time, tz),
            ]
            for r in data.top_source_ips.itertuples()
        ]
        out.append(
            _table(
                rows,
                ["Địa chỉ IP nguồn", "Số cảnh báo", "Số quy tắc", "Mức độ cao nhất", "Lần đầu", "Lần cuối"],
                right={1, 2},
            )
        )

    out += ["", "## 7. Tình trạng xử lý cảnh báo", ""]
    if data.alerts_by_status.empty:
        out.append("Không có cảnh báo nào trong kỳ báo cáo.")
    else:
        rows = [
            [STATUS_VI.get(r.status, md_cell(r.status)), fmt_int(r.alerts)]
            for r in data.alerts_by_status.itertuples()
        ]
        out.append(_table(rows, ["Tình trạng", "Số cảnh báo"], right={1}))

    out += ["", "## 8. Sự kiện nhật ký theo nguồn dữ liệu", ""]
    if data.events_by_dataset.empty:
        out.append("Không có sự kiện nhật ký nào trong kỳ báo cáo.")
    else:
        rows = [
            [md_cell(DATASET_VI.get(r.dataset, r.dataset)), md_cell(r.dataset), fmt_int(r.events)]
            for r in data.events_by_dataset.itertuples()
        ]
        rows.append(["**Tổng cộng**", "", f"**{fmt_int(data.total_events)}**"])
        out.append(_table(rows, ["Nguồn dữ liệu", "Mã nguồn", "Số sự kiện"], right={2}))
        out += ["", "### Sự kiện nhật ký theo hệ thống thông tin", ""]
        rows = [[md_cell(r.system), fmt_int(r.events)] for r in data.events_by_system.itertuples()]
        out.append(_table(rows, ["Hệ thống", "Số sự kiện"], right={1}))

    out += ["", "## 9. Sự kiện nhật ký theo ngày", ""]
    datasets = [c for c in data.events_by_day.columns if c not in ("day", "total")]
    rows = [
        [fmt_date(r["day"]), *[fmt_int(r[c]) for c in datasets], fmt_int(r["total"])]
        for _, r in data.events_by_day.iterrows()
    ]
    out.append(
        _table(
            rows,
            ["Ngày", *[md_cell(c) for c in datasets], "Tổng cộng"],
            right=set(range(1, 2 + len(datasets))),
        )
    )
    out.append("")
    return "\n".join(out)


def write_markdown(data: PeriodicData, out: Path) -> Path:
    """Write the report to ``out`` atomically (temporary file, then rename); an existing file is replaced."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(render(data))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def default_path(data: PeriodicData, reports_dir: Path) -> Path:
    """``<reports_dir>/bao-cao-giam-sat_<start>_<end>.md`` — one file per period, replaced on re-run."""
    return Path(reports_dir) / f"bao-cao-giam-sat_{data.start.isoformat()}_{data.end.isoformat()}.md"
