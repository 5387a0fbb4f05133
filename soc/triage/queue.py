"""The alert queue as the analyst filters it: a filter and a sort become one ``AlertQuery`` the store runs (the
TUI queue, ``soc alerts`` and the reports' alert lists alike); the grid reads only the rows it shows (a page around
them), nothing is sorted in Python.

Reads only the columns the list shows (full alerts are read on demand); never writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from soc.store import alert_queue
from soc.store.contract import AlertQuery, StateStore
from soc.timefmt import parse_when
from soc.triage.model import LEVEL_FILTERS, LEVELS, OPEN_STATUSES, STATUS_FILTERS, STATUSES
from soc.triage.priority import Policy

__all__ = ["LEVEL_FILTERS", "OPEN_STATUSES", "PAGE", "SORT_KEYS", "STATUS_FILTERS", "ChangeWatch", "QueueFilter",
           "QueueRows", "listing", "parse_time", "row_key"]

PAGE = 100  # rows read at a time
SORT_KEYS = ("priority", "time", "level", "rule", "source", "system", "status", "assignee")
REFRESH_OVERLAP = timedelta(seconds=5)  # writers commit out of order; re-read a little before the last seen
TOKENS = ("level", "status", "rule", "system", "assignee", "from", "to")


DEFAULT_POLICY = Policy()


def row_key(row: dict[str, Any], sort: str, policy: Policy | None = None) -> tuple:
    """The sort key of a queue row, the same as the store's order of ``sort`` (levels and statuses in the
    model's order, priority by ``policy``)."""
    ranking = AlertQuery(**(policy or DEFAULT_POLICY).query_fields()).ranking
    return alert_queue.row_key(row, sort, LEVELS, STATUSES, ranking)


def listing(statuses: Iterable[str] | None = None, levels: Iterable[str] | None = None, since: str = "",
            until: str = "") -> AlertQuery:
    """A plain list of alerts, newest first (``soc alerts``, reports): exact statuses and levels (none: all) and
    a period (ISO UTC: last seen at or after ``since``, first seen before ``until``)."""
    return AlertQuery(statuses=tuple(statuses) if statuses else None, levels=tuple(levels) if levels else None,
                      since=since, until=until, level_order=LEVELS, status_order=STATUSES)


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
    policy: Policy = DEFAULT_POLICY  # ranks the priority sort (the inventory's levels, from the config)

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

    @property
    def only_status_and_level(self) -> bool:
        return not (self.rule or self.system or self.assignee or self.since or self.until or self.text.split())

    def alert_query(self, sort: str = "time", descending: bool = True) -> AlertQuery:
        """The filter and a sort as the store runs them (``priority``: most urgent first when descending, then
        newest)."""
        statuses, levels = self.statuses(), self.levels()
        return AlertQuery(
            statuses=None if statuses is None else tuple(statuses), levels=None if levels is None else tuple(levels),
            rule=self.rule, system=self.system, assignee=self.assignee, since=self.since, until=self.until,
            text=self.text, sort=sort, descending=descending, level_order=LEVELS, status_order=STATUSES,
            **self.policy.query_fields(),
        )


# -- the rows the grid shows -------------------------------------------------------------------------------
# read(offset, limit, next_to, before): rows offset … offset + limit, read after (before) row ``next_to`` if given
Reader = Callable[[int, int, "dict[str, Any] | None", bool], list[dict[str, Any]]]

class QueueRows(Sequence[dict[str, Any]]):
    """The queue as a sequence of ``count`` rows, read from the database a page at a time and kept.

    ``get`` never reads (None when the row is not read yet); indexing reads the page when needed.
    """

    def __init__(self, count: int, read: Reader | None = None, rows: dict[int, dict[str, Any]] | None = None):
        self.count = count
        self._read = read
        self._rows: dict[int, dict[str, Any]] = dict(rows or {})
        self._lock = threading.Lock()

    @classmethod
    def of(cls, rows: Sequence[dict[str, Any]]) -> QueueRows:
        return cls(len(rows), None, dict(enumerate(rows)))

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.count))]
        if i < 0:
            i += self.count
        if not 0 <= i < self.count:
            raise IndexError(i)
        row = self._rows.get(i)
        if row is None:
            self.load(i, i + 1)
            row = self._rows.get(i)
            if row is None:  # the database has fewer rows than when counted; the next reload tells
                raise IndexError(i)
        return row

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(self.count):
            try:
                yield self[i]
            except IndexError:
                return

    def get(self, i: int) -> dict[str, Any] | None:
        return self._rows.get(i)

    def put(self, i: int, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows[i] = row

    def load(self, lo: int, hi: int) -> None:
        """Read the rows ``lo`` … ``hi`` not read yet, at least a page at a time; next to rows already read, from
        their sort key (cheap anywhere in the queue), else by position."""
        if self._read is None:
            return
        for m in range(max(lo, 0), min(hi, self.count)):
            if m in self._rows:
                continue
            with self._lock:
                known = list(self._rows)
            prev = max((k for k in known if k < m), default=-1)
            nxt = min((k for k in known if k > m), default=self.count)
            end = min(nxt, m + PAGE)
            start = max(prev + 1, end - PAGE, 0)
            if start > 0 and start == prev + 1:
                rows = self._read(start, end - start, self._rows[prev], False)
            elif end < self.count and end == nxt:
                rows = self._read(start, end - start, self._rows[nxt], True)
                start = end - len(rows)
            else:
                rows = self._read(start, end - start, None, False)
            with self._lock:
                for i, row in enumerate(rows, start):
                    self._rows.setdefault(i, row)

    def index_of(self, alert_id: str) -> int | None:
        """Position of the alert among the rows read so far."""
        return next((i for i, r in self._rows.items() if r["id"] == alert_id), None)

    def update(self, alert: dict[str, Any]) -> None:
        i = self.index_of(alert["id"])
        if i is not None:
            row = self._rows[i]
            self._rows[i] = {**row, **{k: v for k, v in alert.items() if k in row}}


@dataclass
class ChangeWatch:
    """Tells whether alerts changed since the last look: by the store's data version (another connection committed),
    the number of alerts, and the alerts updated since a little before the last look."""

    since: str = ""
    total: int = -1
    data_version: int = -1
    seen: dict[str, tuple[int, str]] | None = None

    def look(self, state: StateStore) -> int:
        version = state.data_version()
        if version == self.data_version and self.seen is not None:
            return 0
        cursor = (datetime.now(UTC) - REFRESH_OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        total = state.alert_count()
        seen = state.alert_versions(self.since or cursor)
        changed = 0
        if self.seen is not None:
            changed = sum(1 for k, v in seen.items() if self.seen.get(k) != v) + (total != self.total)
        self.since, self.total, self.data_version, self.seen = cursor, total, version, seen
        return changed
