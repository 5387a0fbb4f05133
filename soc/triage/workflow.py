"""The alert workflow: status changes (with a resolution when resolved), assignment, Markdown notes.

Every change is a compare-and-set on the version the analyst saw and lands in the audit trail; never overwrites an
edit made by someone else (``ConflictError`` carries the state they left).
"""

from __future__ import annotations

from typing import Any

from soc.store.state import RESOLUTIONS, STATUSES, ConflictError, StateDB, utcnow

WORKFLOW = ("new", "acknowledged", "in_progress", "resolved")
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "escalated")
NOTE_LIMIT = 20_000  # characters of one note

__all__ = ["ConflictError", "OPEN_STATUSES", "RESOLUTIONS", "STATUSES", "WORKFLOW"]


def set_status(
    db: StateDB, alert: dict[str, Any], actor: str, status: str, resolution: str | None = None
) -> dict[str, Any]:
    """Move ``alert`` (as the analyst saw it) to ``status``; ``resolved`` needs a resolution, others clear it."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    if status == "resolved" and resolution not in RESOLUTIONS:
        raise ValueError(f"a resolved alert needs a resolution: {', '.join(RESOLUTIONS)}")
    if status != "resolved":
        resolution = None
    return db.update_alert(alert["id"], actor, expected_version=alert["version"], status=status, resolution=resolution)


def assign(db: StateDB, alert: dict[str, Any], actor: str, assignee: str | None) -> dict[str, Any]:
    """Assign ``alert`` to ``assignee`` (None: unassign)."""
    return db.update_alert(alert["id"], actor, expected_version=alert["version"], assignee=assignee or None)


def add_note(db: StateDB, object_type: str, object_id: str, author: str, body: str) -> dict[str, Any]:
    """Store a Markdown note on an alert or a case; audited. Empty notes are refused."""
    body = body.strip()
    if not body:
        raise ValueError("the note is empty")
    if len(body) > NOTE_LIMIT:
        raise ValueError(f"the note is longer than {NOTE_LIMIT} characters")
    at = utcnow()
    with db.tx() as con:
        cur = con.execute(
            "INSERT INTO notes(object_type, object_id, at, author, body) VALUES (?,?,?,?,?)",
            (object_type, str(object_id), at, author, body),
        )
        db._audit(con, author, object_type, str(object_id), "note", None, {"note": cur.lastrowid})
    return {"id": cur.lastrowid, "object_type": object_type, "object_id": str(object_id), "at": at,
            "author": author, "body": body}


def notes(db: StateDB, object_type: str, object_id: str) -> list[dict[str, Any]]:
    rows = db.con.execute(
        "SELECT * FROM notes WHERE object_type = ? AND object_id = ? ORDER BY id", (object_type, str(object_id))
    ).fetchall()
    return [dict(r) for r in rows]


def record(db: StateDB, actor: str, object_type: str, object_id: str, action: str, detail: Any = None) -> None:
    """Audit an action that changes nothing stored (e.g. revealing personal data)."""
    with db.tx() as con:
        db._audit(con, actor, object_type, str(object_id), action, None, detail)
