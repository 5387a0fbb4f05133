"""Small modal forms: a Markdown note editor, a one-line prompt, the suppression form and the status picker.

Return what the analyst typed (or None when cancelled); never write to the database themselves.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, TextArea
from textual.widgets.option_list import Option

from soc.i18n import tr
from soc.triage.history import status_word
from soc.triage.model import STATUS_FILTERS
from soc.triage.suppressions import FIELDS
from soc.tui.widgets.safe_text import clean


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
            yield Label(tr("Markdown · Ctrl+S save · Escape cancel", getattr(self.app, "lang", "en")), classes="hint",
                        markup=False)

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
            yield Label(tr("Enter accept · Escape cancel", getattr(self.app, "lang", "en")), classes="hint",
                        markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SuppressModal(ModalScreen[dict[str, Any] | None]):
    """Rule (its title) + field = value, reason, expiry in days (empty: never), every box labelled. Ctrl+S or
    Enter in the last box saves; what is missing is said under the form and the form stays open as typed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save suppression")]

    def __init__(self, alert: dict[str, Any], lang: str = "en", **kwargs: Any):
        super().__init__(**kwargs)
        self.alert, self.lang = alert, lang

    def _t(self, text: str) -> str:
        return tr(text, self.lang)

    def compose(self) -> ComposeResult:
        options = [(f, f) for f, col in FIELDS.items() if self.alert.get(col)]
        title = (self.alert.get("rule_title_vi") if self.lang == "vi" else None) or self.alert.get("rule_title")
        with Vertical(classes="form"):
            yield Label(f"{self._t('Suppress rule')}: {clean(title, limit=120)}", id="sup-title", markup=False)
            yield Label(f"({clean(self.alert.get('rule_id'), limit=80)})", classes="hint", markup=False)
            yield Label(self._t("Field"), markup=False)
            yield Select(options, value=options[0][1] if options else Select.BLANK, id="sup-field")
            yield Label(self._t("Value"), markup=False)
            yield Input(id="sup-value")
            yield Label(self._t("Reason (required)"), markup=False)
            yield Input(id="sup-reason")
            yield Label(self._t("Expires after days (empty: never)"), markup=False)
            yield Input(value="30", id="sup-days")
            yield Label("", id="sup-error", classes="error", markup=False)
            yield Label(self._t("Ctrl+S save · Escape cancel"), classes="hint", markup=False)

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

    def _refuse(self, message: str, box: str) -> None:
        """Keep the form open as typed, say what is missing, put the cursor there."""
        text = self._t(message)
        self.query_one("#sup-error", Label).update(text)
        self.notify(text, severity="error", markup=False)
        self.query_one(box).focus()

    def action_save(self) -> None:
        field = self.query_one("#sup-field", Select).value
        value = self.query_one("#sup-value", Input).value
        reason = self.query_one("#sup-reason", Input).value
        days = self.query_one("#sup-days", Input).value.strip()
        if not isinstance(field, str) or field not in FIELDS:
            return self._refuse("Not saved: choose a field.", "#sup-field")
        if not value.strip():
            return self._refuse("Not saved: the value is missing.", "#sup-value")
        if not reason.strip():
            return self._refuse("Not saved: the reason is missing. Say why these alerts are expected.", "#sup-reason")
        try:
            ndays = float(days) if days else None
        except ValueError:
            ndays = -1.0
        if ndays is not None and not 0 < ndays < 36_500:
            return self._refuse("Not saved: expiry must be a number of days, e.g. 30 (empty: never).", "#sup-days")
        self.dismiss({"rule_id": self.alert.get("rule_id"), "field": field, "value": value, "reason": reason,
                      "days": ndays})

    def action_cancel(self) -> None:
        self.dismiss(None)


class StatusPicker(ModalScreen[str | None]):
    """The status filters in a list, in the analyst's language; Enter picks one, Escape keeps the current one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = "StatusPicker OptionList { height: auto; max-height: 12; }"

    def __init__(self, current: str, lang: str = "en", **kwargs: Any):
        super().__init__(**kwargs)
        self.current, self.lang = current, lang

    def compose(self) -> ComposeResult:
        options = [Option(status_filter_label(s, self.lang), id=s) for s in STATUS_FILTERS]
        with Vertical(classes="form"):
            yield Label(tr("Show alerts with status", self.lang), markup=False)
            yield OptionList(*options, id="status-options")
            yield Label(tr("Enter accept · Escape cancel", self.lang), classes="hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in STATUS_FILTERS:
            options.highlighted = STATUS_FILTERS.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def status_filter_label(status: str, lang: str) -> str:
    """``open`` spelled out (the statuses it covers), others as the analyst's word for them."""
    if status == "open":
        return tr("Open (new, acknowledged, in progress, escalated)", lang)
    return status_word(status, lang)
