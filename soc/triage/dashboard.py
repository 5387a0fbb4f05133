"""Figures for the dashboard from the state store: alerts per hour, by level and by e-gov system, open cases and
the oldest unacknowledged alert.

Reads only (a handful of store figures); never writes. Times are stored UTC ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from soc.i18n import tr
from soc.store.contract import StateStore
from soc.timefmt import parse_utc
from soc.triage.model import LEVELS, OPEN_CASE_STATUSES, OPEN_STATUSES

HOURS = 24
SYSTEMS_SHOWN = 12
NO_SYSTEM = "—"
_ISO = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass
class Dashboard:
    now: datetime
    per_hour: list[int] = field(default_factory=list)  # HOURS buckets, oldest first; the last is the current hour
    by_level: list[tuple[str, int, int]] = field(default_factory=list)  # (level, all, open), most severe first
    by_system: list[tuple[str, int, int]] = field(default_factory=list)  # (system, all, open), busiest first
    open_cases: int = 0
    oldest_new: dict[str, Any] | None = None  # id, rule_title, created, age (timedelta)
    total: int = 0


def load(db: StateStore, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard in a handful of indexed queries."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    dash = Dashboard(now=now)
    top = now.replace(minute=0, second=0, microsecond=0)
    start = top - timedelta(hours=HOURS - 1)
    buckets = [0] * HOURS
    for t in db.alert_times_since(start.strftime(_ISO)):
        at = parse_utc(t)
        if at is not None and start <= at < top + timedelta(hours=1):
            buckets[int((at - start).total_seconds() // 3600)] += 1
    dash.per_hour = buckets
    levels = db.alert_counts_by_level(OPEN_STATUSES)
    rank = {lv: i for i, lv in enumerate(reversed(LEVELS))}
    dash.by_level = sorted(((lv, n, o or 0) for lv, n, o in levels), key=lambda r: (rank.get(r[0], 99), r[0]))
    dash.total = sum(n for _, n, _ in dash.by_level)
    systems = db.alert_counts_by_system(OPEN_STATUSES, SYSTEMS_SHOWN, NO_SYSTEM)
    dash.by_system = [(s, n, o or 0) for s, n, o in systems]
    dash.open_cases = db.case_count(OPEN_CASE_STATUSES)
    row = db.oldest_alert("new")
    if row is not None:
        created = parse_utc(row["created"])
        dash.oldest_new = {"id": row["id"], "rule_title": row["rule_title"], "rule_level": row["rule_level"],
                           "created": row["created"], "age": (now - created) if created else None}
    return dash



def age_text(age: timedelta | None, lang: str = "en") -> str:
    """``3d 4h`` / ``2h 05m`` / ``7m`` (``3 ngày 4 giờ`` / ``2 giờ 05 phút`` / ``7 phút``)."""
    if age is None:
        return "?"
    minutes = max(int(age.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return tr("{d}d {h}h", lang).format(d=days, h=hours)
    return tr("{h}h {m}m", lang).format(h=hours, m=f"{mins:02d}") if hours else tr("{m}m", lang).format(m=mins)
