"""The embedded store's detection run: compiled rules (DuckDB SQL over the view ``events``) run over the stored
Parquet events, each rule scoped to its scan window. Reads only; never changes a stored event.

A window opens only the files whose ``event.ingested`` / ``@timestamp`` range (``soc.store.file_ranges``) can hold
its events; many rules sharing a window are evaluated together, one scan of the events per chunk of rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import duckdb

from soc.store.duck import connect, ident, literal
from soc.store.events_api import DetectionRun, QueryFailed
from soc.store.file_ranges import FileRange
from soc.store.types import ScanWindow

if TYPE_CHECKING:  # the store builds its runs; only the type is needed here
    from soc.store.embedded import EventStore

ALL_EVENTS = "soc_all_events"  # every stored event (made on first use by values()); rules read the view "events"
SCOPE = "soc_scope_events"  # the events of the files a window needs
RULE_PREFIX = 'SELECT * FROM "events" WHERE '  # what soc.detect.backend's query_template makes of every rule
CHUNK = 150  # rules evaluated in one scan of the events
PREFIX_MIN_RULES = 8  # a log-source condition shared by this many rules is evaluated once for all of them


def _timestamp(moment: datetime) -> str:
    return f"TIMESTAMP {literal(moment.strftime('%Y-%m-%d %H:%M:%S.%f'))}"


def _new_events_filter(window: ScanWindow) -> str | None:
    """SQL filter of the events a rule has not seen yet (None: all events)."""
    if window.timestamp_from is not None:
        return f'"@timestamp" >= {_timestamp(window.timestamp_from)}'
    if window.ingested_after is not None:
        return f'"event.ingested" > {_timestamp(window.ingested_after)}'
    return None


def _may_hold_new(window: ScanWindow) -> Callable[[FileRange], bool]:
    """Whether a file's ranges can hold events of the window's new-events filter (unknown ranges: yes)."""
    if window.timestamp_from is not None:
        since = window.timestamp_from
        return lambda r: r.timestamp is None or r.timestamp[1] >= since
    if window.ingested_after is not None:
        after = window.ingested_after
        return lambda r: r.ingested is None or r.ingested[1] > after
    return lambda r: True


def _value(fields: Sequence[str]) -> str:
    """A column of the alert: the first of ``fields`` that is not NULL."""
    if len(fields) == 1:
        return ident(fields[0])
    return f"coalesce({', '.join(ident(f) for f in fields)})"


def condition_of(queries: Sequence[str]) -> str | None:
    """The WHERE condition of a rule's queries (ORed), or None when a query has another shape."""
    if not queries or not all(q.startswith(RULE_PREFIX) for q in queries):
        return None
    return " OR ".join(f"({q[len(RULE_PREFIX):]})" for q in queries)


_EQ = r"lower\(\"(?:[^\"]|\"\")+\"\) = lower\('(?:[^']|'')*'\)"
_SIMPLE = re.compile(rf"{_EQ}|\({_EQ}(?: OR {_EQ})*\)")  # field = value, or one of a few values


def _unwrap(cond: str) -> str:
    """``cond`` without parentheses around all of it."""
    while cond.startswith("(") and _top_level(cond[1:], ")") == len(cond) - 2:
        cond = cond[1:-1]
    return cond


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[()]| AND ")


def _top_level(cond: str, stop: str) -> int:
    """Index of the first ``stop`` (")" or " AND ") outside parentheses, literals and quoted names; -1: none."""
    depth = 0
    for m in _TOKEN.finditer(cond):
        tok = m.group()
        if tok[0] in "'\"":
            continue
        if depth == 0 and tok == stop:
            return m.start()
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
    return -1


@lru_cache(maxsize=8192)
def _conjuncts(cond: str) -> tuple[str, ...]:
    """``cond`` split at its top-level ANDs, nested AND groups flattened (AND is associative)."""
    whole, cond = cond, _unwrap(cond)
    parts: list[str] = []
    while (at := _top_level(cond, " AND ")) >= 0:
        parts.append(cond[:at])
        cond = cond[at + 5:]
    parts.append(cond)
    if len(parts) == 1:
        return (whole,)  # not an AND: kept as written (with its parentheses)
    return tuple(p for part in parts for p in _conjuncts(part))


_IDENT = re.compile(r'"((?:[^"]|"")+)"')
MATCHED = "soc_matched"  # the rows a chunk of rules matches
_LOWER = re.compile(r'lower\(("(?:[^"]|"")+")\)')


# Names the detection SQL gives the elements of array columns in lambdas (soc.detect.backend: "sigma_x").
LAMBDA_PARAMETERS = frozenset({"sigma_x"})


def _code_segments(sql: str) -> list[tuple[bool, str]]:
    """``sql`` cut into (is code, text) pieces: string literals apart from the code (quoted names stay in code)."""
    out, start, i, quote = [], 0, 0, ""
    while i < len(sql):
        ch = sql[i]
        if quote:
            if ch == quote and sql[i + 1:i + 2] == quote:
                i += 1
            elif ch == quote:
                if quote == "'":
                    out.append((False, sql[start:i + 1]))
                    start = i + 1
                quote = ""
        elif ch in "'\"":
            if ch == "'":
                out.append((True, sql[start:i]))
                start = i
            quote = ch
        i += 1
    out.append((quote != "'", sql[start:]))
    return out


def lowered_columns(*parts: str) -> tuple[list[str], dict[str, str]]:
    """``parts`` with each ``lower("field")`` outside literals read from a column computed once per row, and
    those columns (name → field): hundreds of case-insensitive tests of one field lowercase it once."""
    names: dict[str, str] = {}

    def column(m: re.Match) -> str:
        if m.group(1).strip('"') in LAMBDA_PARAMETERS:  # an array element inside a lambda: no column of the row to hoist
            return m.group(0)
        return names.setdefault(m.group(1), f'"soc_lower_{len(names)}"')

    out = ["".join(_LOWER.sub(column, text) if code else text for code, text in _code_segments(p)) for p in parts]
    return out, {name: field for field, name in names.items()}


def log_source_prefixes(conds: Sequence[str], least: int = PREFIX_MIN_RULES) -> set[str]:
    """The conjuncts comparing a field with literals that at least ``least`` of ``conds`` share (the log-source
    conditions the pipelines add: dataset, channel, event id …)."""
    counts: dict[str, int] = {}
    for cond in conds:
        for part in set(_conjuncts(cond)):
            if _SIMPLE.fullmatch(part):
                counts[part] = counts.get(part, 0) + 1
    return {part for part, n in counts.items() if n >= least}


def split_prefix(cond: str, shared: set[str]) -> tuple[tuple[str, ...], str]:
    """(the conjuncts of ``cond`` in ``shared``, sorted; the rest ANDed, "true" if none): rules with the same
    prefix are evaluated together on the rows it selects, the prefix evaluated once per row."""
    parts = _conjuncts(cond)
    prefix = sorted({p for p in parts if p in shared})
    rest = [p for p in parts if p not in shared]
    return tuple(prefix), " AND ".join(rest) or "true"


class EmbeddedDetection(DetectionRun):
    """A scan over the event files of ``store`` listed when it opens (made by ``EventStore.detection``)."""

    def __init__(self, store: EventStore, need: Sequence[str]):
        self._store = store
        self._need = list(need)
        self._con = connect()
        self._con.execute("SET parquet_metadata_cache = true")  # each rule's query would read every footer again
        self._ranges = store.file_ranges(str(p) for p in store.files())
        self._scope: tuple[str, ...] | None = None
        self._all = False
        self._opened: set[str] = set()
        self.events = sum(r.rows for r in self._ranges.values())
        self.latest_ingested = max((r.ingested[1] for r in self._ranges.values() if r.ingested), default=None)

    @property
    def files_read(self) -> int:  # type: ignore[override]
        return len(self._opened)

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def _fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Column names and rows of ``sql``; a refused query raises :class:`QueryFailed`."""
        try:
            cur = self._con.execute(sql, params)
            return [d[0] for d in cur.description or ()], cur.fetchall()
        except duckdb.Error as exc:
            raise QueryFailed(str(exc)) from exc

    def _files(self, keep: Callable[[FileRange], bool]) -> tuple[str, ...]:
        return tuple(f for f, r in self._ranges.items() if keep(r))

    def _open_scope(self, files: tuple[str, ...]) -> None:
        """The view :data:`SCOPE` over ``files`` (kept while the next window needs the same files)."""
        if files != self._scope:
            self._store.view_over(self._con, files, self._need, SCOPE)
            self._scope = files
            self._opened.update(files)

    def _window(self, window: ScanWindow, correlation: bool) -> None:
        """The view ``events`` a rule reads: its new events, plus for a correlation the events up to one timespan
        before the earliest new one, so windows spanning two scans are found."""
        new = _new_events_filter(window)
        self._open_scope(self._files(_may_hold_new(window)))
        if new is None:
            scope = f"SELECT * FROM {SCOPE}"
        elif not correlation:
            scope = f"SELECT * FROM {SCOPE} WHERE {new}"
        else:
            start = self._fetch(f'SELECT min("@timestamp") FROM {SCOPE} WHERE {new}')[1][0][0]
            if start is None:
                scope = f"SELECT * FROM {SCOPE} WHERE false"
            else:
                since = start - timedelta(seconds=int(window.lookback_seconds))
                self._open_scope(self._files(lambda r: r.timestamp is None or r.timestamp[1] >= since))
                scope = f'SELECT * FROM {SCOPE} WHERE "@timestamp" >= {_timestamp(since)}'
        self._fetch(f"CREATE OR REPLACE TEMP VIEW {ident('events')} AS {scope}")

    def matches(self, queries: Sequence[str], window: ScanWindow, columns: Mapping[str, Sequence[str]]
                ) -> list[dict[str, Any]]:
        self._window(window, correlation=False)
        return self._matches(queries, columns)

    def _matches(self, queries: Sequence[str], columns: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
        cols = ", ".join(f"{_value(fields)} AS {ident(name)}" for name, fields in columns.items())
        union = " UNION ".join(f'SELECT "event.id" AS eid, "@timestamp" AS ts, {cols} FROM ({q})' for q in queries)
        names, rows = self._fetch(union + " ORDER BY ts, eid")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def matches_many(self, rules: Sequence[tuple[str, Sequence[str]]], window: ScanWindow,
                     columns: Mapping[str, Sequence[str]],
                     candidates: Mapping[str, Sequence[str] | None] | None = None
                     ) -> dict[str, list[dict[str, Any]] | QueryFailed]:
        """Every rule's matches, :data:`CHUNK` rules per scan of the window's events; a chunk the engine refuses
        is split until the refused rule stands alone and is reported by itself."""
        self._window(window, correlation=False)
        out: dict[str, list[dict[str, Any]] | QueryFailed] = {}
        single = [(k, q) for k, q in rules if condition_of(q) is None]
        batched = [(k, q) for k, q in rules if condition_of(q) is not None]
        for key, queries in single:
            out[key] = self._guarded(queries, columns)
        conds = {key: condition_of(queries) or "" for key, queries in batched}
        shared = log_source_prefixes(list(conds.values()))
        groups: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for key, cond in conds.items():
            prefix, rest = split_prefix(cond, shared)
            groups.setdefault(prefix, []).append((key, rest))
        for prefix, members in groups.items():
            for start in range(0, len(members), CHUNK):
                self._chunk(prefix, members[start:start + CHUNK], dict(batched), columns, out)
        return out

    def _guarded(self, queries: Sequence[str], columns: Mapping[str, Sequence[str]]
                 ) -> list[dict[str, Any]] | QueryFailed:
        try:
            return self._matches(queries, columns)
        except QueryFailed as exc:
            return exc

    def _chunk(self, prefix: tuple[str, ...], rules: Sequence[tuple[str, str]], queries: Mapping[str, Sequence[str]],
               columns: Mapping[str, Sequence[str]], out: dict[str, list[dict[str, Any]] | QueryFailed]) -> None:
        """Rules sharing ``prefix`` (each ``(key, rest of its condition)``) in one scan; ``queries``: each
        rule's own queries, run alone when its chunk is refused."""
        if len(rules) == 1 and not prefix:
            out[rules[0][0]] = self._guarded(queries[rules[0][0]], columns)
            return
        cols = ", ".join(f"{_value(fields)} AS {ident(name)}" for name, fields in columns.items())
        flags = ", ".join(f"coalesce({rest}, false)" for _, rest in rules)
        where = " AND ".join([*prefix, "(" + " OR ".join(f"({rest})" for _, rest in rules) + ")"])
        (where, flags), lowered = lowered_columns(where, flags)
        source = "events"
        if lowered:
            source = f"(SELECT *, {', '.join(f'lower({f}) AS {n}' for n, f in lowered.items())} FROM events)"
        # First the rows any rule of the chunk matches (the columns they need), then, only if there are some, which
        # rules match each: most chunks match nothing, and the engine then reads each condition once, not twice.
        present = {r[0] for r in self._fetch(f"DESCRIBE SELECT * FROM {source}")[1]}
        named = {f for code, text in _code_segments(flags) if code for f in _IDENT.findall(text)}
        keep = sorted({f.replace('""', '"') for f in named} & present | {"event.id", "@timestamp"}
                      | {f for fields in columns.values() for f in fields} & present)
        sql = (f'SELECT "event.id" AS eid, "@timestamp" AS ts, {cols}, [{flags}] AS soc_hits FROM {MATCHED} '
               "ORDER BY ts, eid")
        try:
            self._fetch(f"CREATE OR REPLACE TEMP TABLE {MATCHED} AS SELECT {', '.join(ident(f) for f in keep)} "
                        f"FROM {source} WHERE {where}")
            names, rows = self._fetch(sql) if self._fetch(f"SELECT count(*) FROM {MATCHED}")[1][0][0] else ([], [])
        except QueryFailed:
            if len(rules) == 1:
                out[rules[0][0]] = self._guarded(queries[rules[0][0]], columns)
                return
            half = len(rules) // 2
            self._chunk(prefix, rules[:half], queries, columns, out)
            self._chunk(prefix, rules[half:], queries, columns, out)
            return
        names = names[:-1] if names else []
        found: list[list[dict[str, Any]]] = [[] for _ in rules]
        seen: list[set[tuple]] = [set() for _ in rules]
        for row in rows:
            values, hits = row[:-1], row[-1]
            for i, hit in enumerate(hits):
                if hit and values not in seen[i]:  # as UNION in matches(): one row per distinct result
                    seen[i].add(values)
                    found[i].append(dict(zip(names, values, strict=True)))
        for (key, _), rows_of in zip(rules, found, strict=True):
            out[key] = rows_of

    def correlations(self, queries: Sequence[str], window: ScanWindow, candidates: Sequence[str] | None = None
                     ) -> list[tuple]:
        self._window(window, correlation=True)
        return [row for query in queries for row in self._fetch(query)[1]]

    def values(self, event_ids: Sequence[str], columns: Mapping[str, Sequence[str]]) -> list[tuple]:
        """From the files the last window opened (where a correlation's events are), else from every file."""
        select = f"SELECT {', '.join(_value(fields) for fields in columns.values())} FROM "
        where = ' WHERE "event.id" IN (SELECT unnest($ids))'
        if self._scope is not None:
            rows = self._fetch(select + SCOPE + where, {"ids": list(event_ids)})[1]
            if len(rows) >= len(set(event_ids)):
                return rows
        if not self._all:
            self._store.view_over(self._con, tuple(self._ranges), self._need, ALL_EVENTS)
            self._all = True
        return self._fetch(select + ALL_EVENTS + where, {"ids": list(event_ids)})[1]


class ViewDetection(EmbeddedDetection):
    """The same detection over a connection that already holds the events a scan needs in the view
    :data:`ALL_EVENTS` (a cluster store's fetched window): no files to choose, every window reads that view."""

    def __init__(self, con: Any):  # noqa: D107 - no store: the view is the scope
        self._con = con
        self._need: list[str] = []
        self._ranges: dict[str, FileRange] = {}
        self._scope = ()
        self._all = True
        self._opened: set[str] = set()
        self._fetch(f"CREATE OR REPLACE TEMP VIEW {SCOPE} AS SELECT * FROM {ALL_EVENTS}")
        self.events = self._fetch(f"SELECT count(*) FROM {ALL_EVENTS}")[1][0][0]
        self.latest_ingested = self._fetch(f'SELECT max("event.ingested") FROM {ALL_EVENTS}')[1][0][0]

    def _open_scope(self, files: tuple[str, ...]) -> None:
        return None  # the scope view is every fetched event
