"""Value types of the store contract (``soc.store.contract``), shared by every store and every stage."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ConflictError(Exception):
    """Someone else changed the object first (compare-and-set on ``version`` failed); ``current`` holds the state
    they left."""

    def __init__(self, message: str, current: dict[str, Any] | None):
        super().__init__(message)
        self.current = current


# -- value types ---------------------------------------------------------------------------------------------
@dataclass
class Checkpoint:
    """How far a file was read: path, inode, fingerprint of its head (rotation), byte offset and line number."""

    path: str
    inode: int | None
    fingerprint: str | None
    offset: int
    line_no: int


@dataclass(frozen=True)
class ScanWindow:
    """Which stored events one rule reads in a scan.

    ``ingested_after``: events whose ``event.ingested`` is later (the rule's watermark minus the overlap);
    ``timestamp_from``: events whose ``@timestamp`` is at or after it (``soc scan --since``); both None: every event.
    ``lookback_seconds``: for a correlation rule, also the events up to this long before the earliest new one, so
    a window spanning two scans is found.
    """

    ingested_after: datetime | None = None
    timestamp_from: datetime | None = None
    lookback_seconds: int = 0


@dataclass(frozen=True)
class AlertQuery:
    """One filter and sort of the alert queue, as the store runs it (``soc.triage.queue`` builds it).

    ``None`` means "no condition". Text conditions match case-insensitively (casefold), ``rule`` in the rule id
    or title, ``text`` word by word in any listed text column. ``level_order`` / ``status_order`` rank the values
    when sorting by level or status (the model's order, given by triage). ``sort="priority"`` ranks by urgency from
    ``system_levels`` (system name → security level 1–5; others ``default_system_level``) and ``priority_matrix``
    ((system level, rule level, urgency), larger more urgent), then by time.
    """

    statuses: tuple[str, ...] | None = None
    levels: tuple[str, ...] | None = None
    rule: str = ""
    system: str = ""
    assignee: str = ""  # "none": unassigned
    since: str = ""  # ISO UTC: last seen at or after
    until: str = ""  # ISO UTC: first seen before
    text: str = ""
    sort: str = "time"  # priority | time | level | status | rule | source | system | assignee
    descending: bool = True
    level_order: tuple[str, ...] = ()
    status_order: tuple[str, ...] = ()
    system_levels: tuple[tuple[str, int], ...] = ()
    default_system_level: int = 3
    priority_matrix: tuple[tuple[int, str, int], ...] = ()

    @property
    def ranking(self) -> tuple:
        """What the priority sort needs, as one hashable value."""
        return (self.system_levels, self.default_system_level, self.priority_matrix)


@dataclass(eq=False)
class AlertQueue:
    """The queue of one ``AlertQuery`` as a store planned it: how many alerts it lets through (``count``) of all
    stored (``total``), every stored alert counted by status, the first rows when counting read them anyway (``head``:
    all of them when there are few; None: not read), and the store's own plan for reading more (opaque to stages).

    Rows hold the columns the queue lists (``StateStore.queue_rows``); whole alerts are read one at a time.
    """

    query: AlertQuery
    count: int
    total: int
    statuses: dict[str, int] = field(default_factory=dict)
    head: list[dict[str, Any]] | None = None
    plan: Any = None


@dataclass
class EventPage:
    """Events as flat ECS dicts (``{"source.ip": …}``), and whether more matched than were returned."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    limited: bool = False
    next_after: tuple[Any, str] | None = None  # (@timestamp, event.id) of the last row: ask for the next page with it

    @classmethod
    def of(cls, rows: list[dict[str, Any]], limit: int) -> EventPage:
        """The first ``limit`` of ``rows`` (fetched ``limit + 1``, newest first), with the key of the next page."""
        page = rows[:limit]
        more = len(rows) > limit
        return cls(page, more, (page[-1]["@timestamp"], page[-1]["event.id"]) if more and page else None)


def iter_chunks(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """``values`` in slices of ``size`` (bound parameters per statement stay under the engines' limits)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
