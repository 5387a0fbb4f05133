"""Help screen generated from the key bindings active on the screen below it.

Lists keys only; never runs actions.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from soc.i18n import tr


class HelpScreen(ModalScreen[None]):
    """A modal list of ``key — what it does``; Escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, keys: list[tuple[str, str]], title: str = "Keys", **kwargs):
        super().__init__(**kwargs)
        self.keys = keys
        self.heading = title

    def compose(self) -> ComposeResult:
        text = Text(f"{self.heading}\n\n", style="bold")
        for key, description in self.keys:
            text.append(f"{key:>14}  ", style="bold cyan")
            text.append(f"{description}\n")
        text.append("\n" + tr("Escape closes this help.", getattr(self.app, "lang", "en")), style="dim")
        with VerticalScroll(id="help-body"):
            yield Static(text, markup=False)
