"""Time display: stored UTC ISO strings shown in the configured zone (Asia/Ho_Chi_Minh by default)."""

from __future__ import annotations

from datetime import UTC, datetime
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
