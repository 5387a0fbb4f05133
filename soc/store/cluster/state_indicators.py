"""Indicators of compromise in a cluster store: one document per (kind, value, warning) in
``soc-<ns>-state-indicators``, ``_id`` a hash of the three, so saving the same list again changes nothing.

Mixed into ``ClusterState``; reads (``indicators``) run on its synced read copy. Never matches events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from soc.store.cluster.connection import ClusterError, Connection
from soc.store.state_indicators import COLUMNS
from soc.store.state_rows import utcnow
from soc.store.types import iter_chunks

_CHANGING = COLUMNS[3:]


def indicator_id(kind: str, value: str, warning: str) -> str:
    """The document id of an indicator: the same (kind, value, warning) always lands on the same document."""
    return hashlib.sha256("\x00".join((kind, value, warning)).encode("utf-8")).hexdigest()


class ClusterIndicators:
    """``save_indicators`` for ``ClusterState`` (which supplies ``conn`` and ``_index``)."""

    conn: Connection
    _index: Callable[[str], str]

    def save_indicators(self, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
        """Create the indicators not kept yet and rewrite those whose other columns changed; (new, updated)."""
        index = self._index("indicators")
        new = updated = 0
        now = utcnow()
        wanted: dict[str, dict[str, Any]] = {}
        for row in rows:
            doc = {c: row.get(c) if row.get(c) is not None else ("" if c in COLUMNS[:3] else None) for c in COLUMNS}
            wanted[indicator_id(doc["kind"], doc["value"], doc["warning"])] = doc  # the last of a repeat wins
        for chunk in iter_chunks(list(wanted), 1000):
            kept = self._kept(index, list(chunk))
            lines: list[str] = []
            for doc_id in chunk:
                doc, old = wanted[doc_id], kept.get(doc_id)
                if old is None:
                    body, new = {**doc, "doc_id": doc_id, "imported": now, "updated": now}, new + 1
                elif any(old.get(c) != doc[c] for c in _CHANGING):
                    body, updated = {**old, **doc, "updated": now}, updated + 1
                else:
                    continue
                lines += [json.dumps({"index": {"_index": index, "_id": doc_id}}), json.dumps(body, ensure_ascii=False)]
            if lines:
                answer = self.conn.request("POST", "/_bulk", "\n".join(lines) + "\n")
                if answer.get("errors"):
                    bad = next(i["index"]["error"] for i in answer["items"] if i["index"].get("error"))
                    raise ClusterError(400, f"indicators: {bad}")
        return new, updated

    def _kept(self, index: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        try:
            got = self.conn.request("POST", f"/{index}/_mget", {"ids": ids}, params={"realtime": "true"})
        except ClusterError as exc:
            if exc.status == 404:
                return {}
            raise
        return {d["_id"]: d["_source"] for d in got.get("docs", []) if d.get("found")}
