"""The alert queue table: one row per alert, newest first, keyed by alert id.

Cells are Rich ``Text`` built by ``safe_text`` (rule titles and IPs come from logs and rules), never markup
strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import DataTable

from soc.tui.data import local
from soc.tui.messages import AlertHighlighted
from soc.tui.safe_text import safe_text

LEVEL_STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "informational": "dim",
}
STATUS_STYLES = {
    "new": "bold",
    "acknowledged": "cyan",
    "in_progress": "yellow",
    "escalated": "bold magenta",
    "resolved": "green",
    "suppressed": "dim",
}
COLUMNS = ("time", "level", "rule", "source", "system", "status")


def status_label(alert: dict[str, Any]) -> Text:
    status = str(alert.get("status") or "")
    label = safe_text(status, STATUS_STYLES.get(status, ""))
    if alert.get("resolution"):
        label.append(f" ({alert['resolution']})", style="dim")
    return label


class AlertTable(DataTable):
    """Alerts of the current filter; keeps the cursor on the same alert across reloads."""

    def __init__(self, zone: str, **kwargs: Any):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.zone = zone
        self.alerts: dict[str, dict[str, Any]] = {}
        self._signature: tuple[tuple[str, int], ...] | None = None
        self._last_posted: tuple[str, int] | None = None

    def on_mount(self) -> None:
        offset = datetime.now(ZoneInfo(self.zone)).strftime("%z")
        self.add_column(f"Last seen (UTC{offset[:3]}:{offset[3:]})", key="time")
        self.add_column("Level", key="level")
        self.add_column("Rule", key="rule")
        self.add_column("Source", key="source")
        self.add_column("System", key="system")
        self.add_column("Status", key="status")

    def row_cells(self, alert: dict[str, Any]) -> list[Text]:
        level = str(alert.get("rule_level") or "")
        return [
            Text(local(alert.get("last_time") or alert.get("created"), self.zone)),
            safe_text(level, LEVEL_STYLES.get(level, ""), limit=20),
            safe_text(alert.get("rule_title"), limit=70),
            safe_text(alert.get("source_ip") or "", limit=45),
            safe_text(alert.get("system") or "", limit=30),
            status_label(alert),
        ]

    @property
    def current_alert(self) -> dict[str, Any] | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.alerts.get(key) if key is not None else None

    def show_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """Replace the rows if anything changed, keeping the cursor on the same alert while it is shown."""
        signature = tuple((a["id"], a["version"]) for a in alerts)
        if signature == self._signature:
            return
        self._signature = signature
        current = self.current_alert
        old_row = self.cursor_row
        self.alerts = {a["id"]: a for a in alerts}
        self.clear()
        for alert in alerts:
            self.add_row(*self.row_cells(alert), key=alert["id"])
        if not alerts:
            self._post_current()
            return
        if current is not None and current["id"] in self.alerts:
            row = self.get_row_index(current["id"])
        else:
            row = min(max(old_row, 0), len(alerts) - 1)
        self.move_cursor(row=row)
        self._post_current()

    def update_alert(self, alert: dict[str, Any]) -> None:
        """Show the stored state of one alert in its row (after an edit or a conflict)."""
        if alert["id"] not in self.alerts:
            return
        self.alerts[alert["id"]] = alert
        self._signature = None
        for key, cell in zip(COLUMNS, self.row_cells(alert), strict=True):
            self.update_cell(alert["id"], key, cell)
        self._post_current()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._post_current()

    def _post_current(self) -> None:
        alert = self.current_alert
        marker = (alert["id"], alert["version"]) if alert else None
        if marker != self._last_posted:
            self._last_posted = marker
            self.post_message(AlertHighlighted(alert))
