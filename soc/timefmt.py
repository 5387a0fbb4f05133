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


def zone_label(zone: str, at: datetime | None = None) -> str:
    """How a table header names ``zone``: ``GMT+7`` for a zone whose offset never changes (Asia/Ho_Chi_Minh), else
    the zone's name with its offset at ``at`` (now by default): ``Europe/Paris, GMT+1``."""
    tz = ZoneInfo(zone)
    year = (at or datetime.now(UTC)).year
    offsets = {datetime(year, m, 1, tzinfo=tz).utcoffset() for m in (1, 7)}
    offset = (at or datetime.now(UTC)).astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    text = f"GMT{sign}{hours}" + (f":{mins:02d}" if mins else "")
    return text if len(offsets) == 1 else f"{zone}, {text}"


def to_local_naive(value: object, zone: str) -> datetime | None:
    """A stored moment (ISO UTC text, aware datetime or pandas Timestamp; naive means UTC) as a naive datetime of
    wall-clock time in ``zone`` — what a spreadsheet cell holds. None for no value."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        dt = parse_utc(value)
    elif isinstance(value, datetime):
        dt = value
    else:
        return None
    if hasattr(dt, "to_pydatetime"):  # pandas Timestamp
        if dt != dt:  # NaT
            return None
        dt = dt.to_pydatetime()
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
