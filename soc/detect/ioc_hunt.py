"""Hunting back: stored history searched for the kept indicators, one alert per (indicator, system, host).

Alert ids are deterministic (indicator and where it was seen), so a re-hunt widens an alert with new events and
otherwise adds nothing. Alerts go to the ``sink`` the caller hands in (``soc.triage.intake.store_alerts``); the
store runs the join. Never changes an indicator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from soc.detect.scan import alert_id
from soc.intel import table
from soc.intel.load import kept
from soc.intel.model import Indicator
from soc.store.contract import Store

RULE_ID = "soc-ioc-hunt"
LEVEL = "high"
ISO = "%Y-%m-%dT%H:%M:%S.%fZ"
AlertSink = Callable[[Any, list[dict[str, Any]]], tuple[int, int]]


@dataclass
class Hunt:
    since: datetime | None
    until: datetime
    indicators: int
    hits: list[dict[str, Any]]  # EventStore.indicator_hits rows, with "indicators" (the kept Indicator objects)
    new: int = 0
    updated: int = 0

    def __str__(self) -> str:
        seen = len({h["ikey"] for h in self.hits})
        return (f"{self.indicators} indicator(s) hunted, {seen} seen in {sum(h['events'] for h in self.hits)} "
                f"event(s); {self.new} new alert(s), {self.updated} widened")


def find(store: Store, since: datetime | None, until: datetime | None = None, warning: str | None = None,
         include_expired: bool = False) -> Hunt:
    """Stored events in ``[since, until)`` holding a kept indicator (of ``warning``; not expired unless asked)."""
    end = until or datetime.now(UTC)
    inds = kept(store.state, warning=warning, active_only=not include_expired) if store.has_state() else []
    named = table.by_key(inds)
    hits = store.events.indicator_hits(table.to_table(inds), table.FIELDS, since, end) if inds else []
    for hit in hits:
        hit["indicators"] = named.get(hit["ikey"], [])
    return Hunt(since, end, len(named), hits)


def alerts_of(hunt: Hunt) -> list[dict[str, Any]]:
    """One alert per (indicator, system, host): naming the indicator, the warning(s) and where it was seen."""
    grouped: dict[tuple, list[dict[str, Any]]] = {}
    for hit in hunt.hits:
        grouped.setdefault((hit["ikey"], hit["system"] or "", hit["host"] or ""), []).append(hit)
    out = []
    for (ikey, system, host), hits in grouped.items():
        inds: list[Indicator] = hits[0]["indicators"]
        warnings = sorted({i.warning for i in inds if i.warning})
        shown = inds[0].value if inds else ikey
        ids = sorted({e for h in hits for e in h["event_ids"]})
        refs = ", ".join(warnings) or "-"
        observed = sorted({str(h["observed"]) for h in hits})
        out.append({
            "id": alert_id(RULE_ID, ikey, system, host),
            "rule_id": RULE_ID,
            "rule_title": f"Indicator of compromise seen: {shown} (warning {refs})",
            "rule_title_vi": f"Phát hiện dấu hiệu tấn công (IOC): {shown} (cảnh báo {refs})",
            "rule_level": LEVEL,
            "rule_tags": ["attack.command_and_control", "ioc", *(f"warning:{w}" for w in warnings)],
            "rule_description": _describe(inds, hits, observed),
            "first_time": min(h["first"] for h in hits).strftime(ISO),
            "last_time": max(h["last"] for h in hits).strftime(ISO),
            "event_ids": ids,
            "group_key": ikey,
            "host": host or None,
            "system": system or None,
            "source_ip": ", ".join(sorted({str(h["observed"]) for h in hits if h["field"].endswith(".ip")}))
            or None,
            "user_name": None,
            "status": "new",
        })
    return out


def _describe(inds: list[Indicator], hits: list[dict[str, Any]], observed: list[str]) -> str:
    lines = [f"Indicator {i.kind} {i.value} named by warning {i.warning or '-'} (source {i.source or '-'}, "
             f"TLP {i.tlp or '-'}, valid until {i.valid_until or '-'})" + (f": {i.label}" if i.label else "")
             for i in inds]
    fields = sorted({h["field"] for h in hits})
    lines.append(f"Seen as {', '.join(observed[:5])} in {', '.join(fields)}; "
                 f"{sum(h['events'] for h in hits)} event(s).")
    return "\n".join(lines)


def hunt(store: Store, sink: AlertSink, since: datetime | None, warning: str | None = None) -> Hunt:
    """Hunt and hand the alerts to ``sink`` (state, alerts) → (new, widened)."""
    found = find(store, since, warning=warning)
    if found.hits:
        found.new, found.updated = sink(store.state, alerts_of(found))
    return found
