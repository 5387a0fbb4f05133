"""Small modal forms: a Markdown note editor, a one-line prompt and the suppression form.

Return what the analyst typed (or None when cancelled); never write to the database themselves.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, TextArea

from soc.triage.suppressions import FIELDS


class NoteModal(ModalScreen[str | None]):
    """A Markdown note: Ctrl+S saves, Escape cancels."""

    BINDINGS = [Binding("ctrl+s", "save", "Save note"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(self.heading, markup=False)
            yield TextArea(language="markdown", id="note-text")
            yield Label("Markdown · Ctrl+S save · Escape cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptModal(ModalScreen[str | None]):
    """One line of text: Enter accepts, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.heading, self.value = title, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(self.heading, markup=False)
            yield Input(value=self.value, id="prompt-input")
            yield Label("Enter accept · Escape cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SuppressModal(ModalScreen[dict[str, Any] | None]):
    """Rule + field = value, reason, expiry in days (empty: never). Enter in the last box saves."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save suppression")]

    def __init__(self, alert: dict[str, Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.alert = alert

    def compose(self) -> ComposeResult:
        options = [(f, f) for f, col in FIELDS.items() if self.alert.get(col)]
        with Vertical(classes="form"):
            yield Label(f"Suppress rule {self.alert.get('rule_id')}", markup=False)
            yield Select(options, value=options[0][1] if options else Select.BLANK, id="sup-field")
            yield Input(placeholder="value", id="sup-value")
            yield Input(placeholder="reason (required)", id="sup-reason")
            yield Input(value="30", placeholder="expires after days (empty: never)", id="sup-days")
            yield Label("Ctrl+S save · Escape cancel", classes="hint")

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#sup-reason", Input).focus()

    def _fill(self) -> None:
        field = self.query_one("#sup-field", Select).value
        if isinstance(field, str):
            self.query_one("#sup-value", Input).value = str(self.alert.get(FIELDS[field]) or "")

    def on_select_changed(self, _: Select.Changed) -> None:
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "sup-days":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        field = self.query_one("#sup-field", Select).value
        days = self.query_one("#sup-days", Input).value.strip()
        try:
            ndays = float(days) if days else None
        except ValueError:
            self.notify("Expiry must be a number of days.", severity="error")
            return
        self.dismiss(
            {
                "rule_id": self.alert.get("rule_id"),
                "field": field if isinstance(field, str) else "",
                "value": self.query_one("#sup-value", Input).value,
                "reason": self.query_one("#sup-reason", Input).value,
                "days": ndays,
            }
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
