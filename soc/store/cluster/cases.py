"""Cases in a cluster store: one document per case in ``soc-<ns>-state-cases`` (``_id`` = its number, from a
counter), holding its alerts as a list; every change is a compare-and-set on the document's sequence number.

Mixed into ``ClusterState``, with the embedded store's semantics (``soc.store.state_cases``): an analyst's edit with
a stale version raises ``ConflictError`` carrying the current case; each change carries its audit entries in the
same write (``ClusterState._put``).
Reads (``case``, ``list_cases`` …) run on the synced read copy. Knows no case model (``soc.triage`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from soc.store.cluster.connection import ClusterError, Connection
from soc.store.state_cases import CASE_CHANGES
from soc.store.state_rows import utcnow
from soc.store.types import ConflictError, iter_chunks


def case_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A case document as ``StateStore.case`` returns it (its alerts as ``alert_ids``, oldest link first)."""
    links = sorted(doc.get("alerts", []), key=lambda link: (link["added"], link["alert_id"]))
    out = {k: v for k, v in doc.items() if k not in ("alerts", "audit_pending")}
    out["alert_ids"] = [link["alert_id"] for link in links]
    return out


class ClusterCases:
    """Case writes for ``ClusterState`` (which supplies the document helpers below)."""

    conn: Connection
    _index: Callable[[str], str]
    _get: Callable[..., tuple[dict[str, Any] | None, tuple[int, int] | None]]
    _put: Callable[..., None]
    _next_id: Callable[[str], int]
    _entry: Callable[..., dict[str, Any]]

    def _systems(self, alert_ids: Sequence[str], strict: bool) -> list[str]:
        """The distinct non-empty systems of ``alert_ids``; with ``strict``, ``KeyError`` for an unknown alert."""
        found: dict[str, Any] = {}
        for chunk in iter_chunks(list(dict.fromkeys(alert_ids)), 1000):
            try:
                got = self.conn.request("POST", f"/{self._index('alerts')}/_mget", {"ids": list(chunk)},
                                        params={"realtime": "true", "_source_includes": "system"})
            except ClusterError as exc:
                if exc.status != 404:
                    raise
                got = {"docs": []}
            found |= {d["_id"]: d["_source"].get("system") for d in got.get("docs", []) if d.get("found")}
        if strict:
            missing = [a for a in alert_ids if a not in found]
            if missing:
                raise KeyError(f"no alert {missing[0]}")
        return sorted({s for s in found.values() if s})

    def create_case(self, title: str, severity: str, actor: str, alert_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(alert_ids))
        systems = self._systems(ids, strict=True)  # before the case exists: an unknown alert creates nothing
        cid = self._next_id("cases")
        now = utcnow()
        # version 2, as on the embedded store (created, then its alerts linked)
        self._put("cases", str(cid), {
            "id": cid, "title": title, "severity": severity, "status": "open", "systems": systems, "assignee": None,
            "author": actor, "created": now, "updated": now, "version": 2,
            "alerts": [{"alert_id": a, "added": now, "actor": actor} for a in ids]}, create=True, audits=[
            self._entry(actor, "case", str(cid), "create", None, {"title": title, "severity": severity}),
            *([self._entry(actor, "case", str(cid), "add_alerts", None, {"alerts": ids})] if ids else [])])
        return cid

    def add_case_alerts(self, case_id: int, alert_ids: Iterable[str], actor: str) -> list[str]:
        ids = list(dict.fromkeys(alert_ids))
        while True:
            doc, seq = self._get("cases", str(case_id))
            if doc is None:
                raise KeyError(f"no case {case_id}")
            self._systems(ids, strict=True)
            have = {link["alert_id"] for link in doc["alerts"]}
            added = [a for a in ids if a not in have]
            now = utcnow()
            links = doc["alerts"] + [{"alert_id": a, "added": now, "actor": actor} for a in added]
            new = {**doc, "alerts": links, "systems": self._systems([x["alert_id"] for x in links], strict=False),
                   "updated": now, "version": int(doc["version"]) + 1}
            try:
                self._put("cases", str(case_id), new, seq, audits=[
                    self._entry(actor, "case", str(case_id), "add_alerts", None, {"alerts": added})] if added else [])
            except ClusterError as exc:
                if exc.status != 409:
                    raise
                continue  # someone changed the case meanwhile: link to its new state
            return added

    def remove_case_alerts(self, case_id: int, alert_ids: Iterable[str], actor: str) -> int:
        ids = list(alert_ids)
        while True:
            doc, seq = self._get("cases", str(case_id))
            if doc is None:
                return 0
            keep = [link for link in doc["alerts"] if link["alert_id"] not in set(ids)]
            removed = len(doc["alerts"]) - len(keep)
            if not removed:
                return 0
            new = {**doc, "alerts": keep, "systems": self._systems([x["alert_id"] for x in keep], strict=False),
                   "updated": utcnow(), "version": int(doc["version"]) + 1}
            try:
                self._put("cases", str(case_id), new, seq,
                          audits=[self._entry(actor, "case", str(case_id), "remove_alerts", {"alerts": ids}, None)])
            except ClusterError as exc:
                if exc.status != 409:
                    raise
                continue
            return removed

    def update_case(self, case_id: int, actor: str, expected_version: int, **changes: Any) -> dict[str, Any]:
        bad = set(changes) - set(CASE_CHANGES)
        if bad:
            raise ValueError(f"cannot change {', '.join(sorted(bad))} on a case")
        doc, seq = self._get("cases", str(case_id))
        if doc is None:
            raise KeyError(f"no case {case_id}")
        if int(doc["version"]) != expected_version:
            current = case_view(doc)
            raise ConflictError(f"case {case_id} was changed by someone else (now {current['status']}, version "
                                f"{current['version']})", current)
        new = {**doc, **changes, "updated": utcnow(), "version": int(doc["version"]) + 1}
        try:
            self._put("cases", str(case_id), new, seq,
                      audits=[self._entry(actor, "case", str(case_id), "update", {k: doc.get(k) for k in changes},
                                          changes)])
        except ClusterError as exc:
            if exc.status != 409:
                raise
            current, _ = self._get("cases", str(case_id))  # someone wrote between our read and our write
            if current is None or int(current["version"]) != expected_version:
                raise ConflictError(f"case {case_id} was changed by someone else",
                                    case_view(current) if current else None) from None
            return self.update_case(case_id, actor, expected_version, **changes)  # only audit entries moved on
        return case_view({k: v for k, v in new.items() if k != "audit_pending"})
