"""Suppressions: exceptions (rule + field = value, reason, expiry, author) that make later scans store matching
new alerts as ``suppressed`` instead of ``new``.

Never hides an alert already stored and never deletes a suppression (removal is recorded and audited).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from soc.store.state import StateDB, utcnow

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
    db: StateDB,
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
    now = utcnow()
    with db.tx() as con:
        cur = con.execute(
            "INSERT INTO suppressions(rule_id, field, value, reason, author, created, expires) VALUES (?,?,?,?,?,?,?)",
            (rule_id or ANY_RULE, field, str(value), reason.strip(), author, now, expires),
        )
        sid = cur.lastrowid
        after = {"rule_id": rule_id or ANY_RULE, "field": field, "value": str(value), "reason": reason.strip(),
                 "expires": expires}
        db._audit(con, author, "suppression", str(sid), "create", None, after)
    return get(db, sid)  # type: ignore[return-value]


def get(db: StateDB, sid: int) -> dict[str, Any] | None:
    row = db.con.execute("SELECT * FROM suppressions WHERE id = ?", (sid,)).fetchone()
    return dict(row) if row else None


def active(db: StateDB, now: str | None = None) -> list[dict[str, Any]]:
    """Suppressions not removed and not expired, newest first."""
    now = now or utcnow()
    rows = db.con.execute(
        "SELECT * FROM suppressions WHERE removed IS NULL AND (expires IS NULL OR expires > ?) ORDER BY id DESC",
        (now,),
    ).fetchall()
    return [dict(r) for r in rows]


def remove(db: StateDB, sid: int, actor: str) -> None:
    with db.tx() as con:
        row = con.execute("SELECT * FROM suppressions WHERE id = ? AND removed IS NULL", (sid,)).fetchone()
        if row is None:
            raise KeyError(f"no active suppression {sid}")
        con.execute("UPDATE suppressions SET removed = ? WHERE id = ?", (utcnow(), sid))
        db._audit(con, actor, "suppression", str(sid), "remove", dict(row), None)


def matching(alert: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first suppression among ``rules`` that covers ``alert``."""
    for s in rules:
        if s["rule_id"] not in (ANY_RULE, alert.get("rule_id")):
            continue
        value = alert.get(FIELDS.get(s["field"], ""))
        if value is not None and str(value) == s["value"]:
            return s
    return None


def apply(db: StateDB, alert: dict[str, Any]) -> dict[str, Any] | None:
    """Called by scans before storing a new alert: mark it ``suppressed`` when an active suppression matches."""
    hit = matching(alert, active(db))
    if hit is not None:
        alert["status"] = "suppressed"
    return hit
