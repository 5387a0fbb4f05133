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
from soc.i18n import level_word, tr
from soc.triage.evidence import MatchedEvent, local
from soc.tui.widgets.alert_grid import LEVEL_STYLES, rule_title, status_label
from soc.tui.widgets.safe_text import safe_text

ORIGINAL_LIMIT = 4000  # characters of one raw line shown; the rest is summarised as "… (+N chars)"
FIELD_LIMIT = 500


def alert_summary(alert: dict[str, Any] | None, zone: str, lang: str = "en") -> RenderableType:
    """The alert's title, its fields as a two-column grid (values wrap under themselves) and its description
    (the rule's Vietnamese ones with ``lang`` ``vi`` when it has them)."""
    if alert is None:
        return Text(tr("No alert selected. Change the filters (l / s / /) or refresh (R).", lang), style="dim")
    level = str(alert.get("rule_level") or "")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold dim", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, Text | str | None]] = [
        ("Rule", alert.get("rule_id")),
        ("Level", safe_text(level_word(level, lang), LEVEL_STYLES.get(level, ""))),
        ("Status", status_label(alert, lang)),
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
        ("Alert id", f"{alert.get('id')} ({tr('version', lang)} {alert.get('version')})"),
    ]
    for label, value in rows:
        if label == "Assignee" and not value:
            continue
        grid.add_row(tr(label, lang), value if isinstance(value, Text) else safe_text(value or "—", limit=FIELD_LIMIT))
    parts: list[RenderableType] = [safe_text(rule_title(alert, lang), "bold", limit=FIELD_LIMIT), grid]
    description = (lang == "vi" and alert.get("rule_description_vi")) or alert.get("rule_description")
    if description:
        parts += [Text(), safe_text(description, limit=FIELD_LIMIT * 4)]
    return Group(*parts)


def events_text(events: Sequence[MatchedEvent] | None, total: int, zone: str, reveal: bool = False,
                lang: str = "en") -> Text:
    """Matched events, one raw line each, oldest first; personal identifiers masked unless ``reveal``."""
    if events is None:
        return Text(tr("Loading events…", lang), style="dim")
    if not total:
        return Text(tr("This alert lists no events.", lang), style="dim")
    out = Text()
    out.append(tr("Matched events: {n} of {total} shown", lang).format(n=len(events), total=total) + "\n", style="bold")
    if not events:
        out.append(tr("None of them is in the event store (retention or another data directory).", lang), style="dim")
    for ev in events:
        out.append(local(ev.timestamp, zone), style="cyan")
        out.append(" ")
        out.append_text(safe_text(ev.dataset or "?", "dim", limit=40))
        out.append(" ")
        out.append_text(
            safe_text(
                (ev.original if reveal else mask_text(ev.original, "screen")) if ev.original is not None
                else tr("(no original line)", lang),
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
        self._events: tuple[Sequence[MatchedEvent], int] | None = None

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "en")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-pane"):
            yield Static(alert_summary(None, self.zone, self.lang), id="alert-summary", markup=False)
        with VerticalScroll(id="events-pane"):
            yield Static("", id="alert-events", markup=False)

    def show_alert(self, alert: dict[str, Any] | None) -> None:
        """Show the alert's fields now; events follow through :meth:`show_events`."""
        same = alert is not None and self.alert is not None and alert["id"] == self.alert["id"]
        self.alert = alert
        self.query_one("#alert-summary", Static).update(alert_summary(alert, self.zone, self.lang))
        if not same:
            self._events = None
            for pane in self.query(VerticalScroll):
                pane.scroll_home(animate=False)
            events = None if alert and alert.get("event_count") else []
            self.query_one("#alert-events", Static).update(events_text(events, 0, self.zone, lang=self.lang) if alert else "")

    def show_events(self, alert_id: str, events: Sequence[MatchedEvent], total: int) -> None:
        if self.alert is None or self.alert["id"] != alert_id:
            return  # the cursor moved on while the events loaded
        self._events = (events, total)
        self.query_one("#alert-events", Static).update(events_text(events, total, self.zone, lang=self.lang))

    def relabel(self) -> None:
        """Draw the shown alert and its events again in the app's language (after Ctrl+T)."""
        self.query_one("#alert-summary", Static).update(alert_summary(self.alert, self.zone, self.lang))
        if self.alert is not None and self._events is not None:
            events, total = self._events
            self.query_one("#alert-events", Static).update(events_text(events, total, self.zone, lang=self.lang))
