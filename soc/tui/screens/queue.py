"""The alert queue screen: filter bar, virtual alert table, detail pane, and the triage keys (single or bulk).

Database reads and writes run in worker threads; an edit never overwrites a change made by someone else.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Input
from textual.worker import get_current_worker

from soc.i18n import status_word, tr
from soc.triage.desk import AlertSource, QueueSnapshot, Viewport
from soc.triage.evidence import MatchedEvent
from soc.triage.priority import Policy
from soc.triage.queue import QueueFilter
from soc.tui.messages import AlertHighlighted, FiltersChanged, SortChanged
from soc.tui.screens.alert import AlertScreen
from soc.tui.screens.forms import PromptModal, StatusPicker
from soc.tui.screens.triage_actions import TRIAGE_BINDINGS, TriageActions
from soc.tui.widgets.alert_detail import AlertDetail
from soc.tui.widgets.alert_grid import DESCENDING_FIRST, AlertGrid
from soc.tui.widgets.filter_bar import FilterBar
from soc.tui.widgets.footer import QuietFooter
from soc.tui.widgets.safe_text import clean

EVENTS_DEBOUNCE = 0.12  # seconds
STATUS_ORDER = ("new", "acknowledged", "in_progress", "escalated", "resolved", "suppressed")


def counts_line(counts: dict[str, int], lang: str = "en") -> str:
    """``new 3 · acknowledged 1 · …`` for the header (statuses in workflow order, zeros left out)."""
    order = [s for s in STATUS_ORDER if counts.get(s)] + sorted(set(counts) - set(STATUS_ORDER))
    return " · ".join(f"{clean(status_word(s, lang))} {counts[s]}" for s in order if counts[s]) or tr("no alerts", lang)


class QueueScreen(TriageActions, Screen):
    """Alerts most urgent first (then newest; ``[triage] queue_sort``); the highlighted one is detailed below and changed with a single key."""

    BINDINGS = [
        *TRIAGE_BINDINGS,
        Binding("enter", "open", "Open alert"),
        Binding("l", "cycle_level", "Level filter"),
        Binding("s", "pick_status", "Status filter"),
        Binding("slash", "edit_filter", "Filter…", key_display="/"),
        Binding("escape", "clear_marks", "Clear marks", show=False),
        Binding("c", "new_case", "Case from marked"),
        Binding("R,ctrl+r", "reload", "Refresh", key_display="R"),
    ]

    def __init__(self, source: AlertSource, zone: str, refresh_seconds: float = 5.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.source = source
        self.zone = zone
        self.refresh_seconds = refresh_seconds
        self._events_for: tuple[str, int] | None = None
        self._saving: set[str] = set()  # alert ids with an edit in flight (a double press must not self-conflict)
        self.loaded_at: float | None = None  # monotonic time the last snapshot reached the table
        self.policy = Policy.of(source.cfg)  # priority and clocks by the inventory's security levels
        self._counts: dict[str, int] | None = None

    def relabel(self) -> None:
        """Everything shown again in the app's language (after Ctrl+T)."""
        if self._counts is not None:
            self.sub_title = counts_line(self._counts, self.app.lang)  # type: ignore[attr-defined]
        self.query_one(FilterBar).refresh()
        self.grid.refresh()
        self.query_one(AlertDetail).relabel()

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="filters")
        yield Input(placeholder=tr("rule:… system:… assignee:me|none from:24h to:2026-11-24 words  (Enter apply, "
                                   "Escape close)", self.app.lang), id="filter-input")  # type: ignore[attr-defined]
        yield AlertGrid(self.zone, id="alerts")
        yield AlertDetail(self.zone, id="detail")
        yield QuietFooter()

    def on_mount(self) -> None:
        grid = self.query_one(AlertGrid)
        grid.policy, grid.sort = self.policy, self.source.cfg.triage.queue_sort
        grid.descending = grid.sort in DESCENDING_FIRST
        grid.focus()
        self.reload()
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self._on_timer)

    @property
    def grid(self) -> AlertGrid:
        return self.query_one(AlertGrid)

    # -- loading -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the queue in a worker (the newest load wins)."""
        grid = self.grid
        current = grid.current_alert if grid.rows.get(grid.cursor) is not None else None
        view = Viewport(current["id"] if current else None, grid.cursor, int(grid.scroll_offset.y),
                        max(grid.size.height - 1, 1))
        flt = replace(self.query_one(FilterBar).filter, policy=self.policy)
        self._load(flt, grid.sort, grid.descending, view, frozenset(grid.marked))

    def _on_timer(self) -> None:
        self._poll()

    @work(thread=True, exclusive=True, group="poll")
    def _poll(self) -> None:
        try:
            changed = self.source.refresh()
        except Exception as exc:  # a locked database must not kill the UI
            self._error_from_thread("Cannot read alerts", exc)
            return
        if changed:
            self.app.call_from_thread(self.reload)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, flt: QueueFilter, sort: str, descending: bool, view: Viewport, marked: frozenset[str]) -> None:
        try:
            snapshot = self.source.snapshot(flt, sort, descending, view, marked)
        except Exception as exc:  # a locked or damaged database must not kill the UI
            self._error_from_thread("Cannot read alerts", exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_snapshot, snapshot, view.anchor)

    def _show_snapshot(self, snapshot: QueueSnapshot, anchor: str | None = None) -> None:
        """Show a snapshot read for the alert ``anchor`` had the cursor; if the analyst moved meanwhile, the cursor
        stays on the alert they moved to (their next key must act on what they see selected)."""
        self._counts = snapshot.counts
        self.sub_title = counts_line(snapshot.counts, self.app.lang)  # type: ignore[attr-defined]
        bar = self.query_one(FilterBar)
        bar.shown, bar.total = len(snapshot.alerts), snapshot.total
        current = self.grid.current_alert
        moved = current is not None and current["id"] != anchor
        self.grid.show_alerts(snapshot.alerts, None if moved else snapshot.cursor, snapshot.marked)
        self.loaded_at = time.monotonic()

    def on_filters_changed(self, _: FiltersChanged) -> None:
        self.reload()

    def on_sort_changed(self, _: SortChanged) -> None:
        self.reload()

    def on_alert_highlighted(self, message: AlertHighlighted) -> None:
        alert = message.alert
        detail = self.query_one(AlertDetail)
        detail.show_alert(alert)
        self.query_one(FilterBar).marked = len(self.grid.marked)
        marker = (alert["id"], alert["version"]) if alert else None
        if alert and marker != self._events_for:
            self._events_for = marker
            self._load_events(alert)
        elif not alert:
            self._events_for = None

    @work(thread=True, exclusive=True, group="events")
    def _load_events(self, row: dict[str, Any]) -> None:
        time.sleep(EVENTS_DEBOUNCE)  # holding an arrow key starts many loads; only the last one queries
        if get_current_worker().is_cancelled:
            return
        events: list[MatchedEvent] = []
        try:
            alert = self.source.alert(row["id"]) or row
            if alert.get("event_count"):
                events = self.source.matched_events(alert)
        except Exception as exc:  # a damaged Parquet file must not kill the UI
            self._error_from_thread("Cannot read events", exc)
            alert = row
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_events, alert, events)

    def _show_events(self, alert: dict[str, Any], events: list[MatchedEvent]) -> None:
        detail = self.query_one(AlertDetail)
        if detail.alert is None or detail.alert["id"] != alert["id"]:
            return
        detail.show_alert(alert)
        detail.show_events(alert["id"], events, alert.get("event_count") or 0)

    def _error_from_thread(self, what: str, exc: Exception) -> None:
        message = f"{tr(what, self.app.lang)}: {clean(exc, limit=300)}"  # type: ignore[attr-defined]
        self.app.call_from_thread(self.notify, message, severity="error", markup=False)

    # -- triage hooks --------------------------------------------------------------------------------------
    def target_alerts(self) -> list[dict[str, Any]]:
        grid = self.grid
        if grid.marked:
            return grid.marked_alerts()
        return [grid.current_alert] if grid.current_alert else []

    def show_changed(self, alerts: list[dict[str, Any]]) -> None:
        for alert in alerts:
            self.grid.update_alert(alert)
        if len(alerts) > 1:
            self.grid.clear_marks()
        self._events_for = None
        self.reload()

    # -- actions -------------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def action_open(self) -> None:
        alert = self.grid.current_alert
        if alert is not None:
            self.app.push_screen(AlertScreen(self.source, alert["id"], self.zone), lambda _: self.reload())

    def action_cycle_level(self) -> None:
        self.query_one(FilterBar).cycle_level()

    def action_pick_status(self) -> None:
        bar = self.query_one(FilterBar)

        def done(status: str | None) -> None:
            if status is not None:
                bar.status = status

        self.app.push_screen(StatusPicker(bar.status, self.app.lang), done)  # type: ignore[attr-defined]

    def action_clear_marks(self) -> None:
        self.grid.clear_marks()
        self.query_one(FilterBar).marked = 0

    def action_edit_filter(self) -> None:
        box = self.query_one("#filter-input", Input)
        box.value = self.query_one(FilterBar).filter.query()
        box.display = True
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "filter-input":
            return
        event.stop()
        bar = self.query_one(FilterBar)
        try:
            flt = bar.filter.with_query(event.value, self.zone)
        except ValueError as exc:
            self.notify(tr("Filter not applied: {error}", self.app.lang).format(error=clean(exc)),  # type: ignore[attr-defined]
                        severity="error", markup=False)
            return
        if flt.assignee.casefold() == "me":
            flt = replace(flt, assignee=self.source.actor)
        event.input.display = False
        bar.set_filter(flt)
        self.grid.focus()

    def on_key(self, event) -> None:
        box = self.query_one("#filter-input", Input)
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.display = False
            self.grid.focus()

    def action_new_case(self) -> None:
        ids = self.grid.marked_ids
        if not ids:
            self.notify(tr("No alert is highlighted.", self.app.lang), severity="warning")
            return

        def done(title: str | None) -> None:
            if title and title.strip():
                self._create_case(title, ids)

        heading = tr("Title of the new case ({n} alerts)", self.app.lang).format(n=len(ids))  # type: ignore[attr-defined]
        self.app.push_screen(PromptModal(heading), done)

    @work(thread=True, group="edit")
    def _create_case(self, title: str, ids: list[str]) -> None:
        try:
            case = self.source.create_case(title, ids)
        except (ValueError, KeyError) as exc:
            self._say(tr("Case not created: {error}", self.app.lang).format(error=clean(exc, limit=200)), "error")
            return
        self._say(tr("Case {id} created with {n} alerts.", self.app.lang).format(id=case["id"], n=len(case["alert_ids"])))
        self.app.call_from_thread(self.action_clear_marks)
        self.app.call_from_thread(self.reload)  # the case column, and the alerts now in progress
