"""The alert queue as a virtual table: only the rows on screen are read (a page at a time, ``QueueRows``) and
rendered (line API), so 100 k alerts open, scroll and refresh instantly. Space marks rows for bulk actions;
``o`` / ``O`` change the sort.

Cells are Rich ``Text`` from ``safe_text`` (titles and IPs come from logs and rules), never markup strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from soc.i18n import level_word, resolution_word, status_word, tr
from soc.triage.evidence import local
from soc.triage.priority import Policy, clock_text, label
from soc.triage.queue import SORT_KEYS, QueueRows, row_key
from soc.tui.messages import AlertHighlighted, SortChanged
from soc.tui.widgets.column_widths import Column, layout
from soc.tui.widgets.safe_text import clean, safe_text

LEVEL_STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "informational": "dim",
}
STATUS_STYLES = {
    "new": "bold",
    "acknowledged": "cyan",
    "in_progress": "yellow",
    "escalated": "bold magenta",
    "resolved": "green",
    "suppressed": "dim",
}
# (sort key — or "case" / "clock", shown only —, header, least and most width); the rule takes what is left
COLUMNS = (
    Column("priority", "Pri", 5, 5),
    Column("time", "Last seen", 19, 19),
    Column("level", "Level", 6, 13),
    Column("rule", "Rule", 20, 200),
    Column("source", "Source", 7, 39),
    Column("system", "System", 8, 48),
    Column("status", "Status", 8, 34),
    Column("assignee", "Assignee", 6, 20),
    Column("clock", "Clock", 8, 16),  # not a sort key: the response clock, from the priority policy
    Column("case", "Case", 4, 12),  # last: the first optional column left out is the clock
)
CLOCK_WIDTH = 15  # "quá hạn 59 phút", "23 h left"
RULE_ROOM = 20  # narrower terminals leave optional columns out rather than squeeze rule titles
OPTIONAL_COLUMNS = ("clock", "case")  # left out first to last
PRIORITY_STYLES = {1: "bold white on red", 2: "bold red", 3: "yellow", 4: "dim"}
DESCENDING_FIRST = ("priority", "time", "level")
CURSOR = Style(reverse=True)
MARKED = Style(bold=True, bgcolor="grey23")
HEADER = Style(bold=True, underline=True)


def status_label(alert: dict[str, Any], lang: str = "en") -> Text:
    status = str(alert.get("status") or "")
    label = safe_text(status_word(status, lang), STATUS_STYLES.get(status, ""))
    if alert.get("resolution"):
        label.append_text(safe_text(f" ({resolution_word(alert['resolution'], lang)})", "dim"))
    return label


def rule_title(alert: dict[str, Any], lang: str = "en") -> object:
    """The rule's Vietnamese title when the language is ``vi`` and the rule has one, else its title."""
    return (lang == "vi" and alert.get("rule_title_vi")) or alert.get("rule_title")


def content_widths(alert: dict[str, Any], lang: str) -> dict[str, int]:
    """How wide each sized column's text is for this alert (what ``AlertGrid.cells`` draws, measured cheaply)."""
    status = status_word(alert.get("status") or "", lang)
    if alert.get("resolution"):
        status += f" ({resolution_word(alert['resolution'], lang)})"
    return {
        "level": cell_len(clean(level_word(alert.get("rule_level") or "", lang), limit=20)),
        "rule": cell_len(clean(rule_title(alert, lang), limit=200)),
        "source": cell_len(clean(alert.get("source_ip"), limit=45)),
        "system": cell_len(clean(alert.get("system"), limit=48)),
        "status": cell_len(clean(status)),
        "assignee": cell_len(clean(alert.get("assignee"), limit=30)),
        "case": cell_len(", ".join(f"#{c}" for c in alert.get("case_ids") or [])),
    }


class AlertGrid(ScrollView, can_focus=True):
    """Rows of alerts; keeps the cursor on the same alert across reloads."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("space", "mark", "Mark for bulk action"),
        Binding("o", "sort", "Sort column"),
        Binding("O", "reverse", "Reverse sort", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=True)

    def __init__(self, zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.zone = zone
        self.rows: QueueRows = QueueRows.of([])
        self.marked: set[str] = set()
        self._marked_rows: dict[str, dict[str, Any]] = {}  # marked alerts the filter lets through, by id
        self._reading = False
        self.sort = "priority"
        self.descending = True
        self.policy = Policy()  # the inventory's levels and clocks (the screen sets the configured one)
        self.labels = {c.key: c.header for c in COLUMNS}
        self._seen: dict[str, dict[str, int]] = {}  # language → column → widest content drawn so far
        self._layout: tuple[tuple, list[int]] | None = None
        self._last_posted: tuple[str, int] | None = None
        offset = datetime.now(ZoneInfo(zone)).strftime("%z")
        self.time_suffix = f" (UTC{offset[:3]}:{offset[3:]})"

    # -- data ----------------------------------------------------------------------------------------------
    @property
    def current_alert(self) -> dict[str, Any] | None:
        if not 0 <= self.cursor < len(self.rows):
            return None
        try:
            return self.rows[self.cursor]
        except IndexError:  # fewer alerts than counted: the next reload shows them
            return None

    def marked_alerts(self) -> list[dict[str, Any]]:
        """Marked alerts the filter lets through, in row order, as last read."""
        rows = []
        for alert_id, row in self._marked_rows.items():
            i = self.rows.index_of(alert_id)
            rows.append(self.rows.get(i) if i is not None else row)
        return sorted(rows, key=lambda r: row_key(r, self.sort, self.policy), reverse=self.descending)

    @property
    def marked_ids(self) -> list[str]:
        """Marked alerts (in row order), or the highlighted one when none is marked."""
        if self.marked:
            return [r["id"] for r in self.marked_alerts()] or sorted(self.marked)
        return [self.current_alert["id"]] if self.current_alert else []

    def show_alerts(self, rows: QueueRows | list[dict[str, Any]], cursor: int | None = None,
                    marked: list[dict[str, Any]] | None = None) -> None:
        """Replace the rows, keeping the cursor on the same alert while it is shown (``cursor``: where it is now,
        when the caller knows; otherwise looked up among the rows read)."""
        if not isinstance(rows, QueueRows):
            rows = QueueRows.of(rows)
        current = self.current_alert if cursor is None else None
        old = self.cursor
        self.rows = rows
        if marked is not None:
            self._marked_rows = {r["id"]: r for r in marked if r["id"] in self.marked}
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        row = cursor
        if row is None and current is not None:
            row = rows.index_of(current["id"])
        self.cursor = row if row is not None else min(max(old, 0), max(len(rows) - 1, 0))
        self._post_current(force=True)
        self.refresh()

    def index_of(self, alert_id: str) -> int | None:
        return self.rows.index_of(alert_id)

    def clear_marks(self) -> None:
        self.marked.clear()
        self._marked_rows.clear()
        self.refresh()

    def update_alert(self, alert: dict[str, Any]) -> None:
        """Show the stored state of one alert in its row (after an edit or a conflict)."""
        if alert["id"] in self._marked_rows:
            row = self._marked_rows[alert["id"]]
            self._marked_rows[alert["id"]] = {**row, **{k: v for k, v in alert.items() if k in row}}
        if self.rows.index_of(alert["id"]) is None:
            return
        self.rows.update(alert)
        self._post_current()
        self.refresh()

    # -- cursor --------------------------------------------------------------------------------------------
    def watch_cursor(self, _old: int, new: int) -> None:
        height = max(self.size.height - 1, 1)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        self._post_current()

    def move_to(self, row: int) -> None:
        if self.rows:
            self.cursor = min(max(row, 0), len(self.rows) - 1)

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(self.size.height - 2, 1))

    def action_jump(self, row: int) -> None:
        self.move_to(row if row >= 0 else len(self.rows) - 1)

    def action_mark(self) -> None:
        alert = self.current_alert
        if alert is None:
            return
        if alert["id"] in self.marked:
            self.marked.discard(alert["id"])
            self._marked_rows.pop(alert["id"], None)
        else:
            self.marked.add(alert["id"])
            self._marked_rows[alert["id"]] = alert
        self.move_to(self.cursor + 1)
        self.refresh()

    def action_sort(self) -> None:
        self.sort = SORT_KEYS[(SORT_KEYS.index(self.sort) + 1) % len(SORT_KEYS)]
        self.descending = self.sort in DESCENDING_FIRST
        self.post_message(SortChanged(self.sort, self.descending))

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.post_message(SortChanged(self.sort, self.descending))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            col = self._column_at(event.x)
            if col is not None and col in SORT_KEYS:  # the case and clock columns are not sort orders
                self.descending = not self.descending if col == self.sort else col in DESCENDING_FIRST
                self.sort = col
                self.post_message(SortChanged(self.sort, self.descending))
            return
        self.move_to(int(self.scroll_offset.y) + event.y - 1)

    def _post_current(self, force: bool = False) -> None:
        alert = self.current_alert
        marker = (alert["id"], alert["version"]) if alert else None
        if force or marker != self._last_posted:
            self._last_posted = marker
            self.post_message(AlertHighlighted(alert))

    # -- rendering -----------------------------------------------------------------------------------------
    def _header(self, key: str, lang: str) -> str:
        arrow = (" ▼" if self.descending else " ▲") if key == self.sort else ""
        return tr(self.labels[key], lang) + (self.time_suffix if key == "time" else "") + arrow

    def _widths(self) -> list[int]:
        """Column widths (-1: not drawn) from the widest content drawn so far and the terminal width
        (``column_widths.layout``): the optional columns (clock, then case) are drawn only while the others show
        whole beside ``RULE_ROOM`` for rule titles."""
        lang = getattr(self.app, "lang", "en")
        seen = self._seen.get(lang, {})
        marker = (self.size.width, lang, self.sort, self.descending, tuple(sorted(seen.items())))
        if self._layout is None or self._layout[0] != marker:
            wanted = {c.key: max(cell_len(self._header(c.key, lang)), seen.get(c.key, 0)) for c in COLUMNS}
            wanted["clock"] = max(wanted["clock"], CLOCK_WIDTH)
            self._layout = (marker, layout(COLUMNS, wanted, self.size.width, "rule", RULE_ROOM, OPTIONAL_COLUMNS))
        return self._layout[1]

    def _measure(self) -> None:
        """Widen the record of what the rows on screen hold (widths never shrink while scrolling)."""
        lang = getattr(self.app, "lang", "en")
        seen = self._seen.setdefault(lang, {})
        grew = False
        top = int(self.scroll_offset.y)
        for index in range(top, min(top + self.size.height, len(self.rows))):
            alert = self.rows.get(index)
            if alert is None:
                continue
            for key, width in content_widths(alert, lang).items():
                if width > seen.get(key, 0):
                    seen[key], grew = width, True
        if grew and self._layout is not None:
            self.call_later(self.refresh)  # lines drawn before with the narrower widths

    def render_lines(self, crop: Region) -> list[Strip]:
        self._measure()
        return super().render_lines(crop)

    def _column_at(self, x: int) -> str | None:
        pos = 2
        for col, width in zip(COLUMNS, self._widths(), strict=True):
            if width < 0:
                continue
            if pos <= x < pos + width + 1:
                return col.key
            pos += width + 1
        return None

    def cells(self, alert: dict[str, Any]) -> list[Text]:
        level = str(alert.get("rule_level") or "")
        priority = self.policy.priority(alert)
        lang = getattr(self.app, "lang", "en")
        clock = clock_text(self.policy, alert, datetime.now(UTC), lang)
        return [
            Text(label(priority), style=PRIORITY_STYLES.get(priority, "")),
            Text(local(alert.get("last_time") or alert.get("created"), self.zone)),
            safe_text(level_word(level, lang), LEVEL_STYLES.get(level, ""), limit=20),
            safe_text(rule_title(alert, lang), limit=200),
            safe_text(alert.get("source_ip") or "", limit=45),
            safe_text(alert.get("system") or "", limit=48),
            status_label(alert, lang),
            safe_text(alert.get("assignee") or "", limit=30),
            Text(clock, style="bold red" if clock.endswith("overdue") or clock.startswith("quá") else ""),
            Text(", ".join(f"#{c}" for c in alert.get("case_ids") or []), style="magenta"),
        ]

    def _line(self, marker: str, cells: list[Text], style: Style | None) -> Strip:
        line = Text(marker + " ", no_wrap=True)
        for cell, width in zip(cells, self._widths(), strict=True):
            if width < 0:
                continue
            cell = cell.copy()
            cell.truncate(width, overflow="ellipsis", pad=True)
            line.append_text(cell)
            line.append(" ")
        segments = list(line.render(self.app.console))
        strip = Strip(segments).crop_extend(0, self.size.width, None)
        return strip.apply_style(style) if style else strip

    def render_line(self, y: int) -> Strip:
        if y == 0:
            lang = getattr(self.app, "lang", "en")
            return self._line(" ", [Text(self._header(c.key, lang)) for c in COLUMNS], HEADER)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip([Segment(" " * self.size.width)])
        alert = self.rows.get(index)
        if alert is None:  # not read yet: read its page in a worker, draw it when there
            self._read_rows()
            return self._line(" ", [Text("…", style="dim") for _ in COLUMNS], None)
        marked = alert["id"] in self.marked
        style = CURSOR if index == self.cursor else (MARKED if marked else None)
        return self._line("●" if marked else " ", self.cells(alert), style)

    def _read_rows(self) -> None:
        if not self._reading:
            self._reading = True
            self.run_worker(self._read_on_screen, thread=True, group="rows", exclusive=True)

    def _read_on_screen(self) -> None:
        rows, top = self.rows, int(self.scroll_offset.y)
        try:
            rows.load(top, top + self.size.height)
        except Exception as exc:  # a locked database must not kill the UI
            message = tr("Cannot read alerts: {error}", getattr(self.app, "lang", "en")).format(error=clean(exc, limit=300))
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
        finally:
            self._reading = False
        self.app.call_from_thread(self.refresh)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
