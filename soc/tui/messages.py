"""Messages widgets post to the screen (small dataclasses, Toolong style).

Carry alert dicts and filter values only; never rendered text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class AlertHighlighted(Message):
    """The queue cursor is on another alert (or on an alert whose stored version changed); None when empty."""

    alert: dict[str, Any] | None


@dataclass
class FiltersChanged(Message):
    """The analyst changed a filter of the queue."""

    level: str
    status: str


@dataclass
class SortChanged(Message):
    """The analyst changed the sort column or direction."""

    column: str
    descending: bool
