"""Active suppressions (rule + field = value, reason, expiry, author); ``d`` removes the highlighted one
(audited). Values go through ``safe_text``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header

from soc.i18n import tr
from soc.triage.desk import AlertSource
from soc.triage.evidence import local
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean, safe_text


class SuppressionsScreen(Screen):
    BINDINGS = [Binding("d", "remove", "Remove suppression"), Binding("escape", "back", "Back")]

    def __init__(self, source: AlertSource, zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.zone = source, zone

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="suppressions", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def on_mount(self) -> None:
        lang = self.app.lang  # type: ignore[attr-defined]
        self.sub_title = tr("Suppressions", lang)
        self.query_one(DataTable).add_columns(
            "#", *(tr(c, lang) for c in ("Rule", "Field", "Value", "Reason", "Author", "Expires")))
        self.load()

    @work(thread=True, exclusive=True, group="sup")
    def load(self) -> None:
        rows = self.source.suppressions()
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        lang = self.app.lang  # type: ignore[attr-defined]
        for s in rows:
            table.add_row(str(s["id"]), safe_text(s["rule_id"], limit=40), safe_text(s["field"]),
                          safe_text(s["value"], limit=60), safe_text(s["reason"], limit=60),
                          safe_text(s["author"], limit=30), Text(local(s["expires"], self.zone) or tr("never", lang)),
                          key=str(s["id"]))

    def action_remove(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self._remove(int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    @work(thread=True, group="edit")
    def _remove(self, sid: int) -> None:
        try:
            self.source.unsuppress(sid)
        except KeyError as exc:
            self.app.call_from_thread(self.notify, clean(exc), severity="warning", markup=False)
        self.app.call_from_thread(self.load)

    def action_back(self) -> None:
        self.dismiss(None)
