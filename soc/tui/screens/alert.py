"""Alert detail: fields, matched events as a tree of ECS fields with the raw line shown inert, notes (Markdown)
and the audit trail. Personal data is masked until the reveal key, which is audited.

Reads in worker threads; every log-derived value goes through ``safe_text``.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static, Tree

from soc.enrich.masking import mask_text
from soc.i18n import tr
from soc.triage.desk import AlertSource
from soc.triage.evidence import MatchedEvent, local
from soc.triage.history import audit_lines, zone_label
from soc.tui.screens.triage_actions import TRIAGE_BINDINGS, TriageActions
from soc.tui.widgets.alert_detail import ORIGINAL_LIMIT, alert_summary
from soc.tui.widgets.alert_grid import rule_title
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean, safe_text

VALUE_LIMIT = 300


def safe_markdown(body: str) -> Markdown:
    """A note as Markdown with control characters made visible (line breaks kept)."""
    return Markdown("\n".join(clean(line) for line in body.splitlines()))


def audit_text(trail: list[dict[str, Any]], zone: str, lang: str = "en") -> Text:
    """The audit trail as sentences, oldest first, times in ``zone`` (labelled)."""
    if not trail:
        return Text(tr("No change recorded yet.", lang), style="dim")
    out = Text(zone_label(zone, lang) + "\n", style="dim italic")
    for at, sentence in audit_lines(trail, zone, lang):
        out.append(at, style="cyan")
        out.append("  ")
        out.append_text(safe_text(sentence, limit=VALUE_LIMIT))
        out.append("\n")
    return out


class AlertScreen(TriageActions, Screen):
    """One alert in full; Escape goes back to the queue."""

    BINDINGS = [
        *TRIAGE_BINDINGS,
        Binding("v", "reveal", "Reveal personal data (audited)"),
        Binding("ctrl+t", "language", "Language", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, source: AlertSource, alert_id: str, zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.alert_id, self.zone = source, alert_id, zone
        self.alert: dict[str, Any] | None = None
        self.events: list[MatchedEvent] = []
        self.revealed = False
        self._saving: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="alert-page"):
            yield Static(tr("Loading…", self.app.lang), id="page-summary", markup=False)  # type: ignore[attr-defined]
            yield Static("", id="page-ioc", markup=False, classes="-ioc")  # shown for IOC alerts only
            yield Static(Text(tr("Matched events", self.app.lang), style="bold"), markup=False)  # type: ignore[attr-defined]
            yield Tree(tr("events", self.app.lang), id="page-events")  # type: ignore[attr-defined]
            yield Static(Text(tr("Notes", self.app.lang), style="bold"), markup=False)  # type: ignore[attr-defined]
            yield Static("", id="page-notes", markup=False)
            yield Static(Text(tr("Audit trail", self.app.lang), style="bold"), id="page-audit-title", markup=False)
            yield Static("", id="page-audit", markup=False)
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#page-ioc", Static).display = False
        self.load()

    @work(thread=True, exclusive=True, group="alert")
    def load(self) -> None:
        try:
            alert = self.source.alert(self.alert_id)
            events = self.source.matched_events(alert) if alert else []
            iocs = self.source.indicator_context(alert, events)
            notes = self.source.notes("alert", self.alert_id)
            trail = self.source.audit(self.alert_id)
        except Exception as exc:  # a damaged store must not kill the UI
            self._say(f"{tr('Cannot read the alert', self.app.lang)}: {clean(exc, limit=300)}", "error")  # type: ignore[attr-defined]
            return
        self.app.call_from_thread(self._show, alert, events, notes, trail, iocs)

    def _show(self, alert, events, notes, trail, iocs=()) -> None:
        self.alert, self.events = alert, events
        lang = self.app.lang  # type: ignore[attr-defined]
        self.sub_title = clean(rule_title(alert, lang), limit=80) if alert else tr("alert not found", lang)
        self.query_one("#page-summary", Static).update(alert_summary(alert, self.zone, self.app.lang))  # type: ignore[attr-defined]
        ioc = self.query_one("#page-ioc", Static)
        ioc.update(self._ioc_text(iocs))
        ioc.display = bool(iocs)
        self._fill_tree()
        if notes:
            parts = []
            for n in notes:
                head = Text.assemble((local(n["at"], self.zone), "cyan"), "  ", safe_text(n["author"], "bold"))
                parts += [head, safe_markdown(n["body"])]
            self.query_one("#page-notes", Static).update(Group(*parts))
        else:
            self.query_one("#page-notes", Static).update(Text(tr("No notes. Press m to write one.", self.app.lang), style="dim"))
        self.query_one("#page-audit", Static).update(audit_text(trail, self.zone, self.app.lang))

    def _ioc_text(self, iocs) -> Text:
        """The indicators the alert is about, with the warning that named each, its source, TLP and expiry."""
        lang = self.app.lang  # type: ignore[attr-defined]
        text = Text()
        for ind in iocs:
            text.append(f"{tr('Indicator of compromise', lang)}: ", style="bold red")
            text.append_text(safe_text(f"{tr(ind.kind, lang)} {ind.value}", limit=VALUE_LIMIT))
            text.append(f" — {tr('named by warning', lang)} ")
            text.append_text(safe_text(ind.warning or "-", "bold", limit=60))
            extra = [ind.source, f"TLP:{ind.tlp.upper()}" if ind.tlp else "",
                     f"{tr('Valid until', lang)} {local(ind.valid_until, self.zone)}" if ind.valid_until else ""]
            text.append_text(safe_text(" (" + ", ".join(e for e in extra if e) + ")" if any(extra) else "", limit=160))
            text.append("\n")
        return text

    def _fill_tree(self) -> None:
        tree = self.query_one("#page-events", Tree)
        tree.clear()
        tree.root.expand()
        for ev in self.events:
            original = ev.original if self.revealed else mask_text(ev.original, "screen")
            label = Text(local(ev.timestamp, self.zone) + " ", style="cyan")
            label.append_text(safe_text(original or tr("(no original line)", self.app.lang), limit=ORIGINAL_LIMIT))
            node = tree.root.add(label, expand=False)
            for name, value in sorted(ev.fields.items()):
                shown = str(value) if self.revealed else mask_text(str(value), "screen")
                leaf = Text.assemble((clean(name), "bold"), " = ")
                leaf.append_text(safe_text(shown, limit=VALUE_LIMIT))
                node.add_leaf(leaf)
        if not self.events:
            tree.root.add_leaf(Text(tr("No matched event is in the event store.", self.app.lang), style="dim"))

    # -- triage hooks --------------------------------------------------------------------------------------
    def target_alerts(self) -> list[dict[str, Any]]:
        return [self.alert] if self.alert else []

    def show_changed(self, alerts: list[dict[str, Any]]) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_language(self) -> None:
        """The app's language toggle, then the audit trail again in the new language."""
        self.app.action_language()  # type: ignore[attr-defined]
        self.query_one("#page-audit-title", Static).update(Text(tr("Audit trail", self.app.lang), style="bold"))
        self.load()

    def action_reveal(self) -> None:
        if self.revealed:
            self.revealed = False
            self._fill_tree()
            return
        self._reveal()

    @work(thread=True, group="edit")
    def _reveal(self) -> None:
        try:
            self.source.record("alert", self.alert_id, "reveal_pii", {"events": len(self.events)})
        except Exception as exc:
            self._say(tr("Not revealed (the audit trail could not be written): {error}",
                         self.app.lang).format(error=clean(exc, limit=200)), "error")  # type: ignore[attr-defined]
            return

        def show() -> None:
            self.revealed = True
            self._fill_tree()
            self.load()

        self.app.call_from_thread(show)
