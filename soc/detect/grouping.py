"""Alert grouping for noisy detection rules: one alert per source and burst instead of one per event.

A rule opts in with two custom attributes::

    alert_group_by: source.ip        # source.ip | user.name | host.name | soc.system
    alert_group_window: 1h           # events of the same value less than this apart form one burst (s, m, h, d)

A scanner sending 10 000 requests is then one alert holding their events (``event_count``), as Elastic's alert
suppression does. A later scan that finds more events of the same burst widens that alert instead of opening
another; a burst after a quiet gap longer than the window opens a new one.

Every other rule has a cap (``alert_cap``, default :data:`ALERT_CAP` per scan): past it, its events are grouped by
host, user and source within :data:`CAP_WINDOW`, and groups past the cap are merged into one alert. No event is
dropped: each alert holds all the events grouped into it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

ALERT_CAP = 200  # alerts one ungrouped rule opens in one scan before its events are grouped
CAP_WINDOW = timedelta(hours=1)
CAP_KEY = "soc_cap_key"  # row key naming a row's host, user and source
OVERFLOW = "(more groups)"  # group key of the alert holding the groups past the cap
GROUP_FIELDS = {"source.ip": "source_ip", "user.name": "user_name", "host.name": "host", "soc.system": "system"}
_SPAN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class GroupingError(ValueError):
    """A rule's alert_group_* attributes are not usable."""


def grouping_of(attribute) -> tuple[str, timedelta] | None:
    """``(alert column, window)`` of a rule (``attribute(name)`` reads its custom attributes), or None."""
    field = attribute("alert_group_by")
    if not field:
        return None
    if field not in GROUP_FIELDS:
        raise GroupingError(f"alert_group_by must be one of {', '.join(GROUP_FIELDS)}, not {field!r}")
    m = _SPAN.match(str(attribute("alert_group_window", "1h")))
    if m is None:
        raise GroupingError(f"alert_group_window must look like 30m, 1h or 1d, not {attribute('alert_group_window')!r}")
    return GROUP_FIELDS[field], timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


def bursts(rows: list[dict[str, Any]], column: str, window: timedelta) -> list[list[dict[str, Any]]]:
    """Rows (ordered by time, each with ``ts``) split per value of ``column`` into bursts: a row joins the open
    burst of its value when it comes less than ``window`` after that burst's last row."""
    open_: dict[Any, list[dict[str, Any]]] = {}
    out: list[list[dict[str, Any]]] = []
    for row in rows:
        key = row.get(column)
        burst = open_.get(key)
        last: datetime | None = burst[-1]["ts"] if burst else None
        if burst is not None and last is not None and row["ts"] is not None and row["ts"] - last <= window:
            burst.append(row)
        else:
            burst = [row]
            open_[key] = burst
            out.append(burst)
    return out


def cap_of(attribute) -> int:
    """A rule's ``alert_cap`` (alerts per scan before grouping), :data:`ALERT_CAP` when unset."""
    value = attribute("alert_cap", ALERT_CAP)
    try:
        cap = int(value)
    except (TypeError, ValueError):
        raise GroupingError(f"alert_cap must be a whole number of alerts, not {value!r}") from None
    if cap < 1:
        raise GroupingError(f"alert_cap must be at least 1, not {cap}")
    return cap


def capped_bursts(rows: list[dict[str, Any]], cap: int) -> list[list[dict[str, Any]]]:
    """Rows (by time) grouped by host, user and source into bursts (:data:`CAP_WINDOW`), at most ``cap``: the
    largest ``cap - 1`` kept, the rest merged (in time order) into one, keyed :data:`OVERFLOW`. Every row is kept."""
    for row in rows:
        row[CAP_KEY] = f"host={row.get('host') or ''} user={row.get('user_name') or ''} source={row.get('source_ip') or ''}"
    groups = bursts(rows, CAP_KEY, CAP_WINDOW)
    if len(groups) <= cap:
        return groups
    ranked = sorted(range(len(groups)), key=lambda i: (-len(groups[i]), i))
    kept = sorted(ranked[:cap - 1])
    rest = sorted((r for i in ranked[cap - 1:] for r in groups[i]), key=lambda r: (r["ts"] is None, r["ts"], r["eid"]))
    for row in rest:
        row[CAP_KEY] = OVERFLOW
    return [groups[i] for i in kept] + [rest]
