"""Indicators of compromise kept from warnings: kind, value, warning, source, TLP, expiry; ``w`` steps the warning
filter. Every value goes through ``safe_text`` (a warning's file is hostile text like a log).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header

from soc.i18n import tr
from soc.intel.model import Indicator
from soc.triage.desk import AlertSource
from soc.triage.evidence import local
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import safe_text

COLUMNS = ("Kind", "Indicator", "Warning", "Source", "TLP", "Valid until")


class IndicatorsScreen(Screen):
    BINDINGS = [Binding("w", "next_warning", "Next warning"), Binding("escape", "back", "Back")]

    def __init__(self, source: AlertSource, zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.zone = source, zone
        self.warning: str | None = None
        self.rows: list[Indicator] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="indicators", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def on_mount(self) -> None:
        lang = self.app.lang  # type: ignore[attr-defined]
        self.query_one(DataTable).add_columns(*(tr(c, lang) for c in COLUMNS))
        self.load()

    @work(thread=True, exclusive=True, group="ioc")
    def load(self) -> None:
        rows = self.source.indicators()
        self.app.call_from_thread(self._show, rows)

    def warnings(self) -> list[str]:
        return sorted({i.warning for i in self.rows})

    def _show(self, rows: list[Indicator]) -> None:
        self.rows = rows
        lang = self.app.lang  # type: ignore[attr-defined]
        shown = [i for i in rows if self.warning is None or i.warning == self.warning]
        self.sub_title = f"{tr('Indicators', lang)} — {tr('Warning', lang)}: " + (
            safe_text(self.warning, limit=40).plain if self.warning is not None else tr("All", lang))
        table = self.query_one(DataTable)
        table.clear()
        now = datetime.now(UTC)
        for n, ind in enumerate(shown):
            until = local(ind.valid_until, self.zone) if ind.valid_until else tr("never", lang)
            expiry = Text(until, style="" if ind.active(now) else "dim strike")
            if not ind.active(now):
                expiry.append(f" ({tr('expired', lang)})", style="red")
            table.add_row(tr(ind.kind, lang), safe_text(ind.value, limit=70), safe_text(ind.warning, limit=30),
                          safe_text(ind.source, limit=30), safe_text(ind.tlp.upper(), limit=12), expiry, key=str(n))

    def action_next_warning(self) -> None:
        """All → each warning in turn → All."""
        names = self.warnings()
        if not names:
            return
        if self.warning is None:
            self.warning = names[0]
        else:
            at = names.index(self.warning) if self.warning in names else -1
            self.warning = names[at + 1] if at + 1 < len(names) else None
        self._show(self.rows)

    def action_back(self) -> None:
        self.dismiss(None)
