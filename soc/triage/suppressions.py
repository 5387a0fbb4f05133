"""Suppressions: exceptions (rule + field = value, reason, expiry, author) that make later scans store matching
new alerts as ``suppressed`` instead of ``new``.

Never hides an alert already stored and never deletes a suppression (the store records and audits its removal).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from soc.store.contract import StateStore

# Field an analyst names (ECS-style) → the alert column it compares with.
FIELDS = {
    "source.ip": "source_ip",
    "user.name": "user_name",
    "host.hostname": "host",
    "soc.system": "system",
    "group_key": "group_key",
}
ANY_RULE = "*"


def create(
    db: StateStore,
    rule_id: str,
    field: str,
    value: str,
    reason: str,
    author: str,
    expires: str | None = None,
    days: float | None = None,
) -> dict[str, Any]:
    """Add a suppression; ``expires`` is an ISO UTC time, or give ``days`` from now (None: never expires)."""
    if field not in FIELDS:
        raise ValueError(f"cannot suppress on {field!r}; use one of {', '.join(FIELDS)}")
    if not str(value).strip():
        raise ValueError("a suppression needs a value")
    if not reason.strip():
        raise ValueError("a suppression needs a reason")
    if days is not None:
        expires = (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return db.add_suppression(rule_id or ANY_RULE, field, str(value), reason.strip(), author, expires)


def get(db: StateStore, sid: int) -> dict[str, Any] | None:
    return db.suppression(sid)


def active(db: StateStore, now: str | None = None) -> list[dict[str, Any]]:
    """Suppressions not removed and not expired, newest first."""
    return db.active_suppressions(now)


def remove(db: StateStore, sid: int, actor: str) -> None:
    db.remove_suppression(sid, actor)


def matching(alert: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first suppression among ``rules`` that covers ``alert``."""
    for s in rules:
        if s["rule_id"] not in (ANY_RULE, alert.get("rule_id")):
            continue
        value = alert.get(FIELDS.get(s["field"], ""))
        if value is not None and str(value) == s["value"]:
            return s
    return None


def apply(db: StateStore, alert: dict[str, Any]) -> dict[str, Any] | None:
    """Called by scans before storing a new alert: mark it ``suppressed`` when an active suppression matches."""
    hit = matching(alert, active(db))
    if hit is not None:
        alert["status"] = "suppressed"
    return hit
