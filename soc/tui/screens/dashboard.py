"""Dashboard: alerts per hour over the last 24 h (sparkline), alerts by level and by e-gov system, open cases,
and the oldest alert nobody has acknowledged yet.

Reads the figures (``soc.triage.dashboard``) in a worker (read-only); every stored text is ``safe_text``; never markup.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Sparkline, Static

from soc.i18n import level_word, tr
from soc.triage.dashboard import HOURS, Dashboard, age_text
from soc.triage.desk import AlertSource
from soc.triage.evidence import local
from soc.tui.widgets.alert_grid import rule_title
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean, safe_text


class DashboardScreen(Screen):
    """The shift at a glance; refreshes itself with the queue's interval."""

    BINDINGS = [
        Binding("R,ctrl+r", "reload", "Refresh", key_display="R"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, source: AlertSource, zone: str, refresh_seconds: float = 0.0,
                 now: datetime | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.zone, self.refresh_seconds = source, zone, refresh_seconds
        self.fixed_now = now  # tests pin the clock
        self.data: Dashboard | None = None

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "en")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="dash-spark-title", markup=False)
        yield Sparkline([0] * HOURS, id="dash-spark", summary_function=max)
        yield Static("", id="dash-axis", markup=False)
        with Horizontal(id="dash-tables"):
            yield DataTable(id="dash-levels", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="dash-systems", cursor_type="row", zebra_stripes=True)
        yield Static("", id="dash-summary", markup=False)
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#dash-levels", DataTable).add_columns(*(tr(c, self.lang) for c in ("Level", "All", "Open")))
        self.query_one("#dash-systems", DataTable).add_columns(
            *(tr(c, self.lang) for c in ("System", "All", "Open")))
        self.reload()
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self.reload)

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="dashboard")
    def _load(self) -> None:
        try:
            data = self.source.dashboard(self.fixed_now)
        except Exception as exc:  # a locked or damaged database must not kill the UI
            message = f"{tr('Cannot read alerts', self.lang)}: {clean(exc, limit=300)}"
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, data)

    def _show(self, data: Dashboard) -> None:
        self.data = data
        lang = self.lang
        total24 = sum(data.per_hour)
        self.query_one("#dash-spark-title", Static).update(Text.assemble(
            (tr("Alerts per hour, last 24 h", lang), "bold"), f"   {total24}   ",
            (tr("max {n}/h", lang).format(n=max(data.per_hour, default=0)), "dim")))
        self.query_one("#dash-spark", Sparkline).data = list(data.per_hour)
        start = data.now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
        self.query_one("#dash-axis", Static).update(Text(
            f"{local(start, self.zone, '%d/%m %H:00')}  →  {local(data.now, self.zone, '%d/%m %H:%M')}", style="dim"))
        levels = self.query_one("#dash-levels", DataTable)
        levels.clear()
        for level, n, opened in data.by_level:
            levels.add_row(safe_text(level_word(level, lang), limit=20), Text(str(n), justify="right"),
                           Text(str(opened), justify="right"))
        systems = self.query_one("#dash-systems", DataTable)
        systems.clear()
        for system, n, opened in data.by_system:
            systems.add_row(safe_text(system, limit=60), Text(str(n), justify="right"),
                            Text(str(opened), justify="right"))
        summary = Text.assemble((tr("Open cases", lang) + ": ", "bold"), str(data.open_cases), "   ",
                                (tr("Alerts", lang) + ": ", "bold"), str(data.total), "\n")
        summary.append(tr("Oldest unacknowledged alert", lang) + ": ", style="bold")
        oldest = data.oldest_new
        if oldest is None:
            summary.append(tr("none", lang), style="green")
        else:
            summary.append(age_text(oldest["age"], lang), style="bold yellow")
            summary.append(f"  ({local(oldest['created'], self.zone, '%d/%m %H:%M')})  ", style="dim")
            summary.append_text(safe_text(level_word(oldest["rule_level"], lang), limit=20))
            summary.append("  ")
            summary.append_text(safe_text(rule_title(oldest, lang), limit=100))
            summary.append("  ")
            summary.append_text(safe_text(oldest["id"], "dim", limit=40))
        self.query_one("#dash-summary", Static).update(summary)
        self.sub_title = tr("Dashboard", lang)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
