"""Cases: the list of incidents and one case's detail (alerts, timeline of alerts, notes and changes, status).

Reads and writes in worker threads; every shown value goes through ``safe_text``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from soc.i18n import level_word, tr
from soc.i18n import status_word as i18n_status
from soc.triage.desk import AlertSource
from soc.triage.evidence import local
from soc.triage.history import timeline_sentence, when
from soc.triage.model import CASE_STATUSES, ConflictError
from soc.tui.screens.forms import NoteModal
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean, safe_text


class CasesScreen(Screen):
    """All cases, newest first; Enter opens one."""

    BINDINGS = [Binding("enter", "open", "Open case"), Binding("escape", "back", "Back"),
                Binding("R", "reload", "Refresh")]

    def __init__(self, source: AlertSource, zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.zone = source, zone

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def on_mount(self) -> None:
        lang = self.app.lang  # type: ignore[attr-defined]
        self.sub_title = tr("Cases", lang)
        self.query_one(DataTable).add_columns(
            "#", *(tr(c, lang) for c in ("Title", "Severity", "Status", "Alerts", "Systems", "Updated")))
        self.action_reload()

    @work(thread=True, exclusive=True, group="cases")
    def action_reload(self) -> None:
        rows = self.source.cases()
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        lang = self.app.lang  # type: ignore[attr-defined]
        for c in rows:
            table.add_row(str(c["id"]), safe_text(c["title"], limit=60), safe_text(level_word(c["severity"], lang)),
                          safe_text(i18n_status(c["status"], lang)), str(c["alert_count"]),
                          safe_text(", ".join(c["systems"]), limit=40), Text(local(c["updated"], self.zone)),
                          key=str(c["id"]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.app.push_screen(CaseScreen(self.source, int(key), self.zone), lambda _: self.action_reload())

    def action_back(self) -> None:
        self.dismiss(None)


class CaseScreen(Screen):
    """One case: header, timeline as sentences; ``s`` next status, ``m`` note, ``d`` remove the highlighted alert,
    ``w`` write the incident report (through the app's ``report_writer``)."""

    BINDINGS = [
        Binding("s", "next_status", "Next status"),
        Binding("m", "note", "Note"),
        Binding("d", "remove_alert", "Remove alert from case"),
        Binding("w", "write_report", "Write incident report"),
        Binding("ctrl+t", "language", "Language", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, source: AlertSource, case_id: int, zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.source, self.case_id, self.zone = source, case_id, zone
        self.case: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="case-head", markup=False)
        yield DataTable(id="case-timeline", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def on_mount(self) -> None:
        self.load()

    def action_language(self) -> None:
        """The app's language toggle, then the timeline again in the new language."""
        self.app.action_language()  # type: ignore[attr-defined]
        self.load()

    @work(thread=True, exclusive=True, group="case")
    def load(self) -> None:
        case = self.source.case(self.case_id)
        timeline = self.source.case_timeline(self.case_id)
        self.app.call_from_thread(self._show, case, timeline)

    def _show(self, case: dict[str, Any] | None, timeline: list[dict[str, Any]]) -> None:
        self.case = case
        if case is None:
            self.query_one("#case-head", Static).update(tr("This case no longer exists.", self.app.lang))  # type: ignore[attr-defined]
            return
        lang = self.app.lang  # type: ignore[attr-defined]
        self.sub_title = f"{tr('Case', lang)} {case['id']}"
        head = safe_text(case["title"], "bold", limit=200)
        head.append("\n" + tr("Severity {level} · Status {status} · {n} alerts · by {author}", lang).format(
            level=level_word(case["severity"], lang).lower(), status=i18n_status(case["status"], lang).lower(),
            n=len(case["alert_ids"]), author=clean(case["author"], limit=40)))
        head.append(f"\n{tr('Systems', lang)}: ")
        head.append_text(safe_text(", ".join(case["systems"]) or "—", limit=200))
        self.query_one("#case-head", Static).update(head)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(f"{tr('Time', lang)} ({self.zone})", tr("What happened", lang))
        for i, item in enumerate(timeline):
            key = f"alert:{item['ref']}" if item["kind"] == "alert" else f"{item['kind']}:{i}"
            table.add_row(Text(when(item["at"], self.zone)),
                          safe_text(timeline_sentence(item, self.app.lang), limit=300), key=key)  # type: ignore[attr-defined]

    def action_next_status(self) -> None:
        if self.case:
            status = CASE_STATUSES[(CASE_STATUSES.index(self.case["status"]) + 1) % len(CASE_STATUSES)]
            self._update(self.case, status)

    @work(thread=True, group="edit")
    def _update(self, case: dict[str, Any], status: str) -> None:
        try:
            self.source.update_case(case, status=status)
        except ConflictError as exc:
            lang = self.app.lang  # type: ignore[attr-defined]
            message = tr("Changed by someone else; now {status}. Reloaded, nothing overwritten.", lang).format(
                status=i18n_status(exc.current["status"], lang))
            self.app.call_from_thread(self.notify, message, severity="warning", markup=False)
        self.app.call_from_thread(self.load)

    def action_note(self) -> None:
        def done(body: str | None) -> None:
            if body and body.strip():
                self._note(body)

        self.app.push_screen(NoteModal(tr("Note on case {id}", self.app.lang).format(id=self.case_id)), done)  # type: ignore[attr-defined]

    @work(thread=True, group="edit")
    def _note(self, body: str) -> None:
        self.source.add_note("case", str(self.case_id), body)
        self.app.call_from_thread(self.load)

    def action_remove_alert(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        if not key.startswith("alert:"):
            self.notify(tr("Highlight an alert row to remove it.", self.app.lang), severity="warning")  # type: ignore[attr-defined]
            return
        self._remove(key.split(":", 1)[1])

    @work(thread=True, group="edit")
    def _remove(self, alert_id: str) -> None:
        self.source.remove_from_case(self.case_id, [alert_id])
        self.app.call_from_thread(self.load)

    def action_write_report(self) -> None:
        lang = self.app.lang  # type: ignore[attr-defined]
        if getattr(self.app, "report_writer", None) is None:
            self.notify(tr("This desk cannot write reports (started without a report writer).", lang),
                        severity="warning", markup=False)
            return
        self.notify(tr("Writing the incident report…", lang), markup=False)
        self._write_report(lang)

    @work(thread=True, group="report")
    def _write_report(self, lang: str) -> None:
        try:
            written = self.app.report_writer(self.case_id)  # type: ignore[attr-defined]
        except Exception as exc:  # a missing font, a full disk: tell the analyst, keep the UI
            message = tr("Incident report not written: {error}", lang).format(error=clean(exc, limit=300))
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        paths = ", ".join(clean(str(p), limit=200) for p in written.values())
        self.app.call_from_thread(self.notify, tr("Incident report written: {paths}", lang).format(paths=paths),
                                  markup=False, timeout=15)
        for fmt, why in (getattr(written, "failed", None) or {}).items():
            message = tr("Incident report not written: {error}", lang).format(error=f"{fmt}: {clean(why, limit=200)}")
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
        self.app.call_from_thread(self.load)

    def action_back(self) -> None:
        self.dismiss(None)
