"""Figures for the TUI dashboard from the state database: alerts per hour, by level and by e-gov system, open
cases and the oldest unacknowledged alert.

Read-only SELECTs on an open ``StateDB``; never writes. Times are stored UTC ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from soc.store.state import LEVELS, StateDB
from soc.timefmt import parse_utc
from soc.tui.queue_model import OPEN_STATUSES

HOURS = 24
OPEN_CASE_STATUSES = ("open", "in_progress")
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


def load(db: StateDB, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard in a handful of indexed queries."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    dash = Dashboard(now=now)
    con = db.con
    opened = ",".join("?" * len(OPEN_STATUSES))
    top = now.replace(minute=0, second=0, microsecond=0)
    start = top - timedelta(hours=HOURS - 1)
    buckets = [0] * HOURS
    rows = con.execute(
        "SELECT coalesce(last_time, first_time, created) AS t FROM alerts "
        "WHERE coalesce(last_time, first_time, created) >= ?",
        (start.strftime(_ISO),),
    ).fetchall()
    for (t,) in rows:
        at = parse_utc(t)
        if at is not None and start <= at < top + timedelta(hours=1):
            buckets[int((at - start).total_seconds() // 3600)] += 1
    dash.per_hour = buckets
    levels = con.execute(
        f"SELECT rule_level, count(*), sum(status IN ({opened})) FROM alerts GROUP BY rule_level",
        OPEN_STATUSES,
    ).fetchall()
    rank = {lv: i for i, lv in enumerate(reversed(LEVELS))}
    dash.by_level = sorted(((lv, n, o or 0) for lv, n, o in levels), key=lambda r: (rank.get(r[0], 99), r[0]))
    dash.total = sum(n for _, n, _ in dash.by_level)
    systems = con.execute(
        f"SELECT coalesce(nullif(system, ''), '—'), count(*), sum(status IN ({opened})) FROM alerts "
        "GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT 12",
        OPEN_STATUSES,
    ).fetchall()
    dash.by_system = [(s, n, o or 0) for s, n, o in systems]
    dash.open_cases = con.execute(
        f"SELECT count(*) FROM cases WHERE status IN ({','.join('?' * len(OPEN_CASE_STATUSES))})",
        OPEN_CASE_STATUSES,
    ).fetchone()[0]
    row = con.execute(
        "SELECT id, rule_title, rule_level, created FROM alerts WHERE status = 'new' ORDER BY created LIMIT 1"
    ).fetchone()
    if row is not None:
        created = parse_utc(row["created"])
        dash.oldest_new = {"id": row["id"], "rule_title": row["rule_title"], "rule_level": row["rule_level"],
                           "created": row["created"], "age": (now - created) if created else None}
    return dash


def age_text(age: timedelta | None) -> str:
    """``3d 4h`` / ``2h 05m`` / ``7m``."""
    if age is None:
        return "?"
    minutes = max(int(age.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"
