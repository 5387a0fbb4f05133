"""Triage keys shared by the queue and the alert detail: status changes (one alert or all marked ones), assign,
note, suppress, pivot. Writes run in worker threads; a stale edit is reported, never applied.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.binding import Binding

from soc.i18n import resolution_word, status_word, tr
from soc.triage.desk import AlertSource
from soc.triage.model import ConflictError
from soc.tui.screens.forms import NoteModal, PromptModal, SuppressModal
from soc.tui.screens.pivot import PivotScreen
from soc.tui.widgets.alert_grid import rule_title
from soc.tui.widgets.safe_text import clean

TRIAGE_BINDINGS = [
    Binding("a", "set_status('acknowledged')", "Acknowledge"),
    Binding("i", "set_status('in_progress')", "In progress", show=False),
    Binding("e", "set_status('escalated')", "Escalate", show=False),
    Binding("r", "set_status('resolved', 'true_positive')", "Resolve"),
    Binding("f", "set_status('resolved', 'false_positive')", "False positive"),
    Binding("b", "set_status('resolved', 'benign')", "Benign", show=False),
    Binding("n", "set_status('new')", "Reopen", show=False),
    Binding("A", "assign_me", "Assign to me / unassign", show=False),
    Binding("ctrl+a", "assign_other", "Assign to…", show=False),
    Binding("m", "note", "Note", show=False),
    Binding("x", "suppress", "Suppress…", show=False),
    Binding("p", "pivot", "Pivot", show=False),
]


def status_text(alert: dict[str, Any], lang: str = "en") -> str:
    resolution = f" ({resolution_word(alert['resolution'], lang)})" if alert.get("resolution") else ""
    return status_word(alert["status"], lang) + resolution


class TriageActions:
    """Mixin for a Screen with ``source`` and ``target_alerts()``; calls ``show_changed(alerts)`` afterwards."""

    source: AlertSource
    _saving: set[str]

    def target_alerts(self) -> list[dict[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def show_changed(self, alerts: list[dict[str, Any]]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _targets(self) -> list[dict[str, Any]]:
        alerts = [a for a in self.target_alerts() if a["id"] not in self._saving]
        if not alerts:
            self.notify(tr("No alert is highlighted.", self.app.lang), severity="warning")  # type: ignore[attr-defined]
        return alerts

    def action_set_status(self, status: str, resolution: str | None = None) -> None:
        alerts = self._targets()
        if alerts:
            self._saving.update(a["id"] for a in alerts)
            self._edit(alerts, "status", status, resolution)

    def action_assign_me(self) -> None:
        alerts = self._targets()
        if alerts:
            me = self.source.actor
            who = None if all(a.get("assignee") == me for a in alerts) else me
            self._saving.update(a["id"] for a in alerts)
            self._edit(alerts, "assign", who, None)

    def action_assign_other(self) -> None:
        alerts = self._targets()
        if not alerts:
            return

        def done(name: str | None) -> None:
            if name is not None:
                self._saving.update(a["id"] for a in alerts)
                self._edit(alerts, "assign", name.strip() or None, None)

        self.app.push_screen(PromptModal(tr("Assign to (empty: unassign)", self.app.lang)), done)  # type: ignore[attr-defined]

    def action_note(self) -> None:
        alerts = self.target_alerts()[:1]
        if not alerts:
            self.notify(tr("No alert is highlighted.", self.app.lang), severity="warning")  # type: ignore[attr-defined]
            return
        alert = alerts[0]

        def done(body: str | None) -> None:
            if body and body.strip():
                self._save_note("alert", alert["id"], body)

        lang = self.app.lang  # type: ignore[attr-defined]
        title = f"{tr('Note on', lang)}: {clean(rule_title(alert, lang), limit=60)}"
        self.app.push_screen(NoteModal(title), done)  # type: ignore[attr-defined]

    def action_suppress(self) -> None:
        alerts = self.target_alerts()[:1]
        if not alerts:
            self.notify(tr("No alert is highlighted.", self.app.lang), severity="warning")  # type: ignore[attr-defined]
            return
        self.app.push_screen(SuppressModal(alerts[0], self.app.lang), self._save_suppression)  # type: ignore[attr-defined]

    def action_pivot(self) -> None:
        alerts = self.target_alerts()[:1]
        if not alerts:
            self.notify(tr("No alert is highlighted.", self.app.lang), severity="warning")  # type: ignore[attr-defined]
            return
        self.app.push_screen(PivotScreen(self.source, alerts[0], self.app.zone))  # type: ignore[attr-defined]

    @work(thread=True, group="edit")
    def _save_suppression(self, form: dict[str, Any] | None) -> None:
        if form is None:
            return
        try:
            sup = self.source.suppress(form["rule_id"], form["field"], form["value"], form["reason"], form["days"])
        except (ValueError, KeyError) as exc:
            self._say(self._t("Not saved: {error}").format(error=clean(exc, limit=200)), "error")
            return
        self._say(self._t("Suppression {id}: {field} = {value}").format(
            id=sup["id"], field=clean(sup["field"]), value=clean(sup["value"], limit=60)))

    @work(thread=True, group="edit")
    def _save_note(self, kind: str, oid: str, body: str) -> None:
        try:
            self.source.add_note(kind, oid, body)
        except Exception as exc:  # busy database, too long: tell the analyst, keep the UI
            self._say(self._t("Note not saved: {error}").format(error=clean(exc, limit=200)), "error")
            return
        self._say("Note saved.")
        self.app.call_from_thread(self.show_changed, [])  # type: ignore[attr-defined]

    def _t(self, text: str) -> str:
        return tr(text, self.app.lang)  # type: ignore[attr-defined]

    def _say(self, message: str, severity: str = "information", title: str = "") -> None:
        self.app.call_from_thread(  # type: ignore[attr-defined]
            self.notify, tr(message, self.app.lang), severity=severity, title=title, markup=False  # type: ignore[attr-defined]
        )

    @work(thread=True, group="edit")
    def _edit(self, alerts: list[dict[str, Any]], what: str, value: str | None, resolution: str | None) -> None:
        done: list[dict[str, Any]] = []
        conflicts: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for alert in alerts:
            try:
                if what == "status":
                    done.append(self.source.set_status(alert, value or "new", resolution))
                else:
                    done.append(self.source.assign(alert, value))
            except ConflictError as exc:
                conflicts.append((alert, exc.current))
            except KeyError:
                conflicts.append((alert, None))
            except Exception as exc:  # busy database, disk full: tell the analyst, keep the UI
                self._say(self._t("Not saved: {error}").format(error=clean(exc, limit=300)), "error")
        for alert, current in conflicts:
            if current is None:
                self._say("This alert no longer exists; reloaded.", "warning")
                continue
            if all(alert.get(f) == current.get(f) for f in ("status", "resolution", "assignee")):
                who = self._t("A scan added events to this alert")
            else:
                actor = self.source.last_actor(alert["id"])
                who = (self._t("Changed by someone else ({who})").format(who=clean(actor, limit=40)) if actor
                       else self._t("Changed by someone else"))
            self._say(
                self._t("{who}; now {status}. Reloaded, nothing overwritten. Press the key again to apply.").format(
                    who=who, status=status_text(current, self.app.lang)),  # type: ignore[attr-defined]
                "warning",
                self._t("Alert changed"),
            )
        if len(done) == 1:
            a = done[0]
            lang = self.app.lang  # type: ignore[attr-defined]
            label = status_text(a, lang) if what == "status" else \
                f"{tr('assigned to', lang)} {a.get('assignee') or tr('nobody', lang)}"
            self._say(f"{clean(rule_title(a, lang), limit=60)} → {clean(label)}")
        elif done:
            self._say(tr("{n} alerts changed.", self.app.lang).format(n=len(done)))  # type: ignore[attr-defined]

        def finish() -> None:
            self._saving.difference_update(a["id"] for a in alerts)
            self.show_changed(done + [c for _, c in conflicts if c])

        self.app.call_from_thread(finish)  # type: ignore[attr-defined]
