"""Cases (incidents): a title, severity, affected systems, status and the alerts and notes behind them.

Reports are written from cases. Every change is audited; a case edit is a compare-and-set on its version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from soc.store.state import LEVELS, ConflictError, StateDB, utcnow

CASE_STATUSES = ("open", "in_progress", "resolved", "closed")
SEVERITIES = LEVELS[1:]  # low … critical


def _case(row: Any) -> dict[str, Any]:
    d = dict(row)
    d["systems"] = json.loads(d["systems"] or "[]")
    return d


def _systems(db: StateDB, case_id: int) -> list[str]:
    rows = db.con.execute(
        "SELECT DISTINCT a.system FROM case_alerts c JOIN alerts a ON a.id = c.alert_id "
        "WHERE c.case_id = ? AND a.system IS NOT NULL AND a.system != '' ORDER BY 1",
        (case_id,),
    ).fetchall()
    return [r[0] for r in rows]


def create(db: StateDB, title: str, actor: str, alert_ids: Iterable[str] = (), severity: str | None = None) -> dict:
    """A new open case holding ``alert_ids``; severity defaults to the highest level among them."""
    title = title.strip()
    if not title:
        raise ValueError("a case needs a title")
    ids = list(dict.fromkeys(alert_ids))
    now = utcnow()
    with db.tx() as con:
        levels = [
            r[0]
            for r in con.execute(
                f"SELECT rule_level FROM alerts WHERE id IN ({','.join('?' * len(ids))})", ids
            ).fetchall()
        ] if ids else []
        known = [lv for lv in levels if lv in SEVERITIES]
        severity = severity or (max(known, key=SEVERITIES.index) if known else "medium")
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}; expected one of {', '.join(SEVERITIES)}")
        cur = con.execute(
            "INSERT INTO cases(title, severity, author, created, updated) VALUES (?,?,?,?,?)",
            (title, severity, actor, now, now),
        )
        cid = cur.lastrowid
        db._audit(con, actor, "case", str(cid), "create", None, {"title": title, "severity": severity})
        _add(db, con, cid, ids, actor)
    return get(db, cid)  # type: ignore[return-value]


def _add(db: StateDB, con: Any, cid: int, ids: list[str], actor: str) -> list[str]:
    added = []
    now = utcnow()
    for aid in ids:
        if con.execute("SELECT 1 FROM alerts WHERE id = ?", (aid,)).fetchone() is None:
            raise KeyError(f"no alert {aid}")
        cur = con.execute(
            "INSERT OR IGNORE INTO case_alerts(case_id, alert_id, added, actor) VALUES (?,?,?,?)", (cid, aid, now, actor)
        )
        if cur.rowcount:
            added.append(aid)
    if added:
        db._audit(con, actor, "case", str(cid), "add_alerts", None, {"alerts": added})
    systems = json.dumps(
        [r[0] for r in con.execute(
            "SELECT DISTINCT a.system FROM case_alerts c JOIN alerts a ON a.id = c.alert_id "
            "WHERE c.case_id = ? AND coalesce(a.system, '') != '' ORDER BY 1", (cid,)).fetchall()],
        ensure_ascii=False,
    )
    con.execute("UPDATE cases SET systems = ?, updated = ?, version = version + 1 WHERE id = ?", (systems, now, cid))
    return added


def add_alerts(db: StateDB, case_id: int, alert_ids: Iterable[str], actor: str) -> list[str]:
    """Add alerts to a case (those already in it are skipped); returns the ids added."""
    with db.tx() as con:
        if con.execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is None:
            raise KeyError(f"no case {case_id}")
        return _add(db, con, case_id, list(dict.fromkeys(alert_ids)), actor)


def remove_alerts(db: StateDB, case_id: int, alert_ids: Iterable[str], actor: str) -> int:
    ids = list(alert_ids)
    with db.tx() as con:
        removed = 0
        for aid in ids:
            removed += con.execute("DELETE FROM case_alerts WHERE case_id = ? AND alert_id = ?", (case_id, aid)).rowcount
        if removed:
            db._audit(con, actor, "case", str(case_id), "remove_alerts", {"alerts": ids}, None)
            systems = json.dumps(_systems(db, case_id), ensure_ascii=False)
            con.execute(
                "UPDATE cases SET systems = ?, updated = ?, version = version + 1 WHERE id = ?",
                (systems, utcnow(), case_id),
            )
    return removed


def update(db: StateDB, case: dict[str, Any], actor: str, **changes: Any) -> dict[str, Any]:
    """Change title / severity / status / assignee of the case as the analyst saw it (compare-and-set)."""
    bad = set(changes) - {"title", "severity", "status", "assignee"}
    if bad:
        raise ValueError(f"cannot change {', '.join(sorted(bad))} on a case")
    if "status" in changes and changes["status"] not in CASE_STATUSES:
        raise ValueError(f"unknown case status {changes['status']!r}; expected one of {', '.join(CASE_STATUSES)}")
    if "severity" in changes and changes["severity"] not in SEVERITIES:
        raise ValueError(f"unknown severity {changes['severity']!r}")
    with db.tx() as con:
        row = con.execute("SELECT * FROM cases WHERE id = ?", (case["id"],)).fetchone()
        if row is None:
            raise KeyError(f"no case {case['id']}")
        current = _case(row)
        if current["version"] != case["version"]:
            raise ConflictError(f"case {case['id']} was changed by someone else", current)
        sets = ", ".join(f"{k} = ?" for k in changes)
        con.execute(
            f"UPDATE cases SET {sets}, updated = ?, version = version + 1 WHERE id = ?",
            (*changes.values(), utcnow(), case["id"]),
        )
        db._audit(con, actor, "case", str(case["id"]), "update", {k: current[k] for k in changes}, changes)
    return get(db, case["id"])  # type: ignore[return-value]


def get(db: StateDB, case_id: int) -> dict[str, Any] | None:
    row = db.con.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        return None
    case = _case(row)
    case["alert_ids"] = [
        r[0] for r in db.con.execute("SELECT alert_id FROM case_alerts WHERE case_id = ? ORDER BY added, alert_id",
                                     (case_id,)).fetchall()
    ]
    return case


def list_cases(db: StateDB, status: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Cases newest first with their alert counts."""
    sql = ("SELECT c.*, (SELECT count(*) FROM case_alerts x WHERE x.case_id = c.id) AS alert_count FROM cases c")
    args: list[str] = []
    if status:
        vals = list(status)
        sql += f" WHERE c.status IN ({','.join('?' * len(vals))})"
        args = vals
    return [_case(r) for r in db.con.execute(sql + " ORDER BY c.id DESC", args).fetchall()]


def timeline(db: StateDB, case_id: int) -> list[dict[str, Any]]:
    """What happened, oldest first: the case's alerts (first seen) and its notes and audited changes."""
    items: list[dict[str, Any]] = []
    for r in db.con.execute(
        "SELECT a.id, a.rule_title, a.rule_level, coalesce(a.first_time, a.created) AS t, a.source_ip, a.system "
        "FROM case_alerts c JOIN alerts a ON a.id = c.alert_id WHERE c.case_id = ?",
        (case_id,),
    ).fetchall():
        items.append({"at": r["t"], "kind": "alert", "who": "", "text": r["rule_title"], "ref": r["id"],
                      "level": r["rule_level"], "source_ip": r["source_ip"], "system": r["system"]})
    for r in db.con.execute(
        "SELECT at, author, body, id FROM notes WHERE object_type = 'case' AND object_id = ?", (str(case_id),)
    ).fetchall():
        items.append({"at": r["at"], "kind": "note", "who": r["author"], "text": r["body"], "ref": r["id"]})
    for r in db.audit_trail(str(case_id)):
        if r["object_type"] == "case" and r["action"] != "note":
            items.append({"at": r["at"], "kind": r["action"], "who": r["actor"],
                          "text": json.dumps(r["after"] or r["before"], ensure_ascii=False), "ref": r["id"]})
    return sorted(items, key=lambda i: (i["at"] or "", i["kind"]))
