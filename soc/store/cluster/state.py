"""Analyst state in a cluster: one ``soc-<ns>-state-<kind>`` index per kind (alerts, notes, suppressions, audit,
checkpoints, watermarks, counters); every edit is a compare-and-set on the document's ``_seq_no``/``_primary_term``.

Reads run on an in-memory copy (the embedded store's SQL over SQLite ``:memory:``) reloaded whenever the cluster's
state changed, so the queue, figures and filters mean exactly what they mean on the embedded store. Never writes
the copy without writing the cluster first. Cases: ``soc.store.cluster.cases``; indicators:
``soc.store.cluster.state_indicators``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from soc.store.cluster.cases import ClusterCases
from soc.store.cluster.connection import ClusterError, Connection
from soc.store.cluster.schema import STATE_KINDS
from soc.store.cluster.state_indicators import ClusterIndicators, indicator_id
from soc.store.state import ALERT_CHANGES, StateDB
from soc.store.state_rows import utcnow
from soc.store.types import Checkpoint, ConflictError

_JSON_COLUMNS = {"alerts": ("rule_tags", "event_ids"), "cases": ("systems",)}
_TABLES = {"alerts": "alerts", "notes": "notes", "suppressions": "suppressions", "audit": "audit",
           "checkpoints": "checkpoints", "watermarks": "watermarks", "cases": "cases", "indicators": "indicators"}
_LINKS = {"cases": ("case_alerts", "alerts", "case_id")}  # kind → (table, list in the document, its parent key)
_SORT_KEYS = {"checkpoints": "path", "watermarks": "rule_id", "indicators": "doc_id"}  # unique (_id cannot sort)
_NEEDS = {"notes": ("notes",), "suppression": ("suppressions",), "active_suppressions": ("suppressions",),
          "audit_trail": ("audit",), "indicators": ("indicators",), "case": ("cases",), "list_cases": ("cases",),
          "case_alerts": ("cases", "alerts"), "case_ids_of": ("cases",), "case_count": ("cases",),
          "cases_opened": ("cases",), "cases_closed": ("audit",)}  # the kinds a read needs (others: the alerts)
_READS = ("alert_to_widen", "alert_levels", "alerts", "indicators",
          "alert_count", "status_counts", "alert_versions", "alerts_sharing", "queue", "queue_rows",
          "queue_rows_after", "queue_position", "queue_rows_of", "case", "list_cases", "case_alerts", "case_ids_of",
          "notes", "suppression", "active_suppressions", "audit_trail", "alert_times_since", "alert_counts_by_level",
          "alert_counts_by_system", "oldest_alert", "case_count", "cases_opened", "cases_closed")


def _doc_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ClusterState(ClusterCases, ClusterIndicators, StateDB):
    """The state half on Elasticsearch / OpenSearch (see the module docstring)."""

    def __init__(self, conn: Connection, prefix: str):
        super().__init__(":memory:")  # the read copy
        self.conn = conn
        self.kind = conn.kind
        self.prefix = prefix
        self._loaded: dict[str, int] = {}  # kind → the version its table was loaded at

    def _index(self, kind: str) -> str:
        return f"{self.prefix}-state-{kind}"

    # -- the read copy -------------------------------------------------------------------------------------
    def _versions(self) -> dict[str, int]:
        """A number per state kind that changes whenever a document of that kind is written or deleted."""
        stats = self.conn.request("GET", f"/{self.prefix}-state-*/_stats/indexing,docs",
                                  params={"allow_no_indices": "true", "level": "indices"})
        out = {}
        for name, numbers in stats.get("indices", {}).items():
            p = numbers.get("primaries", {})
            idx = p.get("indexing", {})
            out[name.rsplit("-", 1)[-1]] = (int(idx.get("index_total", 0)) * 1_000_003
                                            + int(idx.get("delete_total", 0)) * 7 + int(p.get("docs", {}).get("count", 0)))
        return out

    def data_version(self) -> int:
        return hash(tuple(sorted(self._versions().items())))

    def _sync(self, kinds: Sequence[str] = tuple(_TABLES)) -> None:
        """Reload the tables of ``kinds`` whose documents changed in the cluster since they were loaded."""
        self.conn.request("POST", f"/{self.prefix}-state-*/_refresh", params={"allow_no_indices": "true"})
        if "audit" in kinds and self._recover_audit():
            self.conn.request("POST", f"/{self._index('audit')}/_refresh")
        versions = self._versions()
        stale = [k for k in kinds if k in _TABLES and self._loaded.get(k) != versions.get(k, 0)]
        if not stale:
            return
        with self.tx() as con:
            for kind in stale:
                table = _TABLES[kind]
                con.execute(f"DELETE FROM {table}")
                link_table, link_list, parent = _LINKS.get(kind, ("", "", ""))
                if link_table:
                    con.execute(f"DELETE FROM {link_table}")
                docs = self._all(kind)
                if kind in ("audit", "notes", "suppressions"):
                    docs.sort(key=lambda d: (d.get("id", 0), d.get("at") or d.get("created") or ""))
                columns = self._columns(table)
                for doc in docs:
                    row = {k: (json.dumps(v, ensure_ascii=False) if k in _JSON_COLUMNS.get(kind, ()) else v)
                           for k, v in doc.items() if k in columns}
                    self._insert(con, table, row)
                    for link in doc.get(link_list, []) if link_table else ():
                        self._insert(con, link_table, {parent: doc["id"], **link})
                self._loaded[kind] = versions.get(kind, 0)
        self._vocabulary = None

    def _columns(self, table: str) -> set[str]:
        return {r[1] for r in self.con.execute(f"PRAGMA table_info({table})").fetchall()}

    @staticmethod
    def _insert(con: Any, table: str, row: dict[str, Any]) -> None:
        con.execute(f"INSERT INTO {table}({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))

    def _all(self, kind: str) -> list[dict[str, Any]]:
        key = _SORT_KEYS.get(kind, "id")
        body: dict[str, Any] = {"query": {"match_all": {}}, "size": 5000, "sort": [{key: {"order": "asc", "unmapped_type": "keyword"}}]}
        out: list[dict[str, Any]] = []
        while True:
            try:
                hits = self.conn.request("POST", f"/{self._index(kind)}/_search", body)["hits"]["hits"]
            except ClusterError as exc:
                if exc.status == 404:
                    return out
                raise
            out += [h["_source"] for h in hits]
            if len(hits) < body["size"]:
                return out
            body["search_after"] = hits[-1]["sort"]

    # -- documents with their sequence numbers --------------------------------------------------------------
    def _get(self, kind: str, doc_id: str) -> tuple[dict[str, Any] | None, tuple[int, int] | None]:
        try:
            got = self.conn.request("GET", f"/{self._index(kind)}/_doc/{doc_id}", params={"realtime": "true"})
        except ClusterError as exc:
            if exc.status == 404:
                return None, None
            raise
        if not got.get("found"):
            return None, None
        return got["_source"], (int(got["_seq_no"]), int(got["_primary_term"]))

    def _put(self, kind: str, doc_id: str, doc: dict[str, Any], seq: tuple[int, int] | None = None,
             create: bool = False, audits: Sequence[dict[str, Any]] = ()) -> tuple[int, int]:
        """Write one document; with ``seq`` only if nobody changed it since (else ``ClusterError`` 409). Returns
        its new sequence number. ``audits`` (from :meth:`_entry`) ride in the same write as ``audit_pending`` and
        are then written to the audit index (:meth:`_flush`): a crash in between leaves them in the document,
        where the next writer or reader of the audit trail finds and writes them, so no change goes unaudited."""
        params: dict[str, Any] = {}  # no refresh: GET by id is realtime, and reads of the copy refresh first
        if create:
            params["op_type"] = "create"
        elif seq is not None:
            params |= {"if_seq_no": seq[0], "if_primary_term": seq[1]}
        pending = [*doc.get("audit_pending", []), *audits]
        body = {**doc, "audit_pending": pending} if audits else doc
        got = self.conn.request("PUT", f"/{self._index(kind)}/_doc/{doc_id}", body, params=params)
        written = (int(got.get("_seq_no", -1)), int(got.get("_primary_term", -1)))
        if pending:
            self._flush(kind, doc_id, {k: v for k, v in body.items() if k != "audit_pending"}, pending, written)
        return written

    @staticmethod
    def _entry(actor: str, otype: str, oid: str, action: str, before: Any, after: Any) -> dict[str, Any]:
        """One audit entry, keyed once so that writing it twice stores it once."""
        return {"key": uuid.uuid4().hex, "at": utcnow(), "actor": actor, "object_type": otype,
                "object_id": str(oid), "action": action, "before": json.dumps(before, ensure_ascii=False),
                "after": json.dumps(after, ensure_ascii=False)}

    def _flush(self, kind: str, doc_id: str, doc: dict[str, Any], pending: Sequence[dict[str, Any]],
               seq: tuple[int, int]) -> None:
        """Write ``pending`` audit entries (each once, by its key), then drop them from the document unless
        someone changed it since (their write carried the entries on, and flushes them itself)."""
        for entry in pending:
            key = str(entry["key"])
            if self._get("audit", key)[0] is not None:
                continue
            try:
                self.conn.request("PUT", f"/{self._index('audit')}/_doc/{key}", {
                    **{k: v for k, v in entry.items() if k != "key"}, "id": self._next_id("audit")},
                    params={"op_type": "create"})
            except ClusterError as exc:
                if exc.status != 409:
                    raise
        try:
            self._put(kind, doc_id, doc, seq)
        except ClusterError as exc:
            if exc.status != 409:
                raise

    def _recover_audit(self) -> int:
        """Write the audit entries a crashed writer left in its documents (see :meth:`_put`; one search over the
        kinds that carry them); how many documents held some."""
        kinds = ("alerts", "cases", "notes", "suppressions")
        try:
            hits = self.conn.request("POST", f"/{','.join(self._index(k) for k in kinds)}/_search", {
                "size": 1000, "seq_no_primary_term": True, "query": {"exists": {"field": "audit_pending.key"}}},
                params={"ignore_unavailable": "true", "allow_no_indices": "true"})["hits"]["hits"]
        except ClusterError as exc:
            if exc.status not in (400, 404):
                raise
            hits = []
        for hit in hits:
            doc = hit["_source"]
            self._flush(hit["_index"].rsplit("-", 1)[-1], hit["_id"],
                        {k: v for k, v in doc.items() if k != "audit_pending"},
                        doc["audit_pending"], (int(hit["_seq_no"]), int(hit["_primary_term"])))
        return len(hits)

    def _next_id(self, kind: str) -> int:
        """The next integer id of ``kind`` (notes, suppressions, audit), a counter document bumped by CAS."""
        while True:
            doc, seq = self._get("counters", kind)
            value = int(doc["value"]) + 1 if doc else 1
            try:
                self._put("counters", kind, {"value": value}, seq, create=doc is None)
                return value
            except ClusterError as exc:
                if exc.status != 409:
                    raise

    def _audit(self, actor: str, otype: str, oid: str, action: str, before: Any, after: Any) -> None:
        """An audit entry of its own (one write: nothing else to keep in step with)."""
        entry = self._entry(actor, otype, oid, action, before, after)
        self.conn.request("PUT", f"/{self._index('audit')}/_doc/{entry.pop('key')}",
                          {**entry, "id": self._next_id("audit")}, params={"op_type": "create"})

    # -- single documents, read straight from the cluster -----------------------------------------------------
    def checkpoint(self, path: str) -> Checkpoint | None:
        doc, _ = self._get("checkpoints", _doc_id(path))
        if doc is None:
            return None
        return Checkpoint(doc["path"], doc.get("inode"), doc.get("fingerprint"), doc["offset"], doc["line_no"])

    def watermark(self, rule_id: str) -> str | None:
        doc, _ = self._get("watermarks", _doc_id(rule_id))
        return doc["ingested"] if doc else None

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        return self._get("alerts", alert_id)[0]

    def alert_event_count(self, alert_id: str) -> int | None:
        doc = self._get("alerts", alert_id)[0]
        return None if doc is None else int(doc["event_count"])

    # -- checkpoints and watermarks ------------------------------------------------------------------------
    def save_checkpoint(self, cp: Checkpoint, parser: str | None) -> None:
        self._put("checkpoints", _doc_id(cp.path), {
            "path": cp.path, "inode": cp.inode, "fingerprint": cp.fingerprint, "offset": cp.offset,
            "line_no": cp.line_no, "parser": parser, "updated": utcnow()})

    def set_watermark(self, rule_id: str, ingested: str) -> None:
        self._put("watermarks", _doc_id(rule_id), {"rule_id": rule_id, "ingested": ingested, "updated": utcnow()})

    def reset_watermarks(self) -> None:
        self.delete_all("watermarks")

    def delete_all(self, kind: str) -> int:
        """Delete every document of ``kind`` one by one (minimal clusters have no delete-by-query module)."""
        gone = 0
        while True:
            hits = self.conn.request("POST", f"/{self._index(kind)}/_search",
                                     {"size": 1000, "_source": False, "query": {"match_all": {}}})["hits"]["hits"]
            if not hits:
                break
            body = "".join(f'{{"delete": {{"_index": "{self._index(kind)}", "_id": "{h["_id"]}"}}}}\n' for h in hits)
            self.conn.request("POST", "/_bulk", body, params={"refresh": "true"})
            gone += len(hits)
        return gone

    # -- alerts --------------------------------------------------------------------------------------------
    def upsert_alert(self, alert: dict[str, Any]) -> bool:
        """Create the alert, or widen the stored one (CAS, retried when a concurrent edit won); triage fields of a
        stored alert are never touched."""
        while True:
            doc, seq = self._get("alerts", alert["id"])
            now = utcnow()
            try:
                if doc is None:
                    ids = sorted(alert.get("event_ids", []))
                    self._put("alerts", alert["id"], {
                        "id": alert["id"], "rule_id": alert["rule_id"], "rule_title": alert["rule_title"],
                        "rule_level": alert["rule_level"], "rule_tags": list(alert.get("rule_tags", [])),
                        "rule_description": alert.get("rule_description", ""),
                        "first_time": alert.get("first_time"), "last_time": alert.get("last_time"),
                        "event_ids": ids, "event_count": len(ids), "group_key": alert.get("group_key", ""),
                        "host": alert.get("host"), "system": alert.get("system"),
                        "source_ip": alert.get("source_ip"), "user_name": alert.get("user_name"),
                        "status": alert.get("status", "new"), "resolution": None, "assignee": None,
                        "created": now, "updated": now, "version": 1,
                        "rule_title_vi": alert.get("rule_title_vi", ""),
                        "rule_description_vi": alert.get("rule_description_vi", "")}, create=True,
                        audits=[self._entry("scan", "alert", alert["id"], "create", None, {"status": alert["status"]})]
                        if alert.get("status", "new") != "new" else ())
                    return True
                ids = set(doc["event_ids"]) | set(alert.get("event_ids", []))
                if len(ids) == len(doc["event_ids"]):
                    return False
                doc = {**doc, "event_ids": sorted(ids), "event_count": len(ids), "updated": now,
                       "first_time": min(filter(None, [doc["first_time"], alert.get("first_time")]), default=None),
                       "last_time": max(filter(None, [doc["last_time"], alert.get("last_time")]), default=None),
                       "version": int(doc["version"]) + 1}
                self._put("alerts", alert["id"], doc, seq)
                return False
            except ClusterError as exc:
                if exc.status != 409:
                    raise

    def update_alert(self, alert_id: str, actor: str, expected_version: int | None = None, **changes: Any) -> dict:
        bad = set(changes) - set(ALERT_CHANGES)
        if bad:
            raise ValueError(f"cannot change {', '.join(sorted(bad))} on an alert")
        while True:
            doc, seq = self._get("alerts", alert_id)
            if doc is None:
                raise KeyError(f"no alert {alert_id}")
            if expected_version is not None and int(doc["version"]) != expected_version:
                raise ConflictError(f"alert {alert_id} was changed by someone else (now {doc['status']}, "
                                    f"version {doc['version']})", doc)
            new = {**doc, **changes, "updated": utcnow(), "version": int(doc["version"]) + 1}
            try:
                self._put("alerts", alert_id, new, seq,
                          audits=[self._entry(actor, "alert", alert_id, "update", {k: doc.get(k) for k in changes},
                                              changes)])
            except ClusterError as exc:
                if exc.status != 409:
                    raise
                current, _ = self._get("alerts", alert_id)  # someone wrote between our read and our write
                if expected_version is not None and current and int(current["version"]) != expected_version:
                    raise ConflictError(f"alert {alert_id} was changed by someone else", current) from None
                continue  # only its audit entries were written meanwhile, or no version was expected: again
            return {k: v for k, v in new.items() if k != "audit_pending"}

    # -- audit, notes, suppressions ------------------------------------------------------------------------
    def record(self, actor: str, object_type: str, object_id: str, action: str, before: Any, after: Any) -> None:
        self._audit(actor, object_type, str(object_id), action, before, after)

    def add_note(self, object_type: str, object_id: str, author: str, body: str) -> dict[str, Any]:
        note = {"id": self._next_id("notes"), "object_type": object_type, "object_id": str(object_id),
                "at": utcnow(), "author": author, "body": body}
        self._put("notes", str(note["id"]), note, create=True,
                  audits=[self._entry(author, object_type, str(object_id), "note", None, {"note": note["id"]})])
        return note

    def add_suppression(self, rule_id: str, field: str, value: str, reason: str, author: str,
                        expires: str | None) -> dict[str, Any]:
        sid = self._next_id("suppressions")
        doc = {"id": sid, "rule_id": rule_id, "field": field, "value": value, "reason": reason, "author": author,
               "created": utcnow(), "expires": expires, "removed": None}
        self._put("suppressions", str(sid), doc, create=True, audits=[self._entry(
            author, "suppression", str(sid), "create", None,
            {"rule_id": rule_id, "field": field, "value": value, "reason": reason, "expires": expires})])
        return doc

    def remove_suppression(self, sid: int, actor: str) -> None:
        doc, seq = self._get("suppressions", str(sid))
        if doc is None or doc.get("removed"):
            raise KeyError(f"no active suppression {sid}")
        before = {k: v for k, v in doc.items() if k != "audit_pending"}
        self._put("suppressions", str(sid), {**doc, "removed": utcnow()}, seq,
                  audits=[self._entry(actor, "suppression", str(sid), "remove", before, None)])

    def import_rows(self, kind: str, rows: Iterable[dict[str, Any]]) -> int:
        """Store rows copied from another store as they are (``soc store copy``); a row already copied is written
        again with the same id, so a copy can be resumed (a case row carries its links as ``alerts``). Returns the
        rows written."""
        key = {"checkpoints": "path", "watermarks": "rule_id"}.get(kind)
        lines, n = [], 0
        for row in rows:
            doc = dict(row)
            for column in _JSON_COLUMNS.get(kind, ()):
                if isinstance(doc.get(column), str):
                    doc[column] = json.loads(doc[column] or "[]")
            if kind == "indicators":
                doc["doc_id"] = indicator_id(doc["kind"], doc["value"], doc["warning"])
                doc_id = doc["doc_id"]
            else:
                doc_id = _doc_id(doc[key]) if key else str(doc["id"])
            lines.append(json.dumps({"index": {"_index": self._index(kind), "_id": doc_id}}))
            lines.append(json.dumps(doc, ensure_ascii=False, default=str))
            n += 1
        if lines:
            answer = self.conn.request("POST", "/_bulk", "\n".join(lines) + "\n", params={"refresh": "true"})
            if answer.get("errors"):
                bad = next(i for i in answer["items"] if i["index"].get("error"))
                raise ClusterError(400, f"{kind}: {bad['index']['error']}")
            if kind in ("notes", "suppressions", "audit", "cases"):
                top = max(int(r["id"]) for r in json.loads("[" + ",".join(lines[1::2]) + "]"))
                doc, seq = self._get("counters", kind)
                if doc is None or int(doc["value"]) < top:
                    self._put("counters", kind, {"value": top}, seq, create=doc is None)
        return n


def _synced(name: str) -> Any:
    method = getattr(StateDB, name)

    def read(self: ClusterState, *args: Any, **kwargs: Any) -> Any:
        self._sync(_NEEDS.get(name, ("alerts",)))
        return method(self, *args, **kwargs)

    read.__name__ = name
    read.__doc__ = method.__doc__
    return read


for _name in _READS:
    setattr(ClusterState, _name, _synced(_name))

assert set(_TABLES) <= set(STATE_KINDS)
