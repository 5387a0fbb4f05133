"""The Textual application behind ``soc tui``: the alert queue, alert/case/suppression/search/dashboard screens,
help, command palette entries for every key, Vietnamese/English labels.

Owns the analyst's desk (``soc.triage.desk.AlertSource``) for the session; never touches the store on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from soc.config import DEFAULT_TIMEZONE, Config
from soc.i18n import tr
from soc.triage.desk import AlertSource
from soc.tui.screens.cases import CasesScreen
from soc.tui.screens.dashboard import DashboardScreen
from soc.tui.screens.help import HelpScreen
from soc.tui.screens.indicators import IndicatorsScreen
from soc.tui.screens.queue import QueueScreen
from soc.tui.screens.search import SearchScreen
from soc.tui.screens.suppressions import SuppressionsScreen
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean

DEFAULT_REFRESH_SECONDS = 5.0


def _stock_widget(node: DOMNode) -> bool:
    return not isinstance(node, App | Screen) and type(node).__module__.startswith("textual.")


class SocApp(App[None]):
    """Alert triage for the provincial SOC."""

    CSS_PATH = "app.tcss"
    TITLE = "SOC"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("C", "cases", "Cases"),
        Binding("X", "suppressions", "Suppressions", show=False),
        Binding("S", "search", "Search events", show=False),
        Binding("D", "dashboard", "Dashboard", show=False),
        Binding("I", "indicators", "Indicators", show=False),
        Binding("ctrl+t", "language", "Language", show=False),
    ]

    def __init__(self, cfg: Config, refresh_seconds: float | None = None,
                 report_writer: Callable[[int], Mapping[str, Path]] | None = None):
        """``report_writer``: writes a case's incident report, returns format → file written (and may carry
        ``.failed``: format → why); given by the command that starts the app (the TUI does not import reports)."""
        super().__init__()
        self.cfg = cfg
        self.report_writer = report_writer
        self.zone = cfg.timezone
        self.lang = str(cfg.raw.get("tui", {}).get("language", "en"))
        self._bad_zone = False
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone, self._bad_zone = DEFAULT_TIMEZONE, True
        if refresh_seconds is None:
            refresh_seconds = float(cfg.raw.get("tui", {}).get("refresh_seconds", DEFAULT_REFRESH_SECONDS))
        self.refresh_seconds = refresh_seconds
        self.source = AlertSource(cfg)
        self.title = f"SOC — {clean(cfg.province, limit=80)}"

    def get_default_screen(self) -> QueueScreen:
        return QueueScreen(self.source, self.zone, self.refresh_seconds)

    def on_mount(self) -> None:
        if self._bad_zone:
            self.notify(
                tr("Unknown timezone {zone} in the config; showing times in {default}.", self.lang).format(
                    zone=repr(self.cfg.timezone), default=DEFAULT_TIMEZONE),
                severity="warning",
                markup=False,
            )

    def on_unmount(self) -> None:
        self.source.close()

    def key_list(self) -> list[tuple[str, str, str, DOMNode]]:
        """(keys, description, action, node holding it) for every binding active on the current screen."""
        keys: dict[tuple[str, str], list[str]] = {}
        nodes: dict[tuple[str, str], DOMNode] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if _stock_widget(active.node):  # a focused box's own editing keys, Textual's words, not the desk's
                continue
            if binding.description:
                slot = keys.setdefault((binding.action, binding.description), [])
                nodes.setdefault((binding.action, binding.description), active.node)
                display = self.get_key_display(binding)
                if display not in slot:
                    slot.append(display)
        return [(" / ".join(k), tr(d, self.lang), a, nodes[(a, d)]) for (a, d), k in keys.items()]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen = {"quit", "help", "command_palette"}
        for keys, description, action, node in self.key_list():
            if action not in seen:
                seen.add(action)
                yield SystemCommand(description, f"key {keys}", partial(self.run_action, action, node))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen([(k, d) for k, d, _, _ in self.key_list()], title=tr("Keys", self.lang)))

    def action_cases(self) -> None:
        if not isinstance(self.screen, CasesScreen):
            self.push_screen(CasesScreen(self.source, self.zone))

    def action_suppressions(self) -> None:
        if not isinstance(self.screen, SuppressionsScreen):
            self.push_screen(SuppressionsScreen(self.source, self.zone))

    def action_search(self) -> None:
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen(self.source, self.zone))

    def action_dashboard(self) -> None:
        if not isinstance(self.screen, DashboardScreen):
            self.push_screen(DashboardScreen(self.source, self.zone, self.refresh_seconds))

    def action_indicators(self) -> None:
        if not isinstance(self.screen, IndicatorsScreen):
            self.push_screen(IndicatorsScreen(self.source, self.zone))

    def action_language(self) -> None:
        self.lang = "vi" if self.lang == "en" else "en"
        self.notify("Tiếng Việt" if self.lang == "vi" else "English")
        screen = self.screen
        relabel = getattr(screen, "relabel", None)
        if callable(relabel):
            relabel()
        for footer in screen.query(QuietFooter):
            footer.call_later(footer.relabel)
        screen.refresh(layout=True)
