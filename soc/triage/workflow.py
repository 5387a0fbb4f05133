"""The alert workflow: status changes (with a resolution when resolved), assignment, Markdown notes.

Every change is checked against the model, then a compare-and-set on the version the analyst saw and lands in the
audit trail; never overwrites an edit made by someone else (``ConflictError`` carries the state they left).
"""

from __future__ import annotations

from typing import Any

from soc.store.contract import StateStore
from soc.triage.model import OPEN_STATUSES, RESOLUTIONS, STATUSES, WORKFLOW, ConflictError

NOTE_LIMIT = 20_000  # characters of one note

__all__ = ["ConflictError", "OPEN_STATUSES", "RESOLUTIONS", "STATUSES", "WORKFLOW"]


def set_status(
    db: StateStore, alert: dict[str, Any], actor: str, status: str, resolution: str | None = None
) -> dict[str, Any]:
    """Move ``alert`` (as the analyst saw it) to ``status``; ``resolved`` needs a resolution, others clear it."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    if status == "resolved" and resolution not in RESOLUTIONS:
        raise ValueError(f"a resolved alert needs a resolution: {', '.join(RESOLUTIONS)}")
    if status != "resolved":
        resolution = None
    return db.update_alert(alert["id"], actor, expected_version=alert["version"], status=status, resolution=resolution)


def set_status_by_id(db: StateStore, alert_id: str, actor: str, status: str, resolution: str | None = None,
                     expected_version: int | None = None) -> dict[str, Any]:
    """``set_status`` for a caller that has only the id (the command line): the alert's current version is read
    first, or ``expected_version`` (what a script saw) is the one compared. ``KeyError`` for an unknown id."""
    alert = db.alert(alert_id)
    if alert is None:
        raise KeyError(alert_id)
    if expected_version is not None:
        alert = {**alert, "version": expected_version}
    return set_status(db, alert, actor, status, resolution)


def assign(db: StateStore, alert: dict[str, Any], actor: str, assignee: str | None) -> dict[str, Any]:
    """Assign ``alert`` to ``assignee`` (None: unassign)."""
    return db.update_alert(alert["id"], actor, expected_version=alert["version"], assignee=assignee or None)


def add_note(db: StateStore, object_type: str, object_id: str, author: str, body: str) -> dict[str, Any]:
    """Store a Markdown note on an alert or a case; audited. Empty notes are refused."""
    body = body.strip()
    if not body:
        raise ValueError("the note is empty")
    if len(body) > NOTE_LIMIT:
        raise ValueError(f"the note is longer than {NOTE_LIMIT} characters")
    return db.add_note(object_type, str(object_id), author, body)


def notes(db: StateStore, object_type: str, object_id: str) -> list[dict[str, Any]]:
    return db.notes(object_type, str(object_id))


def record(db: StateStore, actor: str, object_type: str, object_id: str, action: str, detail: Any = None) -> None:
    """Audit an action that changes nothing stored (e.g. revealing personal data)."""
    db.record(actor, object_type, str(object_id), action, None, detail)
