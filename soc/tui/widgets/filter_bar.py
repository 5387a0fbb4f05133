"""The queue's filter bar: minimum level cycled from the keyboard (``l``), status picked from a list (``s``), the rest of the
filter typed after ``/`` (``rule:… system:… assignee:… from:24h to:… words``).

Holds the filter state and posts ``FiltersChanged``; never queries the database itself.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from soc.i18n import level_word, tr
from soc.triage.history import status_word
from soc.triage.model import LEVEL_FILTERS, OPEN_STATUSES, STATUS_FILTERS
from soc.triage.queue import QueueFilter
from soc.tui.messages import FiltersChanged
from soc.tui.widgets.safe_text import clean


def _next(values: tuple[str, ...], current: str) -> str:
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


class FilterBar(Widget):
    """One line: ``Level ≥ high · Status open · rule:web · 12 of 100000``."""

    level: reactive[str] = reactive("all", init=False)
    status: reactive[str] = reactive("open", init=False)
    shown: reactive[int | None] = reactive(None)
    total: reactive[int] = reactive(0)
    marked: reactive[int] = reactive(0)
    query: reactive[str] = reactive("", init=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._filter = QueueFilter()

    @property
    def filter(self) -> QueueFilter:
        return replace(self._filter, level=self.level, status=self.status)

    def set_filter(self, flt: QueueFilter) -> None:
        self._filter = flt
        changed = (flt.level, flt.status) != (self.level, self.status)
        self.level, self.status = flt.level, flt.status
        self.query = flt.query()
        if not changed:
            self.post_message(FiltersChanged(self.level, self.status))

    def cycle_level(self) -> None:
        self.level = _next(LEVEL_FILTERS, self.level)

    def cycle_status(self) -> None:
        self.status = _next(STATUS_FILTERS, self.status)

    def watch_level(self) -> None:
        self.post_message(FiltersChanged(self.level, self.status))

    def watch_status(self) -> None:
        self.post_message(FiltersChanged(self.level, self.status))

    def render(self) -> Text:
        lang = getattr(self.app, "lang", "en")
        word = level_word(self.level, lang)
        level = tr("all", lang) if self.level == "all" else (word if self.level == "critical" else f"≥ {word}")
        if self.status == "open":
            status = f"open ({', '.join(OPEN_STATUSES)})" if lang != "vi" else tr(
                "Open (new, acknowledged, in progress, escalated)", lang)
        else:
            status = self.status if lang != "vi" else f"{status_word(self.status, lang)} ({self.status})"
        out = Text.assemble((tr("Level", lang) + " ", "dim"), (level, "bold"), (f"  ·  {tr('Status', lang)} ", "dim"),
                            (status, "bold"))
        if self.query:
            out.append("  ·  ", style="dim")
            out.append(clean(self.query, limit=60), style="bold")
        if self.shown is not None:
            out.append("  ·  " + tr("{n} shown of {total}", lang).format(n=self.shown, total=self.total), style="dim")
        if self.marked:
            out.append("  ·  " + tr("{n} marked", lang).format(n=self.marked), style="bold yellow")
        out.append(tr("   [l] level  [s] status  [/] filter", lang), style="dim italic")
        return out
