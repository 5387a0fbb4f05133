"""The detail pane: the highlighted alert's fields and its matched events (raw lines from the event store).

Every log-derived value goes through ``safe_text``: raw lines are shown inert, never as markup or terminal
codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from soc.enrich.masking import mask_text
from soc.triage.evidence import MatchedEvent, local
from soc.tui.widgets.alert_grid import LEVEL_STYLES, status_label
from soc.tui.widgets.safe_text import safe_text

ORIGINAL_LIMIT = 4000  # characters of one raw line shown; the rest is summarised as "… (+N chars)"
FIELD_LIMIT = 500


def alert_summary(alert: dict[str, Any] | None, zone: str) -> RenderableType:
    """The alert's title, its fields as a two-column grid (values wrap under themselves) and its description."""
    if alert is None:
        return Text("No alert selected. Change the filters (l / s / /) or refresh (R).", style="dim")
    level = str(alert.get("rule_level") or "")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold dim", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, Text | str | None]] = [
        ("Rule", alert.get("rule_id")),
        ("Level", safe_text(level, LEVEL_STYLES.get(level, ""))),
        ("Status", status_label(alert)),
        ("Assignee", alert.get("assignee")),
        ("Tags", ", ".join(str(t) for t in alert.get("rule_tags") or [])),
        ("First", local(alert.get("first_time"), zone)),
        ("Last", local(alert.get("last_time"), zone)),
        ("Events", str(alert.get("event_count") or 0)),
        ("Source", alert.get("source_ip")),
        ("User", alert.get("user_name")),
        ("Host", alert.get("host")),
        ("System", alert.get("system")),
        ("Group key", alert.get("group_key")),
        ("Alert id", f"{alert.get('id')} (version {alert.get('version')})"),
    ]
    for label, value in rows:
        if label == "Assignee" and not value:
            continue
        grid.add_row(label, value if isinstance(value, Text) else safe_text(value or "—", limit=FIELD_LIMIT))
    parts: list[RenderableType] = [safe_text(alert.get("rule_title"), "bold", limit=FIELD_LIMIT), grid]
    if alert.get("rule_description"):
        parts += [Text(), safe_text(alert["rule_description"], limit=FIELD_LIMIT * 4)]
    return Group(*parts)


def events_text(events: Sequence[MatchedEvent] | None, total: int, zone: str, reveal: bool = False) -> Text:
    """Matched events, one raw line each, oldest first; personal identifiers masked unless ``reveal``."""
    if events is None:
        return Text("Loading events…", style="dim")
    if not total:
        return Text("This alert lists no events.", style="dim")
    out = Text()
    out.append(f"Matched events: {len(events)} of {total} shown\n", style="bold")
    if not events:
        out.append("None of them is in the event store (retention or another data directory).", style="dim")
    for ev in events:
        out.append(local(ev.timestamp, zone), style="cyan")
        out.append(" ")
        out.append_text(safe_text(ev.dataset or "?", "dim", limit=40))
        out.append(" ")
        out.append_text(
            safe_text(
                (ev.original if reveal else mask_text(ev.original, "screen")) if ev.original is not None else "(no original line)",
                limit=ORIGINAL_LIMIT,
            )
        )
        out.append("\n")
    return out


class AlertDetail(Horizontal):
    """Under the queue: the alert's fields on the left, its raw events on the right (each scrolls)."""

    def __init__(self, zone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.zone = zone
        self.alert: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-pane"):
            yield Static(alert_summary(None, self.zone), id="alert-summary", markup=False)
        with VerticalScroll(id="events-pane"):
            yield Static("", id="alert-events", markup=False)

    def show_alert(self, alert: dict[str, Any] | None) -> None:
        """Show the alert's fields now; events follow through :meth:`show_events`."""
        same = alert is not None and self.alert is not None and alert["id"] == self.alert["id"]
        self.alert = alert
        self.query_one("#alert-summary", Static).update(alert_summary(alert, self.zone))
        if not same:
            for pane in self.query(VerticalScroll):
                pane.scroll_home(animate=False)
            events = None if alert and alert.get("event_count") else []
            self.query_one("#alert-events", Static).update(events_text(events, 0, self.zone) if alert else "")

    def show_events(self, alert_id: str, events: Sequence[MatchedEvent], total: int) -> None:
        if self.alert is None or self.alert["id"] != alert_id:
            return  # the cursor moved on while the events loaded
        self.query_one("#alert-events", Static).update(events_text(events, total, self.zone))
