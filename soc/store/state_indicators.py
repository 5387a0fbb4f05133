"""Indicators of compromise in the SQLite state database: the part of ``StateDB`` that keeps them.

Keyed by (kind, value, warning): the same value named by two warnings is kept twice, so each match can say every
warning that named it. Never matches events (``EventStore.indicator_hits`` does).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from soc.store.state_rows import utcnow

COLUMNS = ("kind", "value", "warning", "original", "source", "tlp", "valid_from", "valid_until", "label", "subtype")
_CHANGING = COLUMNS[3:]


class IndicatorState:
    """Mixed into ``StateDB``."""

    con: sqlite3.Connection
    tx: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def save_indicators(self, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
        new = updated = 0
        now = utcnow()
        with self.tx() as con:
            for row in rows:
                values = tuple(row.get(c) if row.get(c) is not None else ("" if c in COLUMNS[:3] else None)
                               for c in COLUMNS)
                kept = con.execute(f"SELECT {', '.join(_CHANGING)} FROM indicators WHERE kind = ? AND value = ? "
                                   "AND warning = ?", values[:3]).fetchone()
                if kept is None:
                    con.execute(f"INSERT INTO indicators({', '.join(COLUMNS)}, imported, updated) VALUES "
                                f"({', '.join('?' * len(COLUMNS))}, ?, ?)", (*values, now, now))
                    new += 1
                elif tuple(kept) != values[3:]:
                    con.execute(f"UPDATE indicators SET {', '.join(f'{c} = ?' for c in _CHANGING)}, updated = ? "
                                "WHERE kind = ? AND value = ? AND warning = ?", (*values[3:], now, *values[:3]))
                    updated += 1
        return new, updated

    def indicators(self, warning: str | None = None, active_at: str | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT {', '.join(COLUMNS)}, imported FROM indicators WHERE 1 = 1"
        params: list[Any] = []
        if warning is not None:
            sql += " AND warning = ?"
            params.append(warning)
        if active_at is not None:
            sql += " AND (valid_until IS NULL OR valid_until = '' OR valid_until > ?)"
            params.append(active_at)
        return [dict(r) for r in self.con.execute(sql + " ORDER BY kind, value, warning", params).fetchall()]
