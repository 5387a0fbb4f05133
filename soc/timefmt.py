"""Time display: stored UTC ISO strings shown in the configured zone (Asia/Ho_Chi_Minh by default)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def parse_utc(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def local_time(value: str | None, zone: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """``2026-11-24T03:00:01Z`` → ``2026-11-24 10:00:01`` in ``zone``; empty for no value."""
    dt = parse_utc(value)
    return dt.astimezone(ZoneInfo(zone)).strftime(fmt) if dt else ""


_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: str, zone: str, now: datetime | None = None) -> datetime:
    """What an analyst types for a time: ``30m`` / ``24h`` / ``7d`` / ``2w`` ago, or ISO ``2026-11-24`` /
    ``2026-11-24T10:00`` (read in ``zone`` unless it carries an offset) → an aware UTC datetime.

    Raises ValueError with the accepted forms when the text is none of them.
    """
    now = now or datetime.now(UTC)
    m = _RELATIVE.match(value.strip().lower())
    if m:
        return now.astimezone(UTC) - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"cannot read time {value!r}; use 24h, 7d, 2026-11-24 or 2026-11-24T10:00") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(zone))
    return dt.astimezone(UTC)
