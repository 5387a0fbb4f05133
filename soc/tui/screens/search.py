"""Search: events in the store matching ``field:value AND NOT field:"x" field:pre* words from:24h``, newest first,
at most ``SEARCH_LIMIT`` rows, with a pivot from the highlighted event.

The query runs in a worker; values are bound parameters (see ``soc.tui.query``). Every cell from a log is
``safe_text`` with personal data masked; never markup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import get_current_worker

from soc.enrich.masking import mask_text
from soc.i18n import tr
from soc.searchlang import QueryError
from soc.triage.desk import AlertSource
from soc.triage.evidence import SEARCH_LIMIT, SearchResult, local, search_events
from soc.tui.screens.pivot import PivotScreen
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean, safe_text

COLUMNS = ("Time", "Dataset", "Source IP", "User", "URL / message", "Event")
PLACEHOLDER = 'source.ip:10.0.0.1 AND NOT user.name:"a b" url:/admin* words from:24h to:2026-11-24T10:00 '



class SearchScreen(Screen):
    """A search box over a results table; ``/`` edits the query, ``p`` pivots on the highlighted event."""

    BINDINGS = [
        Binding("slash", "edit_query", "Search…", key_display="/"),
        Binding("p", "pivot", "Pivot"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, source: AlertSource, zone: str, query: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.zone, self.initial = source, zone, query
        self.results: list[dict[str, Any]] = []
        self.searched: str | None = None  # the query whose results are shown

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "en")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(value=self.initial, placeholder=PLACEHOLDER + tr("(Enter search)", self.lang), id="search-input")
        yield Static("", id="search-status", markup=False)
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*(tr(c, self.lang) for c in COLUMNS))
        self.query_one(Input).focus()
        if self.initial:
            self.run_search(self.initial)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_search(event.value)

    def run_search(self, text: str) -> None:
        self.query_one("#search-status", Static).update(Text(tr("Searching…", self.lang), style="dim"))
        self._search(text)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, text: str) -> None:
        try:
            result = search_events(self.source.events, text, self.zone)
        except QueryError as exc:
            self.app.call_from_thread(self._failed, f"{tr('Query not run', self.lang)}: {clean(exc, limit=300)}")
            return
        except Exception as exc:  # a damaged store must not kill the UI
            self.app.call_from_thread(self._failed, f"{tr('Search failed', self.lang)}: {clean(exc, limit=300)}")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, text, result)

    def _failed(self, message: str) -> None:
        self.query_one("#search-status", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error", markup=False)

    def _show(self, text: str, result: SearchResult) -> None:
        self.results, self.searched = result.rows, text
        table = self.query_one(DataTable)
        table.clear()
        for row in result.rows:
            table.add_row(
                Text(local(row["@timestamp"], self.zone)),
                safe_text(row["event.dataset"] or "", limit=30),
                safe_text(row["source.ip"] or "", limit=45),
                safe_text(mask_text(row["user.name"], "screen") or "", limit=40),
                safe_text(mask_text(row["url.original"] or row["message"], "screen") or "", limit=60),
                safe_text(mask_text(row["event.original"], "screen") or "", limit=300),
            )
        n = len(result.rows)
        status = (tr("first {n} events (more match; narrow the query)", self.lang).format(n=SEARCH_LIMIT)
                  if result.limited else tr("{n} events", self.lang).format(n=n))
        self.query_one("#search-status", Static).update(Text(status, style="yellow" if result.limited else ""))
        self.sub_title = status
        if n:
            table.focus()

    @property
    def current(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.results or not 0 <= table.cursor_row < len(self.results):
            return None
        return self.results[table.cursor_row]

    def action_edit_query(self) -> None:
        self.query_one(Input).focus()

    def action_pivot(self) -> None:
        row = self.current
        if row is None:
            self.notify(tr("No event is highlighted.", self.lang), severity="warning")
            return
        at = row["@timestamp"]
        if isinstance(at, datetime):
            at = (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()
        pseudo = {"id": "", "source_ip": row["source.ip"], "user_name": row["user.name"], "host": None,
                  "system": None, "last_time": at}
        if not (pseudo["source_ip"] or pseudo["user_name"]):
            self.notify(tr("This event has no source IP or user to pivot on.", self.lang), severity="warning")
            return
        self.app.push_screen(PivotScreen(self.source, pseudo, self.zone))

    def on_key(self, event) -> None:
        box = self.query_one(Input)
        if event.key == "escape" and box.has_focus and self.results:
            event.stop()
            self.query_one(DataTable).focus()

    def action_back(self) -> None:
        self.dismiss(None)
