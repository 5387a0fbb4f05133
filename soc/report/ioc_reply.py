"""The reply to a warning with indicators (``soc report ioc --warning REF``): what was searched (period, systems,
log sources), what was found (indicator, system, first/last time in the local zone, events) and what was done — or
the statement that none of the indicators was seen in that scope. Decree 30/2020 layout like the other reports.

Reads only (a data directory without state gets the "nothing seen" reply); hostile indicator and log text is made
inert by the renderers (``soc.report.safe_text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from soc.config import Config
from soc.detect.ioc_hunt import RULE_ID, Hunt, find
from soc.intel.load import kept
from soc.intel.model import Indicator
from soc.report.document import Bullets, Document, Heading, Para, Table, vn_number
from soc.report.profile import load_profile
from soc.report.words import DATASET_VI, resolution_word, status_word
from soc.store.registry import open_store
from soc.timefmt import zone_label

KIND_VI = {"ip": "Địa chỉ IP / dải IP", "domain": "Tên miền", "url": "URL", "hash": "Mã băm tệp",
           "email": "Địa chỉ thư điện tử"}


@dataclass
class Reply:
    warning: str
    since: datetime
    until: datetime
    indicators: list[Indicator]
    hunt: Hunt | None
    coverage: list[tuple[str, str, int]] = field(default_factory=list)  # (system, dataset, events)
    actions: list[str] = field(default_factory=list)


def build_reply(cfg: Config, warning: str, since: datetime, until: datetime | None = None) -> Reply:
    end = until or datetime.now(UTC)
    with open_store(cfg) as store:
        if not store.has_state():
            return Reply(warning, since, end, [], None)
        inds = kept(store.state, warning=warning)
        hunt = find(store, since, end, warning=warning, include_expired=True) if inds else None
        days = _days(since, end)
        counts: dict[tuple[str, str], int] = {}
        for _day, dataset, system, n in store.events.counts_by_day(days, "(chưa xác định)"):
            counts[(system, dataset)] = counts.get((system, dataset), 0) + n
        actions = []
        for alert in store.state.alerts():
            if alert["rule_id"] != RULE_ID or f"warning:{warning}" not in (alert.get("rule_tags") or []):
                continue
            done = status_word(alert["status"], "vi") + (f" ({resolution_word(alert['resolution'], 'vi')})"
                                                         if alert.get("resolution") else "")
            actions.append(f"{alert['rule_title_vi'] or alert['rule_title']} — {alert.get('system') or ''}: {done}")
            actions += [f"  {n['body']}" for n in store.state.notes("alert", alert["id"])]
    coverage = sorted(((s, d, n) for (s, d), n in counts.items()), key=lambda r: (r[0], r[1]))
    return Reply(warning, since, end, inds, hunt, coverage, actions)


def known_warnings(cfg: Config) -> list[str]:
    """The warning references indicators were imported under (none when the data directory has no state)."""
    with open_store(cfg) as store:
        return sorted({i.warning for i in kept(store.state)}) if store.has_state() else []


def _days(since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    out, at = [], since
    while at < until:
        nxt = min(at + timedelta(days=1), until)
        out.append((at.date().isoformat(), at, nxt))
        at = nxt
    return out


def _local(cfg: Config, moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(cfg.timezone)).strftime("%H:%M %d/%m/%Y")


def hits_frame(cfg: Config, reply: Reply) -> pd.DataFrame:
    label = zone_label(cfg.timezone)
    hits = reply.hunt.hits if reply.hunt else []
    return pd.DataFrame({
        "Dấu hiệu": [h["indicators"][0].value if h["indicators"] else h["ikey"] for h in hits],
        "Loại": [KIND_VI.get(h["ikey"].split(":", 1)[0], "") for h in hits],
        "Hệ thống": [h["system"] or h["host"] or "" for h in hits],
        "Nguồn nhật ký": [DATASET_VI.get(h["dataset"] or "", h["dataset"] or "") for h in hits],
        "Giá trị trong nhật ký": [str(h["observed"]) for h in hits],
        f"Lần đầu ({label})": [_local(cfg, h["first"]) for h in hits],
        f"Lần cuối ({label})": [_local(cfg, h["last"]) for h in hits],
        "Số sự kiện": [vn_number(h["events"]) for h in hits],
    })


def reply_document(cfg: Config, reply: Reply) -> Document:
    prof = load_profile(cfg)
    label = zone_label(cfg.timezone)
    period = f"từ {_local(cfg, reply.since)} đến {_local(cfg, reply.until)} ({label})"
    kinds = pd.Series([i.kind for i in reply.indicators], dtype=object).value_counts()
    hits = reply.hunt.hits if reply.hunt else []
    seen = sorted({h["ikey"] for h in hits})
    systems = sorted({s for s, _d, _n in reply.coverage})
    blocks = [
        Para(f"Thực hiện văn bản cảnh báo số {reply.warning}, {cfg.unit} "
             "đã rà soát các hệ thống thông tin thuộc phạm vi giám sát đối với các dấu hiệu tấn công (IOC) nêu "
             "trong cảnh báo. Kết quả như sau:"),
        Heading("1. Phạm vi rà soát"),
        Bullets([
            f"Thời gian rà soát: {period}.",
            "Dấu hiệu đã rà soát: " + (", ".join(f"{vn_number(int(n))} {KIND_VI.get(k, k).lower()}"
                                                 for k, n in kinds.items()) or "không có dấu hiệu nào được nhập")
            + ".",
            "Hệ thống: " + ("; ".join(systems) or "không có dữ liệu nhật ký trong thời gian rà soát") + ".",
            "Nguồn nhật ký: " + ("; ".join(f"{DATASET_VI.get(d, d)} — {s}: {vn_number(n)} sự kiện"
                                            for s, d, n in reply.coverage) or "không có") + ".",
        ]),
        Heading("2. Kết quả"),
    ]
    if hits:
        blocks += [
            Para(f"Phát hiện {vn_number(len(seen))}/{vn_number(len({i.key for i in reply.indicators}))} dấu hiệu "
                 f"trong {vn_number(sum(h['events'] for h in hits))} sự kiện nhật ký, chi tiết tại bảng dưới đây."),
            Table(hits_frame(cfg, reply), f"Dấu hiệu được phát hiện (thời gian theo {label})", right=frozenset({7})),
        ]
    else:
        blocks.append(Para(f"Trong thời gian {period}, không phát hiện dấu hiệu nào trong số các dấu hiệu nêu tại "
                           "cảnh báo trên các hệ thống và nguồn nhật ký nêu tại mục 1.", bold=True))
    blocks += [
        Heading("3. Biện pháp đã thực hiện"),
        Bullets(reply.actions or (["Chưa ghi nhận biện pháp xử lý; đề nghị chặn các dấu hiệu được phát hiện tại "
                                   "tường lửa và kiểm tra các máy liên quan."] if hits else
                                  ["Đã đưa các dấu hiệu vào danh sách giám sát; tiếp tục theo dõi khi nhật ký mới "
                                   "được thu thập."])),
    ]
    return Document(kind="BÁO CÁO", symbol="BC", subject=f"Kết quả rà soát dấu hiệu tấn công theo cảnh báo số "
                    f"{reply.warning}", issued=datetime.now(ZoneInfo(cfg.timezone)).date(), profile=prof,
                    blocks=blocks)


def reply_annex(cfg: Config, reply: Reply) -> dict[str, pd.DataFrame]:
    inds = pd.DataFrame([{"Loại": KIND_VI.get(i.kind, i.kind), "Dấu hiệu": i.value, "Như trong cảnh báo": i.original,
                          "Nguồn": i.source, "TLP": i.tlp, "Hiệu lực đến": i.valid_until or ""}
                         for i in reply.indicators])
    return {"Kết quả": hits_frame(cfg, reply), "Dấu hiệu": inds}
