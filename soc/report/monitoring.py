"""The periodic monitoring report (Circular 31/2017) as a :class:`Document`: totals by level, system and incident
type, trend against the previous period, top rules and sources, response times, open risks, charts.

Data comes from :func:`soc.report.periodic.build` (one pandas step per period); this module only derives the
comparisons and words them. It never reads log text into the document unescaped by its renderer.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from soc import geodb
from soc.config import Config
from soc.report import charts
from soc.report.document import Bullets, Document, Heading, Image, Para, Table, vn_number
from soc.report.localize import annex_frame
from soc.report.periodic import LEVEL_ORDER, PeriodicData, build, iso_utc
from soc.report.profile import load_profile, report_language
from soc.report.taxonomy import incident_type, type_names
from soc.report.words import SYSTEM_TYPE_VI, level_word, status_word
from soc.store.registry import open_store
from soc.timefmt import zone_label
from soc.triage.model import CLOSED_CASE_STATUSES, OPEN_STATUSES
from soc.triage.priority import Policy, acknowledged_at, outcome


@dataclass
class Monitoring:
    current: PeriodicData
    previous: PeriodicData
    by_type: pd.DataFrame  # type, name, alerts, previous, change
    response: dict[str, float | None]  # mtta_minutes, mttr_minutes, acknowledged, resolved
    open_risks: pd.DataFrame
    cases: dict[str, int]  # opened, closed (in the period), open (now)
    language: str = "vi"  # words of tables, annexes and the chart (the profile's ``language``)
    # per system level: level, acknowledge_minutes, resolve_minutes, alerts, met, missed, overdue (response clocks)
    deadlines: pd.DataFrame = field(default_factory=pd.DataFrame)


def resolve_period(kind: str, start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """``week``/``month``/``quarter``: the last complete one before ``today`` (or the one holding ``start``);
    ``custom``: ``start``..``end`` as given."""
    if kind == "custom":
        if not (start and end):
            raise ValueError("--period custom needs --from and --to")
        return start, end
    ref = start or today
    if kind == "week":
        monday = ref - timedelta(days=ref.weekday())
        if start is None:
            monday -= timedelta(days=7)
        return monday, monday + timedelta(days=6)
    if kind == "month":
        first = ref.replace(day=1)
        if start is None:
            first = (first - timedelta(days=1)).replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return first, nxt - timedelta(days=1)
    if kind == "quarter":
        q_first = date(ref.year, 3 * ((ref.month - 1) // 3) + 1, 1)
        if start is None:
            q_first = date(q_first.year - (q_first.month == 1), (q_first.month - 4) % 12 + 1, 1)
        nxt = date(q_first.year + (q_first.month == 10), (q_first.month + 2) % 12 + 1, 1)
        return q_first, nxt - timedelta(days=1)
    raise ValueError(f"unknown period {kind!r} (week, month, quarter, custom)")


def _types(alerts: pd.DataFrame) -> pd.Series:
    if alerts.empty:
        return pd.Series(dtype="int64")
    return alerts["rule_tags"].map(lambda tags: incident_type(tags or [])).value_counts()


def _audit(cfg: Config, alerts: pd.DataFrame) -> list[dict]:
    """The audit trail of the period's alerts (none without a state database: a report never creates it)."""
    if alerts.empty:
        return []
    with open_store(cfg) as store:
        if not store.has_state():
            return []
        return store.state.audit_trail(object_type="alert", object_ids=alerts["id"].tolist())


def _response_times(cfg: Config, alerts: pd.DataFrame, rows: list[dict] | None = None) -> dict[str, float | None]:
    """Mean minutes from an alert's creation to its first acknowledgement and to its resolution (audit trail)."""
    out: dict[str, float | None] = {"mtta_minutes": None, "mttr_minutes": None, "acknowledged": 0, "resolved": 0}
    if alerts.empty:
        return out
    rows = _audit(cfg, alerts) if rows is None else rows
    created = dict(zip(alerts["id"], pd.to_datetime(alerts["created"], utc=True), strict=True))
    acked: dict[str, pd.Timestamp] = {}
    resolved: dict[str, pd.Timestamp] = {}
    for row in rows:
        oid, at, after = row["object_id"], row["at"], row["after"]
        status = (after or {}).get("status")
        when = pd.Timestamp(at)
        if status and status != "new":
            acked.setdefault(oid, when)
        if status == "resolved":
            resolved.setdefault(oid, when)
    for key, found in (("mtta_minutes", acked), ("mttr_minutes", resolved)):
        deltas = [(t - created[a]).total_seconds() / 60 for a, t in found.items() if a in created]
        out[key] = sum(deltas) / len(deltas) if deltas else None
    out["acknowledged"], out["resolved"] = len(acked), len(resolved)
    return out


def deadlines(cfg: Config, alerts: pd.DataFrame, rows: list[dict], now: datetime) -> pd.DataFrame:
    """Response clocks per system security level (Decree 85/2016): the period's alerts, acknowledged in time (met),
    acknowledged late (missed), and not acknowledged yet though past due at ``now`` (overdue); clocks from
    ``[triage.clocks]``, acknowledgement the first status change away from ``new`` in the audit trail."""
    policy = Policy.of(cfg)
    acked = acknowledged_at(rows)
    table = {lv: {"level": lv, "acknowledge_minutes": a, "resolve_minutes": r, "alerts": 0, "met": 0, "missed": 0,
                  "overdue": 0} for lv, a, r in sorted(policy.clocks, reverse=True)}
    for alert in alerts.to_dict("records"):
        alert = {k: (None if not isinstance(v, list) and pd.isna(v) else v) for k, v in alert.items()}
        if isinstance(alert.get("created"), pd.Timestamp):
            alert["created"] = alert["created"].to_pydatetime()
        row = table.get(policy.system_level(alert.get("system")))
        if row is None:
            continue
        row["alerts"] += 1
        result = outcome(policy, alert, acked.get(alert["id"]), now)
        if result in ("met", "missed", "overdue"):
            row[result] += 1
    return pd.DataFrame(list(table.values()), columns=["level", "acknowledge_minutes", "resolve_minutes", "alerts",
                                                      "met", "missed", "overdue"])


def _hours(minutes: int) -> str:
    if minutes % (24 * 60) == 0 and minutes >= 48 * 60:
        return f"{minutes // (24 * 60)} ngày"
    return f"{vn_number(minutes / 60, 1 if minutes % 60 else 0)} giờ" if minutes >= 60 else f"{minutes} phút"


def build_monitoring(cfg: Config, start: date, end: date) -> Monitoring:
    current = build(cfg, start, end)
    span = (end - start).days + 1
    previous = build(cfg, start - timedelta(days=span), start - timedelta(days=1))
    now_types, prev_types = _types(current.alerts), _types(previous.alerts)
    names = type_names()
    by_type = pd.DataFrame([
        {"type": k, "name": v, "alerts": int(now_types.get(k, 0)), "previous": int(prev_types.get(k, 0))}
        for k, v in names.items()
    ])
    by_type["change"] = by_type["alerts"] - by_type["previous"]
    risks = current.alerts[current.alerts["status"].isin(OPEN_STATUSES) & current.alerts["rule_level"].isin(
        ["critical", "high"])]
    audit = _audit(cfg, current.alerts)
    return Monitoring(current, previous, by_type, _response_times(cfg, current.alerts, audit), risks.head(15),
                      _cases(cfg, iso_utc(current.start_utc), iso_utc(current.end_utc)),
                      report_language(load_profile(cfg)),
                      deadlines(cfg, current.alerts, audit, current.generated.astimezone(UTC)))


def _cases(cfg: Config, lo: str, hi: str) -> dict[str, int]:
    """Cases (incidents) opened and closed in ``[lo, hi)`` and still open now, from the cases table and audit."""
    out = {"opened": 0, "closed": 0, "open": 0}
    with open_store(cfg) as store:
        if not store.has_state():  # a report never creates the state database
            return out
        out["opened"] = store.state.cases_opened(lo, hi)
        out["closed"] = store.state.cases_closed(lo, hi, CLOSED_CASE_STATUSES)
        out["open"] = store.state.case_count(CLOSED_CASE_STATUSES, among=False)
    return out


def _change(now: int, before: int) -> str:
    if before == 0:
        return "không có số liệu kỳ trước để so sánh" if now else "không đổi (0)"
    pct = (now - before) / before * 100
    word = "tăng" if pct > 0 else "giảm" if pct < 0 else "không đổi"
    return f"{word} {vn_number(abs(pct), 1)}% so với kỳ trước ({vn_number(before)})"


# Address ranges reserved for documentation and examples (RFC 5737, RFC 3849): never somebody's network.
DOCUMENTATION_NETS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
# A province's own networks: RFC 1918, shared address space (RFC 6598), link-local, IPv6 unique local.
INTERNAL_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "fc00::/7", "fe80::/10"))


def _origin(ip: str, geoip_csv: str | None = None) -> str:
    """Where an address comes from: internal, reserved, or its country from the configured offline GeoIP CSV."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "—"
    if any(addr in net for net in DOCUMENTATION_NETS):  # Python counts these as private: test them first
        return "Dải địa chỉ dùng cho tài liệu (RFC 5737/3849)"
    if addr.is_loopback or any(addr in net for net in INTERNAL_NETS):
        return "Mạng nội bộ"
    if addr.is_reserved or addr.is_global is False:
        return "Dải dành riêng"
    if geoip_csv:
        country = geodb.load(geoip_csv).country(ip)
        if country:
            return country
    return "Internet (chưa xác định quốc gia)"


def _fmt_time(ts, zone: str) -> str:
    """A stored moment (aware, or naive meaning UTC) as ``dd/mm/yyyy HH:MM`` of ``zone``."""
    if ts is None or pd.isna(ts):
        return ""
    ts = pd.Timestamp(ts)
    return (ts if ts.tzinfo else ts.tz_localize("UTC")).tz_convert(zone).strftime("%d/%m/%Y %H:%M")


def monitoring_document(cfg: Config, m: Monitoring) -> Document:
    """The monitoring report of ``m`` as a document ready for the renderers."""
    cur, prev = m.current, m.previous
    prof = load_profile(cfg)
    lang, zone = m.language, zone_label(cur.timezone, cur.generated)
    total, total_prev = len(cur.alerts), len(prev.alerts)
    events = int(cur.events_by_dataset["events"].sum()) if not cur.events_by_dataset.empty else 0
    period = f"từ ngày {cur.start:%d/%m/%Y} đến ngày {cur.end:%d/%m/%Y}"
    blocks: list = [
        Para("Căn cứ: " + "; ".join(prof.get("periodic", {}).get("legal_basis", [])) + "."),
        Para(f"{cfg.unit} báo cáo kết quả giám sát an toàn thông tin {period} "
             f"đối với các hệ thống thông tin của {cfg.province} như sau:"),
        Heading("1. Tổng quan"),
        Bullets([
            f"Số sự kiện nhật ký đã thu thập và phân tích: {vn_number(events)}.",
            f"Số cảnh báo: {vn_number(total)}, {_change(total, total_prev)}.",
            f"Cảnh báo mức nghiêm trọng và cao: {vn_number(int(cur.alerts['rule_level'].isin(['critical', 'high']).sum()))}.",
            f"Cảnh báo đã được loại trừ theo ngoại lệ: {vn_number(cur.suppressed_alerts)}.",
        ]),
        Heading("2. Cảnh báo theo mức độ"),
        Table(pd.DataFrame({
            "Mức độ": [level_word(lv, lang) for lv in cur.alerts_by_level["level"]],
            "Số cảnh báo": [vn_number(v) for v in cur.alerts_by_level["alerts"]],
            "Kỳ trước": [vn_number(int((prev.alerts["rule_level"] == lv).sum())) for lv in cur.alerts_by_level["level"]],
        })),
        Image(charts.alerts_per_day(cur.alerts_by_day, list(LEVEL_ORDER), lang),
              f"Hình 1. Số cảnh báo theo ngày (ngày tính theo giờ {zone})"),
        Heading("3. Cảnh báo theo hệ thống thông tin"),
        Table(pd.DataFrame({
            "Hệ thống": cur.alerts_by_system["system"], "Cấp độ": cur.alerts_by_system["security_level"],
            "Số cảnh báo": [vn_number(v) for v in cur.alerts_by_system["alerts"]],
        })),
        Heading("4. Cảnh báo theo loại sự cố (Thông tư 20/2017/TT-BTTTT)"),
        Table(pd.DataFrame({"Loại sự cố": m.by_type["name"], "Kỳ này": m.by_type["alerts"].map(vn_number),
                            "Kỳ trước": m.by_type["previous"].map(vn_number),
                            "Chênh lệch": m.by_type["change"].map(lambda v: f"{v:+d}")})),
        Heading("5. Các quy tắc phát hiện có nhiều cảnh báo nhất"),
        Table(pd.DataFrame({"Quy tắc": cur.alerts_by_rule["rule_title"].head(10),
                            "Mức độ": cur.alerts_by_rule["rule_level"].head(10).map(lambda v: level_word(v, lang)),
                            "Số cảnh báo": cur.alerts_by_rule["alerts"].head(10).map(vn_number)})),
        Heading("6. Nguồn tấn công nhiều cảnh báo nhất"),
        Table(pd.DataFrame({"Địa chỉ IP": cur.top_source_ips["source_ip"],
                            "Quốc gia / nguồn gốc": cur.top_source_ips["source_ip"].map(
                                lambda ip: _origin(ip, prof.get("geoip_csv"))),
                            "Số cảnh báo": cur.top_source_ips["alerts"].map(vn_number),
                            "Mức cao nhất": cur.top_source_ips["max_level"].map(lambda v: level_word(v, lang))})),
        Heading("7. Xử lý cảnh báo"),
        Bullets([
            f"Số cảnh báo đã tiếp nhận: {m.response['acknowledged']}; đã xử lý xong: {m.response['resolved']}.",
            "Thời gian trung bình từ khi phát hiện đến khi tiếp nhận: "
            + (f"{vn_number(m.response['mtta_minutes'], 1)} phút." if m.response["mtta_minutes"] is not None
               else "chưa có số liệu."),
            "Thời gian trung bình từ khi phát hiện đến khi xử lý xong: "
            + (f"{vn_number(m.response['mttr_minutes'], 1)} phút." if m.response["mttr_minutes"] is not None
               else "chưa có số liệu."),
        ]),
        Para("Thời hạn phản hồi theo cấp độ hệ thống thông tin (Nghị định 85/2016/NĐ-CP; thời hạn tính từ khi "
             "phát hiện):", bold=True),
        _deadline_table(m.deadlines),
        Bullets([f"Sự cố (hồ sơ sự cố) mở trong kỳ: {m.cases['opened']}; đóng trong kỳ: {m.cases['closed']}; "
                 f"đang xử lý: {m.cases['open']}."]),
        Heading("8. Rủi ro còn tồn tại"),
    ]
    if m.open_risks.empty:
        blocks.append(Para("Không còn cảnh báo mức cao hoặc nghiêm trọng chưa xử lý trong kỳ."))
    else:
        blocks.append(Table(pd.DataFrame({
            f"Thời điểm ({zone})": m.open_risks["first_time"].map(lambda t: _fmt_time(t, cur.timezone)),
            "Quy tắc": m.open_risks["rule_title"],
            "Hệ thống": m.open_risks["system"].fillna(""), "Nguồn": m.open_risks["source_ip"].fillna(""),
            "Trạng thái": m.open_risks["status"].map(lambda v: status_word(v, lang))})))
    blocks.append(Para("Chi tiết toàn bộ cảnh báo trong kỳ tại Phụ lục (tệp XLSX kèm theo).", italic=True))
    return Document(kind="BÁO CÁO", symbol="BC", subject=f"Kết quả giám sát an toàn thông tin {period}",
                    issued=cur.generated.date(), profile=prof, blocks=blocks)


def _deadline_table(frame: pd.DataFrame) -> Table:
    """"Thời hạn phản hồi": one row per system level, then the totals."""
    rows = frame if not frame.empty else deadlines(Config(), pd.DataFrame(), [], datetime.now(UTC))
    counts = ("alerts", "met", "missed", "overdue")
    out = pd.DataFrame({
        "Cấp độ hệ thống": [f"Cấp độ {lv}" for lv in rows["level"]] + ["Tổng cộng"],
        "Tiếp nhận trong": [_hours(int(v)) for v in rows["acknowledge_minutes"]] + [""],
        "Xử lý trong": [_hours(int(v)) for v in rows["resolve_minutes"]] + [""],
        **{name: [vn_number(int(v)) for v in rows[c]] + [vn_number(int(rows[c].sum()))]
           for name, c in zip(("Số cảnh báo", "Tiếp nhận đúng hạn", "Tiếp nhận trễ hạn", "Chưa tiếp nhận, quá hạn"),
                              counts, strict=True)},
    })
    return Table(out, caption="Thời hạn phản hồi", right=frozenset(range(3, 7)), total_row=True)


SHEETS = {"vi": ("Cảnh báo", "Theo quy tắc", "Theo hệ thống", "Theo loại sự cố", "Sự kiện theo ngày"),
          "en": ("Alerts", "By rule", "By system", "By incident type", "Events by day")}


def annex_frames(m: Monitoring) -> dict[str, pd.DataFrame]:
    """Sheets of the XLSX annex: every alert of the period, and the summary tables; times in the report's zone
    (labelled in the header), words and sheet names in the report's language."""
    cur, lang = m.current, m.language
    by_system = cur.alerts_by_system
    if lang == "vi":
        by_system = by_system.assign(type=by_system["type"].map(lambda t: SYSTEM_TYPE_VI.get(t, t)))
    frames = (cur.alerts, cur.alerts_by_rule, by_system, m.by_type, cur.events_by_day)
    headers = ({}, {}, {"type": "Loại hệ thống"} if lang == "vi" else {}, {}, {})
    return {name: annex_frame(f, cur.timezone, lang, at=cur.generated, headers=h)
            for name, f, h in zip(SHEETS[lang], frames, headers, strict=True)}
