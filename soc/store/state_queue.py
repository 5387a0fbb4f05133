"""The alert queue and the figures of the dashboard and the reports from the SQLite state database: the read-only
part of ``StateDB``.

Runs the queue SQL of ``soc.store.alert_queue``; never writes. Statuses and levels come in as data (the alert
model is ``soc.triage``'s).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from soc.store.alert_queue import LIST_COLUMNS, TIME_SQL, QueuePlan, Vocabulary, plan, rows_of, vocabulary_key
from soc.store.types import AlertQuery, AlertQueue

SHARED_COLUMNS = ("source_ip", "user_name", "host", "system")  # alert columns other alerts may share


def _marks(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


class QueueState:
    """The queue a page at a time, alerts sharing a value, dashboard and report figures; mixed into ``StateDB``."""

    con: sqlite3.Connection
    _vocabulary: Vocabulary | None

    def vocabulary(self) -> Vocabulary:
        """The distinct values and status counts the queue plans with, read again once alerts changed."""
        key = vocabulary_key(self.con)
        if self._vocabulary is None or self._vocabulary.key != key:
            self._vocabulary = Vocabulary(self.con, key)
        return self._vocabulary

    # -- the queue -----------------------------------------------------------------------------------------
    def queue(self, query: AlertQuery) -> AlertQueue:
        vocab = self.vocabulary()
        counts = dict(vocab.statuses)
        planned, head = plan(self.con, query, vocab)
        return AlertQueue(query, planned.count, planned.total, counts, head, planned)

    def queue_rows(self, queue: AlertQueue, offset: int, limit: int) -> list[dict[str, Any]]:
        return _plan(queue).read(self.con, offset, limit)

    def queue_rows_after(self, queue: AlertQueue, row: dict[str, Any], limit: int,
                         before: bool = False) -> list[dict[str, Any]]:
        return _plan(queue).read_next(self.con, row, limit, before)

    def queue_position(self, queue: AlertQueue, alert_id: str) -> tuple[int, dict[str, Any]] | None:
        return _plan(queue).position(self.con, alert_id)

    def queue_rows_of(self, queue: AlertQueue, alert_ids: Sequence[str]) -> list[dict[str, Any]]:
        return rows_of(self.con, _plan(queue), list(alert_ids))

    def alerts_sharing(self, column: str, value: str, exclude: str | None, limit: int) -> list[dict[str, Any]]:
        if column not in SHARED_COLUMNS:
            raise ValueError(f"cannot pivot on {column!r}")
        cur = self.con.execute(
            f"SELECT {LIST_COLUMNS} FROM alerts WHERE {column} = ? AND (? IS NULL OR id != ?) "
            f"ORDER BY {TIME_SQL} DESC, id DESC LIMIT ?",
            (value, exclude, exclude, limit),
        )
        return [dict(r) for r in cur.fetchall()]

    # -- dashboard figures ---------------------------------------------------------------------------------
    def alert_times_since(self, since: str) -> list[str]:
        rows = self.con.execute(
            "SELECT coalesce(last_time, first_time, created) AS t FROM alerts "
            "WHERE coalesce(last_time, first_time, created) >= ?",
            (since,),
        ).fetchall()
        return [t for (t,) in rows]

    def alert_counts_by_level(self, open_statuses: Sequence[str]) -> list[tuple[str, int, int]]:
        rows = self.con.execute(
            f"SELECT rule_level, count(*), sum(status IN ({_marks(open_statuses)})) FROM alerts GROUP BY rule_level",
            tuple(open_statuses),
        ).fetchall()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def alert_counts_by_system(self, open_statuses: Sequence[str], limit: int,
                               unnamed: str) -> list[tuple[str, int, int]]:
        rows = self.con.execute(
            f"SELECT coalesce(nullif(system, ''), ?), count(*), sum(status IN ({_marks(open_statuses)})) FROM alerts "
            "GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT ?",
            (unnamed, *open_statuses, limit),
        ).fetchall()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def oldest_alert(self, status: str) -> dict[str, Any] | None:
        row = self.con.execute(
            "SELECT id, rule_title, rule_level, created FROM alerts WHERE status = ? ORDER BY created LIMIT 1",
            (status,),
        ).fetchone()
        return dict(row) if row is not None else None

    def case_count(self, statuses: Sequence[str], among: bool = True) -> int:
        return self.con.execute(
            f"SELECT count(*) FROM cases WHERE status {'' if among else 'NOT '}IN ({_marks(statuses)})",
            tuple(statuses),
        ).fetchone()[0]

    # -- report figures ------------------------------------------------------------------------------------
    def cases_opened(self, since: str, until: str) -> int:
        return self.con.execute("SELECT count(*) FROM cases WHERE created >= ? AND created < ?",
                                (since, until)).fetchone()[0]

    def cases_closed(self, since: str, until: str, statuses: Sequence[str]) -> int:
        return self.con.execute(
            "SELECT count(DISTINCT object_id) FROM audit WHERE object_type = 'case' AND at >= ? AND at < ? "
            f"AND json_extract(after, '$.status') IN ({_marks(statuses)})", (since, until, *statuses)).fetchone()[0]


def _plan(queue: AlertQueue) -> QueuePlan:
    if not isinstance(queue.plan, QueuePlan):
        raise TypeError("this queue was not planned by the SQLite state database")
    return queue.plan
