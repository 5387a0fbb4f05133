"""The alert queue as SQL: one ``AlertQuery`` becomes one query over the SQLite ``alerts`` table (indexes in
soc.store.state), matched case-insensitively the way Python's casefold does, counted with COUNT / GROUP BY.

Never writes, and knows no alert model: the order of levels and statuses comes in the query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from soc.store.queue_priority import priority_key, priority_sql
from soc.store.types import AlertQuery

LIST_COLUMNS = (
    "id, rule_id, rule_title, rule_level, first_time, last_time, created, updated, source_ip, user_name, host, "
    "system, status, resolution, assignee, version, event_count, group_key, rule_title_vi"
)
_NAMES = tuple(LIST_COLUMNS.split(", "))
TEXT_COLUMNS = ("rule_title", "rule_id", "source_ip", "user_name", "host", "system", "assignee", "group_key", "id")
SMALL = 1000  # a filter letting through at most this many alerts is read whole in one pass (no COUNT)
WALK = 5000  # entries of the newest-first index worth walking (a row lookup each) instead of one scan and sort
TIME_SQL = "coalesce(last_time, created)"
SORTS = ("priority", "time", "level", "status", "rule", "source", "system", "assignee")
_TEXT_SORT_SQL = {
    "rule": "lower(rule_title)",
    "source": "lower(coalesce(source_ip, ''))",
    "system": "lower(coalesce(system, ''))",
    "assignee": "lower(coalesce(assignee, ''))",
}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# -- case-insensitive matching in SQL ----------------------------------------------------------------------
@cache
def _fold_variants() -> dict[str, str]:
    """Casefolded character → every character folding to it alone (``ấ`` → ``ấẤ``, ``k`` → ``kK\u212a``)."""
    out: dict[str, str] = {}
    for code in range(0x30000):
        ch = chr(code)
        folded = ch.casefold()
        if len(folded) == 1 and folded != ch:
            out[folded] = out.get(folded, folded) + ch
    return out


def glob_pattern(needle: str, anywhere: bool = True) -> str:
    """A GLOB pattern matching what ``needle.casefold() in value.casefold()`` matches (``== …`` when not
    ``anywhere``), character by character, so Vietnamese letters match in either case. Characters whose casefold
    is several letters (``ß`` → ``ss``) only match themselves."""
    variants = _fold_variants()
    out = []
    for ch in needle.casefold():
        group = variants.get(ch, ch)
        if len(group) > 1:
            out.append("[" + group + "]")
        elif ch in "*?[":
            out.append("[" + ch + "]")
        else:
            out.append(ch)
    body = "".join(out)
    return f"*{body}*" if anywhere else body


def _rank_sql(column: str, order: tuple[str, ...], other: int) -> str:
    """``CASE column WHEN 'first' THEN 0 … ELSE other END``: the rank of each value in ``order``."""
    if not order:
        return str(other)
    whens = " ".join(f"WHEN '{v.replace(chr(39), chr(39) * 2)}' THEN {i}" for i, v in enumerate(order))
    return f"CASE {column} {whens} ELSE {other} END"


@cache
def sort_sql(sort: str, level_order: tuple[str, ...], status_order: tuple[str, ...],
             ranking: tuple = ((), 3, ())) -> tuple[str, ...]:
    """The ORDER BY expressions of ``sort`` before the final ``id``; the time one matches the ``alerts_time``
    index of the state database."""
    if sort == "priority":
        return (priority_sql(ranking), TIME_SQL)
    if sort == "time":
        return (TIME_SQL,)
    if sort == "level":
        return (_rank_sql("rule_level", level_order, -1), TIME_SQL)
    if sort == "status":
        return (_rank_sql("status", status_order, 99), TIME_SQL)
    return (_TEXT_SORT_SQL[sort], TIME_SQL)


@cache
def _ranks(order: tuple[str, ...]) -> dict[str, int]:
    return {v: i for i, v in enumerate(order)}


def ascii_lower(value: str | None) -> str:
    """What SQLite's ``lower()`` returns (ASCII letters only), for ordering rows the way the queries do."""
    return (value or "").translate(_ASCII_LOWER)


def row_key(row: dict[str, Any], sort: str, level_order: tuple[str, ...] = (),
            status_order: tuple[str, ...] = (), ranking: tuple = ((), 3, ())) -> tuple:
    """The sort key of a row, the same as the ORDER BY of ``sort`` (used to order marked rows)."""
    when = row["last_time"] if row.get("last_time") is not None else row.get("created") or ""
    if sort == "priority":
        first: tuple = (priority_key(row, ranking),)
    elif sort == "time":
        first = ()
    elif sort == "level":
        first = (_ranks(level_order).get(row.get("rule_level"), -1),)
    elif sort == "status":
        first = (_ranks(status_order).get(row.get("status"), 99),)
    else:
        column = {"rule": "rule_title", "source": "source_ip", "system": "system", "assignee": "assignee"}[sort]
        first = (ascii_lower(row.get(column)),)
    return (*first, when, row["id"])


# -- one filter and sort as SQL ----------------------------------------------------------------------------
VOCABULARY = ("rule_id", "rule_title", "system", "assignee")  # few distinct values, each column indexed
MAX_IN = 500  # more matching values than this: match the column in SQL instead


class Vocabulary:
    """The distinct values of the indexed low-cardinality columns with their counts (read when a filter first
    needs them), and the status counts: a word is matched against the values in Python (exact casefold, as the
    analyst expects) and becomes an ``IN`` list."""

    def __init__(self, con: sqlite3.Connection, key: tuple[int, str] = (0, "")):
        self.con = con
        self.key = key
        self.statuses = status_counts(con)
        self.total = sum(self.statuses.values())
        self._values: dict[str, dict[str, int]] = {}

    def values(self, column: str) -> dict[str, int]:
        if column not in self._values:
            rows = self.con.execute(f"SELECT {column}, count(*) FROM alerts GROUP BY {column}").fetchall()
            self._values[column] = {v: int(n) for v, n in rows if v}
        return self._values[column]


def vocabulary_key(con: sqlite3.Connection) -> tuple[int, str]:
    """Changes whenever alerts are added or changed: another connection committed (``data_version``) or this one
    edited an alert (``max(updated)``, read from its index)."""
    version = con.execute("PRAGMA data_version").fetchone()[0]
    updated = con.execute("SELECT max(updated) FROM alerts").fetchone()[0]
    return int(version), updated or ""


class _Where:
    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.terms: list[str] = []
        self.args: list[Any] = []

    def values(self, column: str, test: Callable[[str], bool]) -> tuple[str, list[Any]] | None:
        """``column IN (…)`` for its values passing ``test``; None when too many (match in SQL instead)."""
        counts = self.vocab.values(column)
        hits = [v for v in counts if test(v.casefold())]
        if len(hits) > MAX_IN:
            return None
        if not hits:
            return "0", []
        broad = sum(counts[v] for v in hits) * 3 >= self.vocab.total  # scanning beats a lookup per row
        return f"{'+' if broad else ''}{column} IN ({','.join('?' * len(hits))})", hits

    def any_of(self, parts: list[tuple[str, list[Any]]]) -> None:
        parts = [p for p in parts if p[0] != "0"] or [("0", [])]
        self.terms.append(parts[0][0] if len(parts) == 1 else "(" + " OR ".join(p[0] for p in parts) + ")")
        for _, args in parts:
            self.args += args

    def contains(self, column: str, needle: str) -> tuple[str, list[Any]]:
        if column in VOCABULARY:
            found = self.values(column, lambda v: needle in v)
            if found is not None:
                return found
        return f"+{column} GLOB ?", [glob_pattern(needle)]


def _only_status_and_level(q: AlertQuery) -> bool:
    return not (q.rule or q.system or q.assignee or q.since or q.until or q.text.split())


def _where(flt: AlertQuery, vocab: Vocabulary) -> tuple[str, list[Any]]:
    """WHERE clause and arguments. Rule, system and assignee match their indexed distinct values; other columns
    carry a unary ``+`` (no index) unless what they let by is narrow: walking an index costs a row lookup per
    entry, slower than one scan of the table once a predicate lets many rows by."""
    w = _Where(vocab)
    total = vocab.total
    statuses = flt.statuses
    if statuses is not None:
        narrow = sum(vocab.statuses.get(s, 0) for s in statuses) * 10 < total
        w.terms.append(f"{'' if narrow else '+'}status IN ({','.join('?' * len(statuses))})")
        w.args += statuses
    levels = flt.levels
    if levels is not None:
        w.terms.append(f"+rule_level IN ({','.join('?' * len(levels))})")
        w.args += levels
    if flt.rule:
        needle = flt.rule.casefold()
        w.any_of([w.contains("rule_id", needle), w.contains("rule_title", needle)])
    if flt.system:
        w.any_of([w.contains("system", flt.system.casefold())])
    if flt.assignee:
        who = flt.assignee.casefold()
        if who == "none":
            w.terms.append("coalesce(+assignee, '') = ''")
        else:
            found = w.values("assignee", lambda v: v == who)
            w.any_of([found or ("+assignee GLOB ?", [glob_pattern(who, anywhere=False)])])
    if flt.since:
        w.terms.append(f"+{TIME_SQL} >= ?")
        w.args.append(flt.since)
    if flt.until:
        w.terms.append("+coalesce(first_time, created) < ?")
        w.args.append(flt.until)
    for word in flt.text.split():
        needle = word.casefold()
        w.any_of([w.contains(c, needle) for c in TEXT_COLUMNS])
    return (" AND ".join(w.terms) or "1"), w.args


@dataclass(frozen=True)
class QueuePlan:
    """The SQL of one filter and sort, and how many alerts it lets through (``count``) of ``total``."""

    sort: str
    descending: bool
    where: str
    args: tuple[Any, ...]
    count: int = 0
    total: int = 0
    level_order: tuple[str, ...] = ()
    status_order: tuple[str, ...] = ()
    ranking: tuple = ((), 3, ())

    def keys(self) -> list[str]:
        """The ORDER BY expressions of the sort, ending with ``id``."""
        return [*sort_sql(self.sort, self.level_order, self.status_order, self.ranking), "id"]

    def key(self, row: dict[str, Any]) -> tuple:
        """The sort key of ``row`` (what ``keys`` compare)."""
        return row_key(row, self.sort, self.level_order, self.status_order, self.ranking)

    def _order(self, reverse: bool, walk: bool) -> str:
        direction = "ASC" if self.descending == reverse else "DESC"
        keys = self.keys()
        if not walk:  # a unary + keeps SQLite from walking an index in sort order
            keys = [f"+{k}" for k in keys]
        return ", ".join(f"{k} {direction}" for k in keys)

    def _walk(self, rows: int) -> bool:
        """Walk the newest-first index (a row lookup per entry) rather than scan the table and sort?"""
        return self.sort == "time" and rows * self.total <= WALK * max(self.count, 1)

    def read(self, con: sqlite3.Connection, offset: int, limit: int) -> list[dict[str, Any]]:
        """Rows ``offset`` … ``offset + limit`` of the queue (counted from the far end when that is nearer)."""
        reverse = self.count > 0 and offset > self.count // 2
        if reverse:
            end = min(offset + limit, self.count)
            offset, limit = self.count - end, end - offset
        walk = self._walk(offset + limit)
        sql = (f"SELECT {LIST_COLUMNS} FROM alerts WHERE {self.where} ORDER BY {self._order(reverse, walk)} "
               "LIMIT ? OFFSET ?")
        rows = fetch_rows(con, sql, (*self.args, max(limit, 0), max(offset, 0)))
        return rows[::-1] if reverse else rows

    def read_next(self, con: sqlite3.Connection, row: dict[str, Any], limit: int,
                  before: bool = False) -> list[dict[str, Any]]:
        """The ``limit`` rows right after ``row`` in the queue (right before it with ``before``), found from its
        sort key rather than counted from the top, so reading deep into the queue costs no more than its start."""
        keys = self.keys()
        walk = self._walk(limit)
        listed = ", ".join(keys if walk else (f"+{k}" for k in keys))
        op = ">" if self.descending == before else "<"
        key = self.key(row)
        # the row value alone would walk the index from its start; a range on the first key starts at the row
        first = f"{keys[0]} {op}= ? AND " if walk else ""
        sql = (f"SELECT {LIST_COLUMNS} FROM alerts WHERE {self.where} AND {first}({listed}) {op} "
               f"({', '.join('?' * len(keys))}) ORDER BY {self._order(before, walk)} LIMIT ?")
        rows = fetch_rows(con, sql, (*self.args, *(key[:1] if walk else ()), *key, max(limit, 0)))
        return rows[::-1] if before else rows

    def position(self, con: sqlite3.Connection, alert_id: str) -> tuple[int, dict[str, Any]] | None:
        """Where the alert is in the queue and its row, or None when the filter does not let it through."""
        found = fetch_rows(con, f"SELECT {LIST_COLUMNS} FROM alerts WHERE id = ? AND {self.where}",
                           (alert_id, *self.args))
        if not found:
            return None
        keys = self.keys()
        op = ">" if self.descending else "<"
        before = con.execute(
            f"SELECT count(*) FROM alerts WHERE {self.where} AND ({', '.join(f'+{k}' for k in keys)}) {op} "
            f"({', '.join('?' * len(keys))})",
            (*self.args, *self.key(found[0])),
        ).fetchone()[0]
        return int(before), found[0]


def fetch_rows(con: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    cur = con.cursor()
    cur.row_factory = None  # plain tuples, then dicts of the list columns
    cur.execute(sql, args)
    names = _NAMES
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def status_counts(con: sqlite3.Connection) -> dict[str, int]:
    return {s: int(n) for s, n in con.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall()}


def plan(con: sqlite3.Connection, query: AlertQuery,
         vocab: Vocabulary) -> tuple[QueuePlan, list[dict[str, Any]] | None]:
    """The plan of a query; with the first rows already read when counting them took a pass anyway.

    Returns (plan, head): ``head`` is the first ``min(count, SMALL)`` rows (all of them when ``count`` is at most
    ``SMALL``), or None when not read.
    """
    if query.sort not in SORTS:
        raise ValueError(f"cannot sort by {query.sort!r}")
    where, args = _where(query, vocab)
    total = vocab.total
    base = QueuePlan(query.sort, query.descending, where, tuple(args), 0, total, query.level_order,
                     query.status_order, query.ranking)
    if _only_status_and_level(query):  # counted from the status counts, or one scan; rows read when shown
        statuses = query.statuses
        if query.levels is None:
            count = total if statuses is None else sum(vocab.statuses.get(s, 0) for s in statuses)
        else:
            count = con.execute(f"SELECT count(*) FROM alerts WHERE {where}", args).fetchone()[0]
        return replace(base, count=int(count)), None
    # one pass reads a small result whole; only a large one needs its own COUNT
    head = fetch_rows(con, f"SELECT {LIST_COLUMNS} FROM alerts WHERE {where} ORDER BY {base._order(False, False)} "
                           "LIMIT ?", (*args, SMALL + 1))
    if len(head) <= SMALL:
        return replace(base, count=len(head)), head
    count = con.execute(f"SELECT count(*) FROM alerts WHERE {where}", args).fetchone()[0]
    return replace(base, count=int(count)), head[:SMALL]


def rows_of(con: sqlite3.Connection, queue: QueuePlan, ids: list[str]) -> list[dict[str, Any]]:
    """The rows of alerts ``ids`` the queue lets through, in its order."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        out += fetch_rows(con, f"SELECT {LIST_COLUMNS} FROM alerts WHERE id IN ({','.join('?' * len(chunk))}) "
                           f"AND {queue.where}", (*chunk, *queue.args))
    return sorted(out, key=queue.key, reverse=queue.descending)


def list_sql(query: AlertQuery, vocab: Callable[[], Vocabulary], limit: int | None) -> tuple[str, list[Any]]:
    """A whole list of alerts (``soc alerts``, reports): statuses, levels and the period as plain conditions (the
    ``alerts_time`` index serves a period), rule / system / assignee / words matched as the queue matches them;
    in the query's order, ties by id."""
    where: list[str] = []
    args: list[Any] = []
    for col, vals in (("status", query.statuses), ("rule_level", query.levels)):
        if vals:
            where.append(f"{col} IN ({','.join('?' * len(vals))})")
            args.extend(vals)
    if query.since:
        where.append(f"{TIME_SQL} >= ?")
        args.append(query.since)
    if query.until:
        where.append("coalesce(first_time, created) < ?")
        args.append(query.until)
    text = replace(query, statuses=None, levels=None, since="", until="")
    if not _only_status_and_level(text):
        match, match_args = _where(text, vocab())
        where.append(match)
        args.extend(match_args)
    if query.sort not in SORTS:
        raise ValueError(f"cannot sort by {query.sort!r}")
    direction = "DESC" if query.descending else "ASC"
    order = ", ".join(f"{k} {direction}" for k in sort_sql(query.sort, query.level_order, query.status_order,
                                                                      query.ranking))
    sql = "SELECT * FROM alerts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return sql, args
