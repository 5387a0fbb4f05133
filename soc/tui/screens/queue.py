"""The alert queue screen: filter bar, alert table, detail pane, and the triage keys.

Database reads and writes run in worker threads; an edit never overwrites a change made by someone else.
"""

from __future__ import annotations

import time
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from soc.store.state import ConflictError
from soc.tui.data import AlertSource, MatchedEvent, QueueFilter, QueueSnapshot
from soc.tui.messages import AlertHighlighted, FiltersChanged
from soc.tui.safe_text import clean
from soc.tui.widgets.alert_detail import AlertDetail
from soc.tui.widgets.alert_table import AlertTable
from soc.tui.widgets.filter_bar import FilterBar

EVENTS_DEBOUNCE = 0.12  # seconds
STATUS_ORDER = ("new", "acknowledged", "in_progress", "escalated", "resolved", "suppressed")


def counts_line(counts: dict[str, int]) -> str:
    """``new 3 · acknowledged 1 · …`` for the header (statuses in workflow order, zeros left out)."""
    order = [s for s in STATUS_ORDER if counts.get(s)] + sorted(set(counts) - set(STATUS_ORDER))
    return " · ".join(f"{clean(s)} {counts[s]}" for s in order) or "no alerts"


class QueueScreen(Screen):
    """Alerts newest first; the highlighted one is detailed below and changed with a single key."""

    BINDINGS = [
        Binding("a", "set_status('acknowledged')", "Acknowledge"),
        Binding("i", "set_status('in_progress')", "In progress", show=False),
        Binding("e", "set_status('escalated')", "Escalate", show=False),
        Binding("r", "set_status('resolved', 'true_positive')", "Resolve"),
        Binding("f", "set_status('resolved', 'false_positive')", "False positive"),
        Binding("n", "set_status('new')", "Reopen", show=False),
        Binding("l", "cycle_level", "Level filter"),
        Binding("s", "cycle_status", "Status filter"),
        Binding("R,ctrl+r", "reload", "Refresh", key_display="R"),
    ]

    def __init__(self, source: AlertSource, zone: str, refresh_seconds: float = 5.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.source = source
        self.zone = zone
        self.refresh_seconds = refresh_seconds
        self._events_for: tuple[str, int] | None = None
        self._saving: set[str] = (
            set()
        )  # alert ids with an edit in flight (a double press must not self-conflict)

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="filters")
        yield AlertTable(self.zone, id="alerts")
        yield AlertDetail(self.zone, id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(AlertTable).focus()
        self.reload()
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self.reload)

    # -- loading -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the queue in a worker (the newest load wins)."""
        self._load(self.query_one(FilterBar).filter)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, flt: QueueFilter) -> None:
        try:
            snapshot = self.source.snapshot(flt)
        except Exception as exc:  # a locked or damaged database must not kill the UI
            self._error_from_thread("Cannot read alerts", exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_snapshot, snapshot)

    def _show_snapshot(self, snapshot: QueueSnapshot) -> None:
        self.sub_title = counts_line(snapshot.counts)
        bar = self.query_one(FilterBar)
        bar.shown, bar.limit = len(snapshot.alerts), snapshot.limit
        self.query_one(AlertTable).show_alerts(snapshot.alerts)

    def on_filters_changed(self, _: FiltersChanged) -> None:
        self.reload()

    def on_alert_highlighted(self, message: AlertHighlighted) -> None:
        alert = message.alert
        self.query_one(AlertDetail).show_alert(alert)
        marker = (alert["id"], alert.get("event_count") or 0) if alert else None
        if alert and alert.get("event_count") and marker != self._events_for:
            self._events_for = marker
            self._load_events(alert)
        elif not alert:
            self._events_for = None

    @work(thread=True, exclusive=True, group="events")
    def _load_events(self, alert: dict[str, Any]) -> None:
        time.sleep(EVENTS_DEBOUNCE)  # holding an arrow key starts many loads; only the last one queries
        if get_current_worker().is_cancelled:
            return
        try:
            events: list[MatchedEvent] = self.source.matched_events(alert)
        except Exception as exc:  # a damaged Parquet file must not kill the UI
            self._error_from_thread("Cannot read events", exc)
            events = []
        if not get_current_worker().is_cancelled:
            total = alert.get("event_count") or 0
            self.app.call_from_thread(self.query_one(AlertDetail).show_events, alert["id"], events, total)

    def _error_from_thread(self, what: str, exc: Exception) -> None:
        message = f"{what}: {clean(exc, limit=300)}"
        self.app.call_from_thread(self.notify, message, severity="error", markup=False)

    # -- actions -------------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def action_cycle_level(self) -> None:
        self.query_one(FilterBar).cycle_level()

    def action_cycle_status(self) -> None:
        self.query_one(FilterBar).cycle_status()

    def action_set_status(self, status: str, resolution: str | None = None) -> None:
        alert = self.query_one(AlertTable).current_alert
        if alert is None:
            self.notify("No alert is highlighted.", severity="warning")
            return
        if alert["id"] in self._saving:
            self.notify("Still saving the previous change to this alert.", severity="warning")
            return
        self._saving.add(alert["id"])
        self._change_status(alert, status, resolution)

    @work(thread=True, group="edit")
    def _change_status(self, alert: dict[str, Any], status: str, resolution: str | None) -> None:
        try:
            updated = self.source.set_status(alert, status, resolution)
        except ConflictError as exc:
            actor = self.source.last_actor(alert["id"]) if exc.current else None
            self.app.call_from_thread(self._after_conflict, alert, exc.current, actor)
            return
        except KeyError:
            self.app.call_from_thread(self._after_conflict, alert, None, None)
            return
        except Exception as exc:  # busy database, disk full: tell the analyst, keep the UI
            self.app.call_from_thread(self._saving.discard, alert["id"])
            self._error_from_thread("Not saved", exc)
            return
        self.app.call_from_thread(self._after_change, updated)

    def _after_change(self, alert: dict[str, Any]) -> None:
        self._saving.discard(alert["id"])
        label = alert["status"] + (f" ({alert['resolution']})" if alert.get("resolution") else "")
        self.notify(f"{clean(alert['rule_title'], limit=60)} → {label}", markup=False)
        self.query_one(AlertTable).update_alert(alert)
        self.reload()

    def _after_conflict(
        self, seen: dict[str, Any], current: dict[str, Any] | None, actor: str | None
    ) -> None:
        self._saving.discard(seen["id"])
        if current is None:
            self.notify("This alert no longer exists; reloaded.", severity="warning")
        else:
            now = current["status"] + (f" ({current['resolution']})" if current.get("resolution") else "")
            fields = ("status", "resolution", "assignee")
            if all(seen.get(f) == current.get(f) for f in fields):
                who = "A scan added events to this alert"
            else:
                who = (
                    f"Changed by someone else ({clean(actor, limit=40)})"
                    if actor
                    else "Changed by someone else"
                )
            self.notify(
                f"{who}; now {now}. Reloaded, nothing overwritten. Press the key again to apply.",
                title="Alert changed",
                severity="warning",
                markup=False,
            )
            self.query_one(AlertTable).update_alert(current)
        self.reload()
