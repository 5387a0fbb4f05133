"""Cases (incidents): a title, severity, affected systems, status and the alerts and notes behind them.

Reports are written from cases. Checks every change against the model before the store keeps it; the store audits
it, and a case edit is a compare-and-set on its version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from soc.store.contract import StateStore
from soc.triage import workflow
from soc.triage.model import CASE_STATUSES, SEVERITIES, ConflictError

__all__ = ["CASE_STATUSES", "SEVERITIES", "add_alerts", "create", "get", "list_cases", "remove_alerts", "timeline",
           "update"]


def create(db: StateStore, title: str, actor: str, alert_ids: Iterable[str] = (), severity: str | None = None,
           take_up: bool = False) -> dict:
    """A new open case holding ``alert_ids``; severity defaults to the highest level among them. With ``take_up``
    each ``new`` alert in it moves to ``in_progress`` (audited, as ``actor``)."""
    title = title.strip()
    if not title:
        raise ValueError("a case needs a title")
    ids = list(dict.fromkeys(alert_ids))
    levels = db.alert_levels(ids) if ids else []
    known = [lv for lv in levels if lv in SEVERITIES]
    severity = severity or (max(known, key=SEVERITIES.index) if known else "medium")
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}; expected one of {', '.join(SEVERITIES)}")
    case_id = db.create_case(title, severity, actor, ids)
    if take_up:
        _take_up(db, ids, actor)
    return get(db, case_id)  # type: ignore[return-value]


def add_alerts(db: StateStore, case_id: int, alert_ids: Iterable[str], actor: str, take_up: bool = False) -> list[str]:
    """Add alerts to a case (those already in it are skipped); returns the ids added. With ``take_up`` each added
    ``new`` alert moves to ``in_progress`` (audited, as ``actor``)."""
    added = db.add_case_alerts(case_id, alert_ids, actor)
    if take_up:
        _take_up(db, added, actor)
    return added


def _take_up(db: StateStore, alert_ids: Iterable[str], actor: str) -> None:
    """An alert put in a case is being worked on: ``new`` → ``in_progress`` through the audited workflow, a
    compare-and-set on the version just read (an alert someone else changed meanwhile is left as they left it)."""
    for aid in alert_ids:
        alert = db.alert(aid)
        if alert is None or alert["status"] != "new":
            continue
        try:
            workflow.set_status(db, alert, actor, "in_progress")
        except ConflictError:
            continue


def remove_alerts(db: StateStore, case_id: int, alert_ids: Iterable[str], actor: str) -> int:
    return db.remove_case_alerts(case_id, alert_ids, actor)


def update(db: StateStore, case: dict[str, Any], actor: str, **changes: Any) -> dict[str, Any]:
    """Change title / severity / status / assignee of the case as the analyst saw it (compare-and-set)."""
    bad = set(changes) - {"title", "severity", "status", "assignee"}
    if bad:
        raise ValueError(f"cannot change {', '.join(sorted(bad))} on a case")
    if "status" in changes and changes["status"] not in CASE_STATUSES:
        raise ValueError(f"unknown case status {changes['status']!r}; expected one of {', '.join(CASE_STATUSES)}")
    if "severity" in changes and changes["severity"] not in SEVERITIES:
        raise ValueError(f"unknown severity {changes['severity']!r}")
    return db.update_case(case["id"], actor, case["version"], **changes)


def get(db: StateStore, case_id: int) -> dict[str, Any] | None:
    return db.case(case_id)


def list_cases(db: StateStore, status: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Cases newest first with their alert counts."""
    return db.list_cases(status)


def timeline(db: StateStore, case_id: int) -> list[dict[str, Any]]:
    """What happened, oldest first: the case's alerts (first seen) and its notes and audited changes."""
    items: list[dict[str, Any]] = []
    for r in db.case_alerts(case_id):
        stored = db.alert(r["id"]) or {}  # the rule's Vietnamese title (a case holds few alerts)
        items.append({"at": r["t"], "kind": "alert", "who": "", "text": r["rule_title"], "ref": r["id"],
                      "text_vi": stored.get("rule_title_vi"),
                      "level": r["rule_level"], "source_ip": r["source_ip"], "system": r["system"]})
    for r in db.notes("case", str(case_id)):
        items.append({"at": r["at"], "kind": "note", "who": r["author"], "text": r["body"], "ref": r["id"]})
    for r in db.audit_trail(str(case_id)):
        if r["object_type"] == "case" and r["action"] != "note":
            items.append({"at": r["at"], "kind": r["action"], "who": r["actor"],
                          "text": json.dumps(r["after"] or r["before"], ensure_ascii=False), "ref": r["id"],
                          "before": r["before"], "after": r["after"]})
    return sorted(items, key=lambda i: (i["at"] or "", i["kind"]))
