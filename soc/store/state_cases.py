"""Cases, notes and suppressions in the SQLite state database: the part of ``StateDB`` that keeps them.

Each change and its audit row land in one transaction; a case edit is a compare-and-set on its version. Checks
only what SQL needs (known columns, existing rows): what a status or severity may be is ``soc.triage``'s rule.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from soc.store.state_rows import audit, case_dict, utcnow
from soc.store.types import ConflictError, iter_chunks

CASE_CHANGES = ("title", "severity", "status", "assignee")  # the columns an analyst's case edit may set


class CaseState:
    """Cases (with their alerts), notes and suppressions; mixed into ``StateDB``."""

    con: sqlite3.Connection
    tx: Callable[[], AbstractContextManager[sqlite3.Connection]]  # StateDB.tx: BEGIN IMMEDIATE … COMMIT

    # -- cases ---------------------------------------------------------------------------------------------
    def create_case(self, title: str, severity: str, actor: str, alert_ids: Sequence[str]) -> int:
        now = utcnow()
        with self.tx() as con:
            cur = con.execute(
                "INSERT INTO cases(title, severity, author, created, updated) VALUES (?,?,?,?,?)",
                (title, severity, actor, now, now),
            )
            cid = cur.lastrowid
            audit(con, actor, "case", str(cid), "create", None, {"title": title, "severity": severity})
            _add(con, cid, list(alert_ids), actor)
        return int(cid)  # type: ignore[arg-type]

    def add_case_alerts(self, case_id: int, alert_ids: Iterable[str], actor: str) -> list[str]:
        with self.tx() as con:
            if con.execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is None:
                raise KeyError(f"no case {case_id}")
            return _add(con, case_id, list(dict.fromkeys(alert_ids)), actor)

    def remove_case_alerts(self, case_id: int, alert_ids: Iterable[str], actor: str) -> int:
        ids = list(alert_ids)
        with self.tx() as con:
            removed = 0
            for aid in ids:
                removed += con.execute("DELETE FROM case_alerts WHERE case_id = ? AND alert_id = ?",
                                       (case_id, aid)).rowcount
            if removed:
                audit(con, actor, "case", str(case_id), "remove_alerts", {"alerts": ids}, None)
                systems = json.dumps(_systems(con, case_id), ensure_ascii=False)
                con.execute(
                    "UPDATE cases SET systems = ?, updated = ?, version = version + 1 WHERE id = ?",
                    (systems, utcnow(), case_id),
                )
        return removed

    def update_case(self, case_id: int, actor: str, expected_version: int, **changes: Any) -> dict[str, Any]:
        bad = set(changes) - set(CASE_CHANGES)
        if bad:
            raise ValueError(f"cannot change {', '.join(sorted(bad))} on a case")
        with self.tx() as con:
            row = con.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
            if row is None:
                raise KeyError(f"no case {case_id}")
            current = case_dict(row)
            if current["version"] != expected_version:
                raise ConflictError(f"case {case_id} was changed by someone else", current)
            sets = ", ".join(f"{k} = ?" for k in changes)
            con.execute(
                f"UPDATE cases SET {sets}, updated = ?, version = version + 1 WHERE id = ?",
                (*changes.values(), utcnow(), case_id),
            )
            audit(con, actor, "case", str(case_id), "update", {k: current[k] for k in changes}, changes)
        return self.case(case_id)  # type: ignore[return-value]

    def case(self, case_id: int) -> dict[str, Any] | None:
        row = self.con.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            return None
        case = case_dict(row)
        case["alert_ids"] = [
            r[0] for r in self.con.execute("SELECT alert_id FROM case_alerts WHERE case_id = ? ORDER BY added, alert_id",
                                           (case_id,)).fetchall()
        ]
        return case

    def list_cases(self, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT c.*, (SELECT count(*) FROM case_alerts x WHERE x.case_id = c.id) AS alert_count FROM cases c")
        args: list[str] = []
        if statuses:
            vals = list(statuses)
            sql += f" WHERE c.status IN ({','.join('?' * len(vals))})"
            args = vals
        return [case_dict(r) for r in self.con.execute(sql + " ORDER BY c.id DESC", args).fetchall()]

    def case_alerts(self, case_id: int) -> list[dict[str, Any]]:
        rows = self.con.execute(
            "SELECT a.id, a.rule_title, a.rule_level, coalesce(a.first_time, a.created) AS t, a.source_ip, a.system "
            "FROM case_alerts c JOIN alerts a ON a.id = c.alert_id WHERE c.case_id = ?",
            (case_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def case_ids_of(self, alert_ids: Sequence[str]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for chunk in iter_chunks(list(dict.fromkeys(alert_ids))):
            rows = self.con.execute(
                f"SELECT alert_id, case_id FROM case_alerts WHERE alert_id IN ({','.join('?' * len(chunk))}) "
                "ORDER BY case_id", list(chunk),
            ).fetchall()
            for aid, cid in rows:
                found.setdefault(aid, []).append(int(cid))
        return found

    # -- notes ---------------------------------------------------------------------------------------------
    def add_note(self, object_type: str, object_id: str, author: str, body: str) -> dict[str, Any]:
        at = utcnow()
        with self.tx() as con:
            cur = con.execute(
                "INSERT INTO notes(object_type, object_id, at, author, body) VALUES (?,?,?,?,?)",
                (object_type, str(object_id), at, author, body),
            )
            audit(con, author, object_type, str(object_id), "note", None, {"note": cur.lastrowid})
        return {"id": cur.lastrowid, "object_type": object_type, "object_id": str(object_id), "at": at,
                "author": author, "body": body}

    def notes(self, object_type: str, object_id: str) -> list[dict[str, Any]]:
        rows = self.con.execute(
            "SELECT * FROM notes WHERE object_type = ? AND object_id = ? ORDER BY id", (object_type, str(object_id))
        ).fetchall()
        return [dict(r) for r in rows]

    # -- suppressions --------------------------------------------------------------------------------------
    def add_suppression(self, rule_id: str, field: str, value: str, reason: str, author: str,
                        expires: str | None) -> dict[str, Any]:
        now = utcnow()
        with self.tx() as con:
            cur = con.execute(
                "INSERT INTO suppressions(rule_id, field, value, reason, author, created, expires) "
                "VALUES (?,?,?,?,?,?,?)",
                (rule_id, field, value, reason, author, now, expires),
            )
            sid = cur.lastrowid
            after = {"rule_id": rule_id, "field": field, "value": value, "reason": reason, "expires": expires}
            audit(con, author, "suppression", str(sid), "create", None, after)
        return self.suppression(sid)  # type: ignore[arg-type,return-value]

    def suppression(self, sid: int) -> dict[str, Any] | None:
        row = self.con.execute("SELECT * FROM suppressions WHERE id = ?", (sid,)).fetchone()
        return dict(row) if row else None

    def active_suppressions(self, now: str | None = None) -> list[dict[str, Any]]:
        now = now or utcnow()
        rows = self.con.execute(
            "SELECT * FROM suppressions WHERE removed IS NULL AND (expires IS NULL OR expires > ?) ORDER BY id DESC",
            (now,),
        ).fetchall()
        return [dict(r) for r in rows]

    def remove_suppression(self, sid: int, actor: str) -> None:
        with self.tx() as con:
            row = con.execute("SELECT * FROM suppressions WHERE id = ? AND removed IS NULL", (sid,)).fetchone()
            if row is None:
                raise KeyError(f"no active suppression {sid}")
            con.execute("UPDATE suppressions SET removed = ? WHERE id = ?", (utcnow(), sid))
            audit(con, actor, "suppression", str(sid), "remove", dict(row), None)


def _systems(con: sqlite3.Connection, case_id: int) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT a.system FROM case_alerts c JOIN alerts a ON a.id = c.alert_id "
        "WHERE c.case_id = ? AND a.system IS NOT NULL AND a.system != '' ORDER BY 1",
        (case_id,),
    ).fetchall()
    return [r[0] for r in rows]


def _add(con: sqlite3.Connection, cid: int, ids: list[str], actor: str) -> list[str]:
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
        audit(con, actor, "case", str(cid), "add_alerts", None, {"alerts": added})
    systems = json.dumps(
        [r[0] for r in con.execute(
            "SELECT DISTINCT a.system FROM case_alerts c JOIN alerts a ON a.id = c.alert_id "
            "WHERE c.case_id = ? AND coalesce(a.system, '') != '' ORDER BY 1", (cid,)).fetchall()],
        ensure_ascii=False,
    )
    con.execute("UPDATE cases SET systems = ?, updated = ?, version = version + 1 WHERE id = ?", (systems, now, cid))
    return added
