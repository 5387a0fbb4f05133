"""Incident report (Circular 20/2017 Mẫu 03 initial / Mẫu 04 final) and personal-data breach notice (Law 91/2025,
Decree 356/2025 Mẫu 08) built from a case, its alerts and their matched events.

Personal data is masked unless ``reveal`` is set; the caller audits a reveal. Form names, legal bases, authorities
and deadlines come from the regulatory profile.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from soc.config import DEFAULT_TIMEZONE, Config
from soc.enrich.masking import mask_text
from soc.enrich.pii import TYPE_NAMES_VI
from soc.report.document import Bullets, Callout, Document, Fields, Heading, Para, Table, vn_number
from soc.report.localize import annex_frame
from soc.report.profile import load_profile, report_language
from soc.report.taxonomy import incident_type, type_names
from soc.report.words import level_word
from soc.store.registry import open_store
from soc.timefmt import local_time, parse_utc, zone_label
from soc.triage import cases as cases_mod
from soc.triage.workflow import notes

MAX_EVENTS = 5000


class CaseNotFound(Exception):
    """No case with that id; the message says which cases exist."""


@dataclass
class CaseData:
    case: dict
    alerts: pd.DataFrame
    events: pd.DataFrame
    notes: list[dict]
    detected: datetime  # aware UTC: first alert of the case
    type_key: str
    timezone: str = DEFAULT_TIMEZONE  # the zone every time of the report and its annex is shown in
    language: str = "vi"  # words of tables and the annex (the profile's ``language``)


def load_case(cfg: Config, case_id: int, reveal: bool = False) -> CaseData:
    store = open_store(cfg)
    db = store.state
    try:
        case = cases_mod.get(db, case_id)
        if case is None:
            known = ", ".join(str(c["id"]) for c in cases_mod.list_cases(db)[:20]) or "none"
            raise CaseNotFound(f"no case {case_id} (cases: {known})")
        alerts = pd.DataFrame([db.alert(a) for a in case["alert_ids"] if db.alert(a)])
        if "rule_title_vi" in alerts:  # reports are Vietnamese: the rule's title_vi when it has one
            alerts["rule_title"] = alerts["rule_title_vi"].where(alerts["rule_title_vi"] != "", alerts["rule_title"])
        case_notes = notes(db, "case", str(case_id))
    finally:
        store.close()
    if alerts.empty:
        alerts = pd.DataFrame(columns=["id", "rule_title", "rule_level", "rule_tags", "first_time", "last_time",
                                       "event_ids", "source_ip", "system", "user_name", "status",
                                       "rule_description", "event_count"])
    ids = [e for lst in alerts["event_ids"] for e in lst][:MAX_EVENTS]
    events = pd.DataFrame()
    if ids:
        cols = ["@timestamp", "event.dataset", "source.ip", "user.name", "url.original", "soc.pii.types",
                "soc.pii.count", "soc.pii.distinct", "http.response.status_code", "http.response.body.bytes",
                "event.original"]
        events = pd.DataFrame(store.events.by_ids(ids, cols), columns=cols)
        if not reveal:
            for col in ("url.original", "event.original", "user.name"):
                events[col] = events[col].map(lambda v: mask_text(v) if isinstance(v, str) else v)
    firsts = [parse_utc(t) for t in alerts["first_time"] if t]
    detected = min(firsts) if firsts else parse_utc(case["created"])
    types = Counter(incident_type(t or []) for t in alerts["rule_tags"])
    return CaseData(case, alerts, events, case_notes, detected, types.most_common(1)[0][0] if types else "other",
                    cfg.timezone, report_language(load_profile(cfg)))


def _systems(cfg: Config, names: list[str]) -> list:
    return [s for s in cfg.systems if s.name in names]


def _local(cfg: Config, moment: datetime) -> str:
    """``22:14 ngày 29/11/2026 (GMT+7)``: a moment in the configured zone, the zone named."""
    return f"{moment.astimezone(ZoneInfo(cfg.timezone)).strftime('%H:%M ngày %d/%m/%Y')} ({zone_label(cfg.timezone)})"


def _stamp(cfg: Config, value: str | None) -> str:
    """``29/11/2026 22:14 (GMT+7)``: a stored ISO UTC time in the configured zone, the zone named."""
    return f"{local_time(value, cfg.timezone, '%d/%m/%Y %H:%M')} ({zone_label(cfg.timezone)})"


def _alert_table(cfg: Config, alerts: pd.DataFrame, reveal: bool, lang: str = "vi") -> Table:
    return Table(pd.DataFrame({
        f"Thời điểm ({zone_label(cfg.timezone)})":
            [local_time(t, cfg.timezone, "%d/%m/%Y %H:%M") for t in alerts["first_time"]],
        "Cảnh báo": alerts["rule_title"], "Mức độ": alerts["rule_level"].map(lambda v: level_word(v, lang)),
        "Nguồn": alerts["source_ip"].fillna(""), "Hệ thống": alerts["system"].fillna(""),
        "Tài khoản": alerts["user_name"].fillna("").map(lambda v: v if reveal else mask_text(v)),
    }), "Danh sách cảnh báo liên quan")


def incident_document(cfg: Config, data: CaseData, final: bool = False, reveal: bool = False) -> Document:
    prof = load_profile(cfg)
    inc = prof.get("incident", {})
    case = data.case
    systems = _systems(cfg, case.get("systems") or list(data.alerts["system"].dropna().unique()))
    handled = case["status"] in ("resolved", "closed")
    actions = [f"{_stamp(cfg, n['at'])} ({n['author']}): {n['body']}" for n in data.notes]
    rules = sorted(set(data.alerts["rule_title"]))
    contact = prof.get("contact", {})
    fields = [
        ("Đơn vị báo cáo", f"{prof.get('agency', '')} — {cfg.province}"),
        ("Người liên hệ", ", ".join(v for v in (contact.get("name"), contact.get("phone"), contact.get("email")) if v)),
        ("Hệ thống bị sự cố (*)", "; ".join(s.name for s in systems) or "; ".join(case.get("systems", []))),
        ("Cấp độ an toàn hệ thống", "; ".join(f"{s.name}: cấp độ {s.level}" for s in systems if s.level)),
        ("Đơn vị vận hành (*)", "; ".join(sorted({s.owner for s in systems if s.owner}))),
        ("Địa chỉ IP công khai, tên miền", "; ".join(x for s in systems for x in (*s.ips, *s.vhosts))),
        ("Tên sự cố", case["title"]),
        ("Loại sự cố", type_names()[data.type_key]),
        ("Mức độ", level_word(case["severity"], data.language)),
        ("Thời điểm phát hiện (*)", _local(cfg, data.detected)),
        ("Tình trạng (*)", "Đã xử lý" if handled else "Chưa xử lý xong"),
        ("Cách thức phát hiện (*)", "Giám sát, phân tích nhật ký hệ thống (SOC)"),
    ]
    desc = (f"Hệ thống giám sát ghi nhận {vn_number(len(data.alerts))} cảnh báo liên quan "
            f"({vn_number(int(data.alerts['event_count'].sum()) if len(data.alerts) else 0)} sự kiện nhật ký) "
            f"thuộc các quy tắc: {'; '.join(rules)}.")
    sources = sorted(set(data.alerts["source_ip"].dropna()) - {""})
    blocks = [
        Para("Căn cứ: " + "; ".join(inc.get("legal_basis", [])) + "."),
        Heading("1. Thông tin chung"), Fields(fields),
        Heading("2. Mô tả sự cố (*)"), Para(desc),
        Bullets([f"Địa chỉ nguồn liên quan: {', '.join(sources[:20])}" + (" …" if len(sources) > 20 else "")]
                if sources else ["Không xác định được địa chỉ nguồn."]),
        _alert_table(cfg, data.alerts, reveal, data.language),
        Heading("3. Ảnh hưởng"),
        Para("Hệ thống bị ảnh hưởng: " + ("; ".join(s.name for s in systems) or "chưa xác định") + "."),
        Heading("4. Các biện pháp đã thực hiện"),
        Bullets(actions or ["Chưa ghi nhận biện pháp xử lý."]),
        Heading("5. Đề xuất, kiến nghị"),
        Para(prof.get("incident", {}).get("proposal", "Đề nghị đơn vị vận hành rà soát, khắc phục lỗ hổng và tiếp tục "
                                          "theo dõi các nguồn tấn công nêu trên.")),
        Para(f"Thư điện tử gửi báo cáo ghi tiêu đề bắt đầu bằng {inc.get('email_subject_prefix', '[TBSC]')}; "
             f"thời hạn báo cáo: {inc.get('deadline_days', 5)} ngày kể từ khi phát hiện.", italic=True),
        Para("Tài liệu kèm theo: Phụ lục danh sách cảnh báo và sự kiện nhật ký (tệp XLSX).", italic=True),
    ]
    form = inc.get("form_final" if final else "form_initial", "")
    subject = ("Kết thúc ứng phó sự cố: " if final else "Báo cáo ban đầu sự cố: ") + case["title"]
    return Document(kind="BÁO CÁO", symbol="BC", subject=subject, issued=datetime.now(ZoneInfo(cfg.timezone)).date(),
                    profile=prof, blocks=blocks, form=form)


def breach_document(cfg: Config, data: CaseData, now: datetime | None = None) -> Document:
    prof = load_profile(cfg)
    br = prof.get("breach", {})
    now = now or datetime.now(UTC)
    hours = int(br.get("deadline_hours", 72))
    deadline = data.detected + timedelta(hours=hours)
    left = deadline - now
    left_h = left.total_seconds() / 3600
    state = (f"còn {vn_number(left_h, 1)} giờ" if left_h > 0 else f"ĐÃ QUÁ HẠN {vn_number(-left_h, 1)} giờ — "
             "nêu rõ lý do chậm thông báo")
    ev = data.events
    types = sorted({t for lst in ev.get("soc.pii.types", pd.Series(dtype=object)).dropna() for t in lst})
    subjects = int(ev["soc.pii.distinct"].fillna(0).sum()) if "soc.pii.distinct" in ev else 0
    exposure = exposure_rows(ev)
    records = int(exposure["records"].sum())
    objects = list(dict.fromkeys(exposure[exposure["records"] == 0]["object"]))
    if records:
        record_text = vn_number(records)
    elif objects:  # a file or object left whole (a database backup): its content is not in the logs
        record_text = ("chưa xác định được từ nhật ký — nội dung đối tượng bị truy cập không có trong nhật ký, "
                       "cần kiểm tra trực tiếp: " + "; ".join(objects[:5]) + (" …" if len(objects) > 5 else ""))
    else:
        record_text = "0"
    contact = prof.get("dpo", prof.get("contact", {}))
    actions = [f"{_stamp(cfg, n['at'])}: {n['body']}" for n in data.notes]
    blocks = [
        Callout(f"THỜI HẠN THÔNG BÁO {hours} GIỜ: trước {_local(cfg, deadline)} ({state})"),
        Para("Căn cứ: " + "; ".join(br.get("legal_basis", [])) + "."),
        Heading("1. Mô tả vi phạm dữ liệu cá nhân"),
        Fields([
            ("Thời điểm phát hiện", _local(cfg, data.detected)),
            ("Hệ thống, địa điểm", "; ".join(data.case.get("systems", [])) or "chưa xác định"),
            ("Hành vi", "; ".join(sorted(set(data.alerts["rule_title"])))),
            ("Loại dữ liệu cá nhân", ", ".join(TYPE_NAMES_VI.get(t, t) for t in types) or "đang xác định"),
            ("Số lượng bản ghi chứa dữ liệu cá nhân", record_text),
            ("Số chủ thể dữ liệu ước tính", vn_number(subjects) if subjects else "đang xác định"),
        ]),
        Heading("2. Thông tin liên hệ của bộ phận bảo vệ dữ liệu cá nhân"),
        Para(", ".join(v for v in (contact.get("name"), contact.get("phone"), contact.get("email")) if v)
             or "…………"),
        Heading("3. Hậu quả có thể xảy ra"),
        Para("Dữ liệu cá nhân của công dân có thể bị lộ, bị mua bán hoặc bị sử dụng trái phép."),
        Heading("4. Biện pháp đã thực hiện"),
        Bullets(actions or ["Chưa ghi nhận biện pháp xử lý."]),
        _exposure_table(cfg, exposure),
        _grouped_alert_table(cfg, data.alerts, lang=data.language),
    ]
    return Document(kind="THÔNG BÁO", symbol="TB", subject=f"Vi phạm dữ liệu cá nhân: {data.case['title']}",
                    issued=now.astimezone(ZoneInfo(cfg.timezone)).date(), profile=prof, blocks=blocks,
                    form=br.get("form", ""))


def exposure_rows(events: pd.DataFrame) -> pd.DataFrame:
    """What leaked, from the matched events: one row per object (URL, masked as loaded) and source, oldest first,
    with the kinds of personal data its requests carried, how many identifiers (``soc.pii.count``) and requests."""
    columns = ["first", "last", "object", "source", "types", "records", "requests"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    ev = events.copy()
    ev["object"] = ev.get("url.original", pd.Series(index=ev.index, dtype=object)).fillna("").map(str)
    ev["source"] = ev.get("source.ip", pd.Series(index=ev.index, dtype=object)).fillna("").map(str)
    ev["types"] = ev.get("soc.pii.types", pd.Series(index=ev.index, dtype=object)).map(
        lambda v: ", ".join(TYPE_NAMES_VI.get(t, t) for t in sorted(set(v))) if isinstance(v, list | tuple) else "")
    ev["records"] = pd.to_numeric(ev.get("soc.pii.count", 0), errors="coerce").fillna(0).astype("int64")
    ev["at"] = pd.to_datetime(ev["@timestamp"], utc=True)
    grouped = ev.groupby(["object", "source", "types"], as_index=False, dropna=False).agg(
        first=("at", "min"), last=("at", "max"), records=("records", "sum"), requests=("at", "size"))
    grouped = grouped[(grouped["object"] != "") | (grouped["records"] > 0)]
    return grouped.sort_values(["first", "object", "source"]).reset_index(drop=True)[columns]


def _exposure_table(cfg: Config, exposure: pd.DataFrame) -> Table:
    zone, label = ZoneInfo(cfg.timezone), zone_label(cfg.timezone)

    def when(t: pd.Timestamp) -> str:
        return t.tz_convert(zone).strftime("%d/%m/%Y %H:%M")

    return Table(pd.DataFrame({
        f"Lần đầu ({label})": [when(t) for t in exposure["first"]],
        f"Lần cuối ({label})": [when(t) for t in exposure["last"]],
        "Đối tượng bị truy cập (URL)": exposure["object"], "Nguồn": exposure["source"],
        "Loại dữ liệu cá nhân": exposure["types"].replace("", "không thấy trong nhật ký"),
        "Số định danh": exposure["records"].map(vn_number), "Số lượt": exposure["requests"].map(vn_number),
    }), "Dữ liệu bị truy cập, theo thời gian", right=frozenset({5, 6}))


def _grouped_alert_table(cfg: Config, alerts: pd.DataFrame, lang: str = "vi") -> Table:
    """The case's alerts oldest first, look-alike rows (same rule, source, system, account) as one row."""
    frame = alerts.assign(
        source_ip=alerts["source_ip"].fillna(""), system=alerts["system"].fillna(""),
        user_name=alerts["user_name"].fillna("").map(lambda v: mask_text(v) or ""),
        first_time=alerts["first_time"].fillna(""), last_time=alerts["last_time"].fillna(alerts["first_time"]))
    grouped = frame.groupby(["rule_title", "rule_level", "source_ip", "system", "user_name"], as_index=False).agg(
        first=("first_time", "min"), last=("last_time", "max"), count=("id", "size"))
    grouped = grouped.sort_values(["first", "rule_title"]).reset_index(drop=True)
    fmt, label = "%d/%m/%Y %H:%M", zone_label(cfg.timezone)
    return Table(pd.DataFrame({
        f"Từ ({label})": [local_time(t, cfg.timezone, fmt) for t in grouped["first"]],
        f"Đến ({label})": [local_time(t, cfg.timezone, fmt) for t in grouped["last"]],
        "Cảnh báo": grouped["rule_title"], "Mức độ": grouped["rule_level"].map(lambda v: level_word(v, lang)),
        "Nguồn": grouped["source_ip"], "Hệ thống": grouped["system"], "Tài khoản": grouped["user_name"],
        "Số cảnh báo": grouped["count"].map(vn_number),
    }), "Cảnh báo liên quan, theo thời gian", right=frozenset({7}))


CASE_SHEETS = {"vi": ("Cảnh báo", "Sự kiện"), "en": ("Alerts", "Events")}


def case_annex(data: CaseData) -> dict[str, pd.DataFrame]:
    """Sheets of a case report's annex: its alerts and their matched events; times in the configured zone
    (labelled in the header), words and sheet names in the report's language."""
    alerts = data.alerts.drop(columns=[c for c in ("event_ids", "rule_title_vi") if c in data.alerts])
    alerts_name, events_name = CASE_SHEETS[data.language]
    return {alerts_name: annex_frame(alerts, data.timezone, data.language),
            events_name: annex_frame(data.events, data.timezone, data.language)}
