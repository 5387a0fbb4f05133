"""The "seen before" query both stores run on a DuckDB view of stored events: which candidate rows an earlier
stored event already has. Runs on the connection it is handed; never opens or changes a store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from soc.store.duck import ident


def seen_before(con: Any, candidates: pa.Table, keys: Mapping[str, str], where: str,
                view: str = "soc_stored_events") -> pa.Table:
    """Rows of ``candidates`` (with ``first_at``) for which an event of ``view`` matching ``where`` has the same
    ``keys`` (candidate column → stored expression) at an earlier ``@timestamp``."""
    con.register("soc_candidates", candidates)
    stored = ", ".join(f"{expr} AS _k{i}" for i, expr in enumerate(keys.values()))
    same = " AND ".join(f"e._k{i} = c.{ident(column)}" for i, column in enumerate(keys))
    return con.sql(
        f"SELECT c.* FROM soc_candidates c WHERE EXISTS (SELECT 1 FROM (SELECT {stored}, "
        f'"@timestamp" AS _at FROM {ident(view)} WHERE {where}) e WHERE {same} AND e._at < c.first_at)'
    ).to_arrow_table()
