"""The queue's filter bar: minimum level and status, cycled from the keyboard (``l`` / ``s``).

Holds the filter state and posts ``FiltersChanged``; never queries the database itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from soc.tui.data import LEVEL_FILTERS, OPEN_STATUSES, STATUS_FILTERS, QueueFilter
from soc.tui.messages import FiltersChanged


def _next(values: tuple[str, ...], current: str) -> str:
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


class FilterBar(Widget):
    """One line: ``Level ≥ high · Status open · 12 shown``."""

    level: reactive[str] = reactive("all", init=False)
    status: reactive[str] = reactive("open", init=False)
    shown: reactive[int | None] = reactive(None)
    limit: reactive[int] = reactive(0)

    @property
    def filter(self) -> QueueFilter:
        return QueueFilter(self.level, self.status)

    def cycle_level(self) -> None:
        self.level = _next(LEVEL_FILTERS, self.level)

    def cycle_status(self) -> None:
        self.status = _next(STATUS_FILTERS, self.status)

    def watch_level(self) -> None:
        self.post_message(FiltersChanged(self.level, self.status))

    def watch_status(self) -> None:
        self.post_message(FiltersChanged(self.level, self.status))

    def render(self) -> Text:
        level = (
            "all" if self.level == "all" else (self.level if self.level == "critical" else f"≥ {self.level}")
        )
        status = f"open ({', '.join(OPEN_STATUSES)})" if self.status == "open" else self.status
        out = Text.assemble(
            ("Level ", "dim"),
            (level, "bold"),
            ("  ·  Status ", "dim"),
            (status, "bold"),
        )
        if self.shown is not None:
            more = f" (first {self.limit})" if self.limit and self.shown >= self.limit else ""
            out.append(f"  ·  {self.shown} shown{more}", style="dim")
        out.append("   [l] level  [s] status", style="dim italic")
        return out
