"""The one Markdown renderer of reports: ministry documents (``document_markdown``) and the periodic data view
(``render``) are both blocks (``soc.report.document``) written by ``blocks_markdown``.

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

from soc.report.document import Block, Bullets, Callout, Document, Fields, Heading, Image, Para, Table
from soc.report.periodic import PeriodicData
from soc.report.words import DATASET_VI, LEVEL_VI, STATUS_VI, SYSTEM_TYPE_VI
from soc.timefmt import zone_label

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


def _table(rows: list[list[str]], headers: list[str], right: frozenset[int] = frozenset()) -> str:
    frame = pd.DataFrame(rows, columns=headers, dtype=object)
    align = tuple("right" if i in right else "left" for i in range(len(headers)))
    return frame.to_markdown(index=False, disable_numparse=True, colalign=align)


def _level(level: str) -> str:
    return LEVEL_VI.get(level, level)


# -- the one renderer: blocks of a report → Markdown ------------------------------------------------------------
def _table_block(b: Table) -> list[str]:
    rows = [[md_cell(v) for v in row] for row in b.frame.itertuples(index=False)]
    if b.total_row and rows:
        rows[-1] = [f"**{v}**" if v else v for v in rows[-1]]
    out = [f"*{md_cell(b.caption)}*", ""] if b.caption else []
    return out + [_table(rows, [md_cell(c) for c in b.frame.columns], b.right), ""]


def blocks_markdown(blocks: list[Block]) -> list[str]:
    """Markdown lines of report blocks. Every text goes through :func:`md_cell`: nothing from a log can start a
    heading, a list, a link, a table row or HTML."""
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            lines += ["#" * (b.level + 1) + " " + md_cell(b.text), ""]
        elif isinstance(b, Para):
            text = md_cell(b.text)
            lines += [f"**{text}**" if b.bold else f"*{text}*" if b.italic else text, ""]
        elif isinstance(b, Bullets):
            lines += [f"- {md_cell(i)}" for i in b.items] + [""]
        elif isinstance(b, Fields):
            lines += [f"- **{md_cell(label)}:** {md_cell(value)}" for label, value in b.rows] + [""]
        elif isinstance(b, Callout):
            lines += [f"> **{md_cell(b.text)}**", ""]
        elif isinstance(b, Table):
            lines += _table_block(b)
        elif isinstance(b, Image) and b.caption:
            lines += [f"*\\[{md_cell(b.caption)}\\]*", ""]
    return lines


def document_markdown(doc: Document) -> str:
    """A ministry document (its Decree-30 header data, blocks and recipients) as Markdown."""
    lines = [f"# {md_cell(doc.kind)}", f"**{md_cell(doc.subject)}**", "",
             f"{md_cell(doc.profile.get('agency', ''))} — {md_cell(doc.number_line)} — {md_cell(doc.place_date)}", ""]
    if doc.form:
        lines += [f"*({md_cell(doc.form)})*", ""]
    lines += blocks_markdown(doc.blocks)
    lines += ["**Nơi nhận:**"] + [f"- {md_cell(r)}" for r in doc.profile.get("recipients", [])]
    return "\n".join(lines) + "\n"


# -- the periodic data as blocks ------------------------------------------------------------------------------
def _frame(rows: list[list[str]], headers: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers, dtype=object)


def periodic_blocks(data: PeriodicData) -> list[Block]:
    """Every table of the periodic data, in order, as report blocks."""
    tz = data.timezone
    zone = zone_label(tz, data.generated)
    levels = list(LEVEL_VI)
    overview = [f"Tổng số sự kiện nhật ký đã thu thập trong kỳ: {fmt_int(data.total_events)}",
                f"Tổng số cảnh báo an toàn thông tin trong kỳ: {fmt_int(data.total_alerts)}"]
    if data.total_alerts:
        parts = [f"{LEVEL_VI[r.level].lower()}: {fmt_int(r.alerts)}" for r in data.alerts_by_level.itertuples()
                 if r.alerts]
        overview[-1] += f" ({'; '.join(parts)})"
    else:
        overview.append("Không có cảnh báo nào trong kỳ báo cáo.")
    if data.suppressed_alerts:
        overview.append(f"Cảnh báo đã loại trừ (không tính ở các bảng dưới): {fmt_int(data.suppressed_alerts)}")
    if data.masked:
        overview.append("Dữ liệu cá nhân trong báo cáo đã được che.")
    blocks: list[Block] = [Heading("1. Tổng quan"), Bullets(overview), Heading("2. Tổng hợp cảnh báo theo mức độ")]
    rows = [[_level(r.level), fmt_int(r.alerts), fmt_pct(r.share)] for r in data.alerts_by_level.itertuples()]
    rows.append(["Tổng cộng", fmt_int(data.total_alerts), fmt_pct(1.0 if data.total_alerts else 0)])
    blocks.append(Table(_frame(rows, ["Mức độ", "Số cảnh báo", "Tỷ lệ"]), right=frozenset({1, 2}), total_row=True))

    blocks.append(Heading("3. Tổng hợp cảnh báo theo quy tắc phát hiện"))
    if data.alerts_by_rule.empty:
        blocks.append(Para("Không có cảnh báo nào trong kỳ báo cáo."))
    else:
        rows = [[r.rule_title, r.rule_id, _level(r.rule_level), fmt_int(r.alerts), fmt_int(r.events),
                 fmt_time(r.first_time, tz), fmt_time(r.last_time, tz)] for r in data.alerts_by_rule.itertuples()]
        blocks.append(Table(_frame(rows, ["Quy tắc", "Mã quy tắc", "Mức độ", "Số cảnh báo", "Số sự kiện",
                                          f"Lần đầu ({zone})", f"Lần cuối ({zone})"]), right=frozenset({3, 4})))

    blocks.append(Heading("4. Tổng hợp cảnh báo theo hệ thống thông tin"))
    if data.alerts_by_system.empty:
        blocks.append(Para("Chưa khai báo hệ thống thông tin nào và không có cảnh báo trong kỳ."))
    else:
        rows = [[r["system"], SYSTEM_TYPE_VI.get(r["type"], r["type"]),
                 str(r["security_level"]) if r["security_level"] else "", fmt_int(r["alerts"]),
                 *[fmt_int(r[lv]) for lv in levels]] for _, r in data.alerts_by_system.iterrows()]
        blocks.append(Table(_frame(rows, ["Hệ thống", "Loại hệ thống", "Cấp độ", "Số cảnh báo",
                                          *[LEVEL_VI[lv] for lv in levels]]),
                            right=frozenset(range(2, 4 + len(levels)))))

    blocks.append(Heading("5. Cảnh báo theo ngày"))
    rows = [[fmt_date(r["day"]), fmt_int(r["alerts"]), *[fmt_int(r[lv]) for lv in levels]]
            for _, r in data.alerts_by_day.iterrows()]
    blocks.append(Table(_frame(rows, ["Ngày", "Số cảnh báo", *[LEVEL_VI[lv] for lv in levels]]),
                        right=frozenset(range(1, 2 + len(levels)))))

    blocks.append(Heading("6. Địa chỉ IP nguồn có nhiều cảnh báo nhất"))
    if data.top_source_ips.empty:
        blocks.append(Para("Không có địa chỉ IP nguồn nào gắn với cảnh báo trong kỳ."))
    else:
        rows = [[r.source_ip, fmt_int(r.alerts), fmt_int(r.rules), _level(r.max_level), fmt_time(r.first_time, tz),
                 fmt_time(r.last_time, tz)] for r in data.top_source_ips.itertuples()]
        blocks.append(Table(_frame(rows, ["Địa chỉ IP nguồn", "Số cảnh báo", "Số quy tắc", "Mức độ cao nhất",
                                          f"Lần đầu ({zone})", f"Lần cuối ({zone})"]), right=frozenset({1, 2})))

    blocks.append(Heading("7. Tình trạng xử lý cảnh báo"))
    if data.alerts_by_status.empty:
        blocks.append(Para("Không có cảnh báo nào trong kỳ báo cáo."))
    else:
        rows = [[STATUS_VI.get(r.status, r.status), fmt_int(r.alerts)] for r in data.alerts_by_status.itertuples()]
        blocks.append(Table(_frame(rows, ["Tình trạng", "Số cảnh báo"]), right=frozenset({1})))

    blocks.append(Heading("8. Sự kiện nhật ký theo nguồn dữ liệu"))
    if data.events_by_dataset.empty:
        blocks.append(Para("Không có sự kiện nhật ký nào trong kỳ báo cáo."))
    else:
        rows = [[DATASET_VI.get(r.dataset, r.dataset), r.dataset, fmt_int(r.events)]
                for r in data.events_by_dataset.itertuples()]
        rows.append(["Tổng cộng", "", fmt_int(data.total_events)])
        blocks.append(Table(_frame(rows, ["Nguồn dữ liệu", "Mã nguồn", "Số sự kiện"]), right=frozenset({2}),
                            total_row=True))
        blocks.append(Heading("Sự kiện nhật ký theo hệ thống thông tin", level=2))
        rows = [[r.system, fmt_int(r.events)] for r in data.events_by_system.itertuples()]
        blocks.append(Table(_frame(rows, ["Hệ thống", "Số sự kiện"]), right=frozenset({1})))

    blocks.append(Heading("9. Sự kiện nhật ký theo ngày"))
    datasets = [c for c in data.events_by_day.columns if c not in ("day", "total")]
    rows = [[fmt_date(r["day"]), *[fmt_int(r[c]) for c in datasets], fmt_int(r["total"])]
            for _, r in data.events_by_day.iterrows()]
    blocks.append(Table(_frame(rows, ["Ngày", *datasets, "Tổng cộng"]), right=frozenset(range(1, 2 + len(datasets)))))
    return blocks


def render(data: PeriodicData) -> str:
    """The periodic data as Markdown: its title and period, then :func:`periodic_blocks` through the one renderer."""
    head = [
        "# BÁO CÁO GIÁM SÁT AN TOÀN THÔNG TIN",
        "",
        f"**Đơn vị thực hiện:** {md_cell(data.unit)}  ",
        f"**Địa phương:** {md_cell(data.province)}  ",
        f"**Kỳ báo cáo:** từ ngày {fmt_date(data.start)} đến ngày {fmt_date(data.end)}  ",
        f"**Thời điểm lập báo cáo:** {data.generated.strftime('%H:%M ngày %d/%m/%Y')} (giờ {md_cell(data.timezone)}, {zone_label(data.timezone, data.generated)})",
        "",
    ]
    return "\n".join(head + blocks_markdown(periodic_blocks(data)))


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
