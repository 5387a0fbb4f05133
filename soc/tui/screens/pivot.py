"""Pivot: from a value of an alert (source IP, user, host, system) to the events holding it ±N minutes and to
other alerts sharing it.

Queries bind the value as a parameter; rows are ``safe_text``; personal data in raw lines stays masked.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from soc.enrich.masking import mask_text
from soc.i18n import level_word, status_word, tr
from soc.triage.desk import AlertSource
from soc.triage.evidence import PIVOT_FIELDS, alert_time, local
from soc.tui.widgets.alert_grid import rule_title
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean, safe_text

WINDOWS = (5, 15, 60, 360, 1440)  # minutes either side


class PivotScreen(Screen):
    """Events and alerts sharing one value of the alert; ``tab`` next field, ``+`` / ``-`` window."""

    BINDINGS = [
        Binding("tab", "next_field", "Next field"),
        Binding("plus,equals_sign", "window(1)", "Wider window", key_display="+"),
        Binding("minus", "window(-1)", "Narrower window", key_display="-"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, source: AlertSource, alert: dict[str, Any], zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.alert, self.zone = source, alert, zone
        self.fields = [c for c in PIVOT_FIELDS if alert.get(c)]
        self.field = self.fields[0] if self.fields else None
        self.window = 1  # index into WINDOWS

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "en")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="pivot-head", markup=False)
        yield DataTable(id="pivot-events", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="pivot-alerts", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def on_mount(self) -> None:
        self._columns()
        self.run_pivot()

    def _columns(self) -> None:
        ev = self.query_one("#pivot-events", DataTable)
        ev.clear(columns=True)
        ev.add_columns(*(tr(c, self.lang) for c in ("Time", "Dataset", "Event")))
        al = self.query_one("#pivot-alerts", DataTable)
        al.clear(columns=True)
        al.add_columns(*(tr(c, self.lang) for c in ("Last seen", "Level", "Rule", "Status")))

    def relabel(self) -> None:
        """Headers, head line and rows again in the app's language (after Ctrl+T)."""
        self._columns()
        self.run_pivot()

    def run_pivot(self) -> None:
        if self.field is None:
            self.query_one("#pivot-head", Static).update(tr("This alert has no value to pivot on.", self.lang))
            return
        value = str(self.alert[self.field])
        head = Text.assemble((tr("Pivot on", self.lang) + " ", "dim"), (clean(self.field), "bold"), " = ")
        head.append_text(safe_text(value, "bold yellow", limit=200))
        head.append("  " + tr("±{n} min   [tab] field  [+/-] window", self.lang).format(n=WINDOWS[self.window]),
                    style="dim")
        self.query_one("#pivot-head", Static).update(head)
        self._query(self.field, value, WINDOWS[self.window])

    @work(thread=True, exclusive=True, group="pivot")
    def _query(self, column: str, value: str, minutes: int) -> None:
        try:
            events = self.source.pivot_events(column, value, alert_time(self.alert), minutes)
            alerts = self.source.alerts_sharing(column, value, exclude=self.alert["id"])
        except Exception as exc:  # a damaged store must not kill the UI
            message = tr("Pivot failed: {error}", self.lang).format(error=clean(exc, limit=300))
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        # after the next refresh: rows added before the tables have been laid out were drawn in header-wide
        # columns on a loaded machine (the widths measured on idle came too late)
        self.app.call_from_thread(self.call_after_refresh, self._show, events, alerts)

    def _show(self, events, alerts) -> None:
        ev = self.query_one("#pivot-events", DataTable)
        ev.clear()
        for e in events:
            ev.add_row(Text(local(e.timestamp, self.zone)), safe_text(e.dataset or "", limit=30),
                       safe_text(mask_text(e.original, "screen") or "", limit=300))
        al = self.query_one("#pivot-alerts", DataTable)
        al.clear()
        lang = self.lang
        for a in alerts:
            al.add_row(Text(local(a.get("last_time") or a.get("created"), self.zone)),
                       safe_text(level_word(a["rule_level"], lang)), safe_text(rule_title(a, lang), limit=80),
                       safe_text(status_word(a["status"], lang)))
        self.sub_title = tr("{n} events · {m} other alerts", lang).format(n=len(events), m=len(alerts))

    def action_next_field(self) -> None:
        if self.fields:
            self.field = self.fields[(self.fields.index(self.field) + 1) % len(self.fields)]
            self.run_pivot()

    def action_window(self, step: int) -> None:
        self.window = min(max(self.window + step, 0), len(WINDOWS) - 1)
        self.run_pivot()

    def action_back(self) -> None:
        self.dismiss(None)
