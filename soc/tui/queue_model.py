"""The queue in memory: every alert's list columns, filtered and sorted in Python so 100 k alerts filter in
milliseconds; refreshed incrementally from the ``updated`` column.

Reads only the columns the list shows (full alerts are read on demand); never writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from soc.store.state import LEVELS, STATUSES, StateDB
from soc.timefmt import parse_when

OPEN_STATUSES = ("new", "acknowledged", "in_progress", "escalated")
LEVEL_FILTERS = ("all", "low", "medium", "high", "critical")  # minimum level shown
STATUS_FILTERS = ("open", *STATUSES, "all")
LIST_COLUMNS = (
    "id, rule_id, rule_title, rule_level, first_time, last_time, created, updated, source_ip, user_name, host, "
    "system, status, resolution, assignee, version, event_count, group_key"
)
_NAMES = tuple(LIST_COLUMNS.split(", "))
SORT_KEYS = ("time", "level", "rule", "source", "system", "status", "assignee")
LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS)}
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
REFRESH_OVERLAP = timedelta(seconds=5)  # writers commit out of order; re-read a little before the last seen
TOKENS = ("level", "status", "rule", "system", "assignee", "from", "to")


def parse_time(value: str, zone: str = "UTC", now: datetime | None = None) -> str:
    """``24h`` / ``7d`` (ago), ``2026-11-24`` or ``2026-11-24T10:00`` (in ``zone``) → ISO UTC string for comparisons."""
    return parse_when(value, zone, now).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class QueueFilter:
    """Which alerts the queue shows. ``level`` is a minimum; ``status`` a status, 'open' or 'all'."""

    level: str = "all"
    status: str = "open"
    rule: str = ""
    system: str = ""
    assignee: str = ""
    since: str = ""
    until: str = ""
    text: str = ""

    def levels(self) -> list[str] | None:
        return None if self.level == "all" else list(LEVELS[LEVELS.index(self.level) :])

    def statuses(self) -> list[str] | None:
        if self.status == "all":
            return None
        return list(OPEN_STATUSES) if self.status == "open" else [self.status]

    def with_query(self, query: str, zone: str = "UTC") -> QueueFilter:
        """Apply ``level:high status:new rule:web system:portal assignee:me from:24h to:… free words``."""
        changes: dict[str, str] = {"rule": "", "system": "", "assignee": "", "since": "", "until": "", "text": ""}
        words = []
        for word in query.split():
            key, sep, value = word.partition(":")
            key = key.lower()
            if not sep or key not in TOKENS:
                words.append(word)
            elif key == "level":
                if value not in LEVEL_FILTERS:
                    raise ValueError(f"level must be one of {', '.join(LEVEL_FILTERS)}")
                changes["level"] = value
            elif key == "status":
                if value not in STATUS_FILTERS:
                    raise ValueError(f"status must be one of {', '.join(STATUS_FILTERS)}")
                changes["status"] = value
            elif key in ("from", "to"):
                changes["since" if key == "from" else "until"] = parse_time(value, zone)
            else:
                changes[key] = value
        changes["text"] = " ".join(words)
        return replace(self, **changes)

    def query(self) -> str:
        """The free part of the filter as the analyst would type it (level and status have their own keys)."""
        parts = [f"{k}:{getattr(self, k)}" for k in ("rule", "system", "assignee") if getattr(self, k)]
        parts += [f"from:{self.since}"] if self.since else []
        parts += [f"to:{self.until}"] if self.until else []
        return " ".join(parts + ([self.text] if self.text else []))


def _search_text(row: dict[str, Any]) -> str:
    return "\x1f".join(
        str(row.get(k) or "")
        for k in ("rule_title", "rule_id", "source_ip", "user_name", "host", "system", "assignee", "group_key", "id")
    ).casefold()


def _sort_key(name: str):
    if name == "time":
        return lambda r: r["last_time"] or r["created"] or ""
    if name == "level":
        return lambda r: (LEVEL_RANK.get(r["rule_level"], -1), r["last_time"] or "")
    if name == "status":
        return lambda r: (STATUS_RANK.get(r["status"], 99), r["last_time"] or "")
    column = {"rule": "rule_title", "source": "source_ip", "system": "system", "assignee": "assignee"}[name]
    return lambda r: ((r[column] or "").casefold(), r["last_time"] or "")


class AlertIndex:
    """Every alert's list columns by id; ``select`` filters and sorts them, ``refresh`` merges changes."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.last_updated = ""
        self._cursor = ""  # alerts updated before this were read (the read time minus an overlap)
        self._sorted: dict[tuple[str, bool], list[dict[str, Any]]] = {}
        self._counts: Counter[str] | None = None

    def _merge(self, rows: list[dict[str, Any]]) -> int:
        changed = 0
        for row in rows:
            old = self.rows.get(row["id"])
            if old is not None and old["version"] == row["version"] and old["updated"] == row["updated"]:
                continue
            self.rows[row["id"]] = row
            changed += 1
            if row["updated"] > self.last_updated:
                self.last_updated = row["updated"]
        if changed:
            self._sorted.clear()
            self._counts = None
        return changed

    def load(self, db: StateDB) -> int:
        """Read alerts changed since the last load (all of them the first time); returns how many changed."""
        cursor = (datetime.now(UTC) - REFRESH_OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        cur = db.con.cursor()
        cur.row_factory = None  # plain tuples: much faster than sqlite3.Row for 100 k rows
        if not self._cursor:
            cur.execute(f"SELECT {LIST_COLUMNS} FROM alerts")
        else:
            cur.execute(f"SELECT {LIST_COLUMNS} FROM alerts WHERE updated >= ?", (self._cursor,))
        names = _NAMES
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        self._cursor = cursor
        return self._merge(rows)

    def put(self, alert: dict[str, Any]) -> None:
        """Show a stored state just read or written (after an edit or a conflict)."""
        self._merge([{k: alert.get(k) for k in _NAMES}])

    def counts(self) -> dict[str, int]:
        if self._counts is None:
            self._counts = Counter(r["status"] for r in self.rows.values())
        return dict(self._counts)

    def ordered(self, sort: str = "time", descending: bool = True) -> list[dict[str, Any]]:
        key = (sort, descending)
        if key not in self._sorted:
            primary = _sort_key(sort)
            rows = sorted(self.rows.values(), key=lambda r: (primary(r), r["id"]), reverse=descending)
            self._sorted[key] = rows
        return self._sorted[key]

    def select(self, flt: QueueFilter, sort: str = "time", descending: bool = True) -> list[dict[str, Any]]:
        """The alerts ``flt`` lets through, in the given order."""
        checks = []
        statuses = flt.statuses()
        if statuses is not None:
            wanted_s = frozenset(statuses)
            checks.append(lambda r: r["status"] in wanted_s)
        levels = flt.levels()
        if levels is not None:
            wanted_l = frozenset(levels)
            checks.append(lambda r: r["rule_level"] in wanted_l)
        if flt.rule:
            needle_r = flt.rule.casefold()
            checks.append(lambda r: needle_r in r["rule_id"].casefold() or needle_r in r["rule_title"].casefold())
        if flt.system:
            needle_y = flt.system.casefold()
            checks.append(lambda r: needle_y in (r["system"] or "").casefold())
        if flt.assignee:
            who = flt.assignee.casefold()
            if who == "none":
                checks.append(lambda r: not r["assignee"])
            else:
                checks.append(lambda r: who == (r["assignee"] or "").casefold())
        if flt.since:
            since = flt.since
            checks.append(lambda r: (r["last_time"] or r["created"]) >= since)
        if flt.until:
            until = flt.until
            checks.append(lambda r: (r["first_time"] or r["created"]) < until)
        words = [w.casefold() for w in flt.text.split()]
        if words:
            for r in self.rows.values():
                if "_t" not in r:
                    r["_t"] = _search_text(r)
            checks.append(lambda r: all(w in r["_t"] for w in words))
        rows = self.ordered(sort, descending)
        if not checks:
            return list(rows)
        for check in checks:  # one pass per check: each pass is a tight comprehension over fewer rows
            rows = [r for r in rows if check(r)]
        return rows
