"""The periodic monitoring report as data: one pandas step builds every table, renderers only format them.

A period is a range of *local* dates (``cfg.timezone``), both ends included. It becomes a half-open UTC window
``[start 00:00 local, end+1 00:00 local)`` to select alerts (stored as ISO UTC strings) and events (``@timestamp`` is
naive UTC). An alert belongs to the period in which it *first* happened, so consecutive reports never count the same
alert twice; suppressed alerts are counted apart and left out of the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from soc.config import Config
from soc.store.registry import open_store
from soc.triage.model import LEVELS
from soc.triage.queue import listing

# Most severe first: the order every table uses.
LEVEL_ORDER: tuple[str, ...] = tuple(reversed(LEVELS))
UNKNOWN_SYSTEM = "(không xác định)"

ALERT_COLUMNS = (
    "id",
    "rule_id",
    "rule_title",
    "rule_level",
    "rule_tags",
    "first_time",
    "last_time",
    "event_count",
    "host",
    "system",
    "source_ip",
    "user_name",
    "status",
    "resolution",
    "assignee",
    "created",
)

# A masking hook: (value, kind) -> value shown in reports; kind is "ip" or "user". Identity until the
# personal-data policy of the regulatory profile decides what each form must mask.
Masker = Callable[[str, str], str]


def no_mask(value: str, kind: str) -> str:
    """The default masker: report values as stored."""
    return value


@dataclass
class PeriodicData:
    """Every table of one periodic report, plus what is needed to title and date it."""

    province: str
    unit: str
    timezone: str
    start: date
    end: date  # included
    generated: datetime  # aware, in ``timezone``
    start_utc: datetime  # aware UTC, included
    end_utc: datetime  # aware UTC, excluded
    alerts: pd.DataFrame  # one row per alert of the period (suppressed excluded), most recent first
    alerts_by_level: pd.DataFrame  # level, alerts, share (0–1); every level, most severe first
    alerts_by_rule: pd.DataFrame  # rule_id, rule_title, rule_level, alerts, events, first_time, last_time
    alerts_by_system: pd.DataFrame  # system, type, security_level, alerts, <one column per level>
    alerts_by_day: pd.DataFrame  # day, alerts, <one column per level>; every day of the period
    alerts_by_status: pd.DataFrame  # status, alerts
    top_source_ips: pd.DataFrame  # source_ip, alerts, rules, max_level, first_time, last_time
    events_by_dataset: pd.DataFrame  # dataset, events
    events_by_system: pd.DataFrame  # system, events
    events_by_day: pd.DataFrame  # day, <one column per dataset>, total; every day of the period
    suppressed_alerts: int = 0
    masked: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def total_alerts(self) -> int:
        return len(self.alerts)

    @property
    def total_events(self) -> int:
        return int(self.events_by_dataset["events"].sum()) if len(self.events_by_dataset) else 0

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def period_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC window ``[start, end + 1 day)`` of local dates ``start``..``end`` in zone ``tz``."""
    if end < start:
        raise ValueError(f"report period ends ({end}) before it starts ({start})")
    zone = ZoneInfo(tz)
    lo = datetime.combine(start, time(), zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
    return lo, hi


def iso_utc(moment: datetime) -> str:
    """The ISO UTC form alerts are stored in (``YYYY-MM-DDTHH:MM:SS.ffffffZ``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(
    cfg: Config,
    start: date,
    end: date,
    *,
    top: int = 10,
    mask: Masker | None = None,
    now: datetime | None = None,
) -> PeriodicData:
    """Build the tables of the monitoring report for local dates ``start``..``end`` (both included)."""
    lo, hi = period_bounds(start, end, cfg.timezone)
    zone = ZoneInfo(cfg.timezone)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    every = _load_alerts(cfg, lo, hi)
    suppressed = int((every["status"] == "suppressed").sum())
    alerts = every[every["status"] != "suppressed"].reset_index(drop=True)
    alerts["day"] = alerts["first_time"].dt.tz_convert(zone).dt.date
    if mask is not None:
        alerts["source_ip"] = alerts["source_ip"].map(lambda v: mask(v, "ip") if isinstance(v, str) else v)
        alerts["user_name"] = alerts["user_name"].map(lambda v: mask(v, "user") if isinstance(v, str) else v)
    ev_dataset, ev_system, ev_day = _events(cfg, lo, hi, days)
    return PeriodicData(
        province=cfg.province,
        unit=cfg.unit,
        timezone=cfg.timezone,
        start=start,
        end=end,
        generated=(now or datetime.now(UTC)).astimezone(zone),
        start_utc=lo,
        end_utc=hi,
        alerts=alerts.drop(columns=["day"]),
        alerts_by_level=_by_level(alerts),
        alerts_by_rule=_by_rule(alerts),
        alerts_by_system=_by_system(alerts, cfg),
        alerts_by_day=_by_day(alerts, days),
        alerts_by_status=_by_status(alerts),
        top_source_ips=_top_ips(alerts, top),
        events_by_dataset=ev_dataset,
        events_by_system=ev_system,
        events_by_day=ev_day,
        suppressed_alerts=suppressed,
        masked=mask is not None,
    )


# -- alerts ---------------------------------------------------------------------------------------------------
def _load_alerts(cfg: Config, lo: datetime, hi: datetime) -> pd.DataFrame:
    """Alerts that first happened in ``[lo, hi)``, with ``first_time``/``last_time`` as aware UTC timestamps."""
    rows: list[dict] = []
    with open_store(cfg) as store:
        if store.has_state():  # a report never creates the state database
            rows = store.state.alerts(listing(since=iso_utc(lo), until=iso_utc(hi)))
    df = pd.DataFrame([{c: r.get(c) for c in ALERT_COLUMNS} for r in rows], columns=list(ALERT_COLUMNS))
    vi = pd.Series([r.get("rule_title_vi") or None for r in rows], index=df.index, dtype="object")
    df["rule_title"] = vi.fillna(df["rule_title"])  # reports are Vietnamese: the rule's title_vi when it has one
    created = pd.to_datetime(df["created"], utc=True, format="ISO8601")
    df["first_time"] = pd.to_datetime(df["first_time"], utc=True, format="ISO8601").fillna(created)
    df["last_time"] = pd.to_datetime(df["last_time"], utc=True, format="ISO8601").fillna(df["first_time"])
    df["event_count"] = pd.to_numeric(df["event_count"]).fillna(0).astype("int64")
    df["rule_level"] = df["rule_level"].where(df["rule_level"].isin(LEVELS), "informational")
    df["system"] = df["system"].where(df["system"].notna() & (df["system"] != ""), UNKNOWN_SYSTEM)
    keep = (df["first_time"] >= pd.Timestamp(lo)) & (df["first_time"] < pd.Timestamp(hi))
    return df[keep].sort_values(["first_time", "id"], ascending=[False, True]).reset_index(drop=True)


def _level_rank(level: pd.Series) -> pd.Series:
    return level.map({lv: i for i, lv in enumerate(LEVEL_ORDER)}).fillna(len(LEVEL_ORDER))


def _by_level(alerts: pd.DataFrame) -> pd.DataFrame:
    counts = alerts["rule_level"].value_counts().reindex(list(LEVEL_ORDER), fill_value=0).astype("int64")
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "level": list(LEVEL_ORDER),
            "alerts": counts.to_list(),
            "share": [c / total if total else 0.0 for c in counts],
        }
    )


def _by_rule(alerts: pd.DataFrame) -> pd.DataFrame:
    cols = ["rule_id", "rule_title", "rule_level", "alerts", "events", "first_time", "last_time"]
    if alerts.empty:
        return pd.DataFrame(columns=cols)
    ordered = alerts.sort_values("first_time")
    out = (
        ordered.groupby("rule_id", sort=False)
        .agg(
            rule_title=("rule_title", "last"),
            rule_level=("rule_level", "last"),
            alerts=("id", "count"),
            events=("event_count", "sum"),
            first_time=("first_time", "min"),
            last_time=("last_time", "max"),
        )
        .reset_index()
    )
    out["_rank"] = _level_rank(out["rule_level"])
    out = out.sort_values(["_rank", "alerts", "rule_id"], ascending=[True, False, True])
    return out[cols].reset_index(drop=True)


def _level_columns(alerts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Alert counts per ``by`` value with one column per level (most severe first) and ``alerts`` in total."""
    table = pd.crosstab(alerts[by], alerts["rule_level"]) if len(alerts) else pd.DataFrame()
    table = table.reindex(columns=list(LEVEL_ORDER), fill_value=0)
    table.insert(0, "alerts", table.sum(axis=1))
    table.columns.name = None
    return table.astype("int64")


def _by_system(alerts: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    table = _level_columns(alerts, "system")
    inventory = {s.name: s for s in cfg.systems}
    names = [s.name for s in cfg.systems] + sorted(n for n in table.index if n not in inventory)
    table = table.reindex(names, fill_value=0)
    table.index.name = "system"
    table = table.reset_index()
    table.insert(1, "type", [inventory[n].type if n in inventory else "" for n in names])
    table.insert(2, "security_level", [inventory[n].level if n in inventory else 0 for n in names])
    # systems of the inventory keep their configured order; the busiest come first
    return table.sort_values("alerts", ascending=False, kind="stable").reset_index(drop=True)


def _by_day(alerts: pd.DataFrame, days: list[date]) -> pd.DataFrame:
    table = _level_columns(alerts, "day").reindex(days, fill_value=0)
    table.index.name = "day"
    return table.reset_index()


def _by_status(alerts: pd.DataFrame) -> pd.DataFrame:
    counts = alerts["status"].fillna("new").value_counts()
    return pd.DataFrame({"status": counts.index.to_list(), "alerts": counts.astype("int64").to_list()})


def _top_ips(alerts: pd.DataFrame, top: int) -> pd.DataFrame:
    cols = ["source_ip", "alerts", "rules", "max_level", "first_time", "last_time"]
    with_ip = alerts[alerts["source_ip"].notna() & (alerts["source_ip"] != "")]
    if with_ip.empty:
        return pd.DataFrame(columns=cols)
    with_ip = with_ip.assign(_rank=_level_rank(with_ip["rule_level"]))
    out = (
        with_ip.groupby("source_ip")
        .agg(
            alerts=("id", "count"),
            rules=("rule_id", "nunique"),
            _rank=("_rank", "min"),
            first_time=("first_time", "min"),
            last_time=("last_time", "max"),
        )
        .reset_index()
    )
    out["max_level"] = out["_rank"].map(lambda r: LEVEL_ORDER[int(r)] if r < len(LEVEL_ORDER) else "")
    out = out.sort_values(["alerts", "_rank", "source_ip"], ascending=[False, True, True]).head(top)
    return out[cols].reset_index(drop=True)


# -- events ---------------------------------------------------------------------------------------------------
def _events(
    cfg: Config, lo: datetime, hi: datetime, days: list[date]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Event counts of ``[lo, hi)`` by dataset, by e-gov system and by local day × dataset."""
    zone = ZoneInfo(cfg.timezone)
    bounds = pd.DataFrame(
        {
            "day": [d.isoformat() for d in days],
            "lo": [_naive_utc(datetime.combine(d, time(), zone)) for d in days],
            "hi": [_naive_utc(datetime.combine(d + timedelta(days=1), time(), zone)) for d in days],
        }
    )
    windows = [(d, lo_, hi_) for d, lo_, hi_ in bounds.itertuples(index=False)]
    raw = pd.DataFrame(open_store(cfg).events.counts_by_day(windows, UNKNOWN_SYSTEM),
                       columns=["day", "dataset", "system", "events"])
    raw["events"] = raw["events"].astype("int64")
    by_dataset = (
        raw.groupby("dataset", as_index=False)["events"]
        .sum()
        .sort_values(["events", "dataset"], ascending=[False, True])
        .reset_index(drop=True)
    )
    by_system = (
        raw.groupby("system", as_index=False)["events"]
        .sum()
        .sort_values(["events", "system"], ascending=[False, True])
        .reset_index(drop=True)
    )
    wide = raw.pivot_table(index="day", columns="dataset", values="events", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=bounds["day"].to_list(), columns=by_dataset["dataset"].to_list(), fill_value=0)
    wide = wide.astype("int64")
    wide["total"] = wide.sum(axis=1)
    wide.columns.name = None
    wide.index = [date.fromisoformat(d) for d in wide.index]
    wide.index.name = "day"
    return by_dataset, by_system, wide.reset_index()


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
