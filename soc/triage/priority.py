"""Risk by system level (Decree 85/2016): an alert's priority from its system's security level and its rule level,
and the response clocks (time to acknowledge, to resolve) per system level — due times, what is left, met or missed.

Pure values from the config and the alert (the audit trail for when it was acknowledged); never reads or writes a
store, never decides a status.

The matrix (P1 most urgent; a system not in the inventory, or without a level, counts as ``[triage]
default_system_level``, 3 unless configured)::

    system level   informational  low  medium  high  critical
    5 and 4        P4             P3   P2      P1    P1
    3              P4             P4   P3      P2    P1
    2              P4             P4   P3      P3    P2
    1              P4             P4   P4      P3    P2

Clocks run from the alert's creation (when the SOC learnt of it; its first event time when unknown). The defaults
— level 4–5: acknowledge within 1 hour, resolve within 24 hours; level 3: 4 hours / 72 hours; level 1–2: 24 hours
/ 7 days — are only defaults: ``[triage.clocks]`` of soc.toml sets them per level (``soc.config.DEFAULT_CLOCKS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from soc.config import DEFAULT_CLOCKS, Config
from soc.i18n import tr
from soc.triage.model import LEVELS, OPEN_STATUSES

LOWEST = 4  # P4
_ROW = {5: "43211", 4: "43211", 3: "44321", 2: "44332", 1: "44432"}  # priority per rule level, LEVELS order
MATRIX: dict[tuple[int, str], int] = {
    (system, rule): int(p) for system, row in _ROW.items() for rule, p in zip(LEVELS, row, strict=True)
}


@dataclass(frozen=True)
class Policy:
    """The inventory's levels by system name, the level of other systems, and the clocks per level (minutes to
    acknowledge, minutes to resolve)."""

    levels: tuple[tuple[str, int], ...] = ()
    default_level: int = 3
    clocks: tuple[tuple[int, int, int], ...] = tuple((lv, a, r) for lv, (a, r) in sorted(DEFAULT_CLOCKS.items()))
    _by_name: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        for name, level in self.levels:  # a name listed twice: the first counts (as in the store's sort)
            self._by_name.setdefault(name, level)

    @classmethod
    def of(cls, cfg: Config) -> Policy:
        levels = tuple((s.name, s.level) for s in cfg.systems if 1 <= s.level <= 5)
        return cls(levels, cfg.triage.default_system_level, cfg.triage.clocks)

    def system_level(self, system: str | None) -> int:
        return self._by_name.get(system or "", self.default_level)

    def priority(self, alert: dict[str, Any]) -> int:
        """1 (P1, most urgent) … 4 (P4)."""
        return MATRIX.get((self.system_level(alert.get("system")), str(alert.get("rule_level") or "")), LOWEST)

    def clock(self, level: int) -> tuple[timedelta, timedelta]:
        """Time to acknowledge and time to resolve for a system level."""
        for lv, ack, res in self.clocks:
            if lv == level:
                return timedelta(minutes=ack), timedelta(minutes=res)
        ack, res = DEFAULT_CLOCKS.get(level, DEFAULT_CLOCKS[3])
        return timedelta(minutes=ack), timedelta(minutes=res)

    def query_fields(self) -> dict[str, Any]:
        """The ranking as data for ``AlertQuery`` (the store sorts by it without knowing this module): urgency
        ``5 - priority``, so a descending sort puts P1 first."""
        return {"system_levels": self.levels, "default_system_level": self.default_level,
                "priority_matrix": tuple((s, r, 5 - p) for (s, r), p in MATRIX.items())}


def label(priority: int) -> str:
    return f"P{priority}"


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).replace("Z", "+00:00")
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def started(alert: dict[str, Any]) -> datetime | None:
    """When the clocks of an alert start: its creation, else its first event."""
    return _when(alert.get("created")) or _when(alert.get("first_time"))


def due(policy: Policy, alert: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """When the alert must be acknowledged and resolved by (UTC), or None without a start time."""
    start = started(alert)
    if start is None:
        return None
    ack, res = policy.clock(policy.system_level(alert.get("system")))
    return start + ack, start + res


def acknowledged_at(audit: Iterable[dict[str, Any]]) -> dict[str, datetime]:
    """Alert id → the first time its status changed away from ``new`` (audit rows of alerts, oldest first)."""
    out: dict[str, datetime] = {}
    for row in audit:
        status = (row.get("after") or {}).get("status") if isinstance(row.get("after"), dict) else None
        when = _when(row.get("at"))
        if status and status != "new" and when is not None and row.get("object_id") not in out:
            out[row["object_id"]] = when
    return out


def outcome(policy: Policy, alert: dict[str, Any], acked: datetime | None, now: datetime) -> str:
    """``met`` / ``missed`` (acknowledged in time or late), ``overdue`` (not acknowledged, past due), ``running``
    (not acknowledged, still in time), or ``""`` without a start time."""
    times = due(policy, alert)
    if times is None:
        return ""
    if acked is not None:
        return "met" if acked <= times[0] else "missed"
    if alert.get("status") not in (None, "new"):  # acknowledged before the audit trail began
        return "met"
    return "overdue" if now > times[0] else "running"




def span(delta: timedelta, lang: str = "en") -> str:
    """``35 phút`` / ``2 giờ`` / ``3 ngày`` (``35 min`` / ``2 h`` / ``3 d``): the largest whole unit, at least 1."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return tr("{n} min", lang).format(n=max(minutes, 1))
    if minutes < 48 * 60:
        return tr("{n} h", lang).format(n=minutes // 60)
    return tr("{n} d", lang).format(n=minutes // (24 * 60))


def clock_text(policy: Policy, alert: dict[str, Any], now: datetime, lang: str = "en") -> str:
    """The clock an analyst reads in the queue: to acknowledge while new, to resolve while open, nothing once
    closed — ``còn 35 phút`` / ``quá hạn 2 giờ`` (``35 min left`` / ``2 h overdue``)."""
    status = alert.get("status") or "new"
    times = due(policy, alert)
    if times is None or status not in OPEN_STATUSES:
        return ""
    left = (times[0] if status == "new" else times[1]) - now
    if left >= timedelta(0):
        return tr("{span} left", lang).format(span=span(left, lang))
    return tr("{span} overdue", lang).format(span=span(-left, lang))
