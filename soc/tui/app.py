"""The Textual application behind ``soc tui``: the alert queue and its help screen.

Owns the state-database connection for the session; never touches the database on the UI thread.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from textual.app import App
from textual.binding import Binding

from soc.config import DEFAULT_TIMEZONE, Config
from soc.tui.data import AlertSource
from soc.tui.safe_text import clean
from soc.tui.screens.help import HelpScreen
from soc.tui.screens.queue import QueueScreen

DEFAULT_REFRESH_SECONDS = 5.0


class SocApp(App[None]):
    """Alert triage for the provincial SOC."""

    CSS_PATH = "app.tcss"
    TITLE = "SOC"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(self, cfg: Config, refresh_seconds: float | None = None):
        super().__init__()
        self.cfg = cfg
        self.zone = cfg.timezone
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
                f"Unknown timezone {self.cfg.timezone!r} in the config; showing times in {DEFAULT_TIMEZONE}.",
                severity="warning",
                markup=False,
            )

    def on_unmount(self) -> None:
        self.source.close()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        keys: dict[tuple[str, str], list[str]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.description:
                keys.setdefault((binding.action, binding.description), [])
                display = self.get_key_display(binding)
                if display not in keys[(binding.action, binding.description)]:
                    keys[(binding.action, binding.description)].append(display)
        self.push_screen(HelpScreen([(" / ".join(k), desc) for (_, desc), k in keys.items()]))
