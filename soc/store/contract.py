"""The store contract: what every stage may ask of storage, in the stages' own words.

Two halves, like Harlequin's adapter and connection: ``EventStore`` (immutable ECS events: append, scan, search,
aggregate, pivot) and ``StateStore`` (mutable analyst state: checkpoints, watermarks, alerts, cases, notes,
suppressions, audit). ``soc.store.registry`` maps a ``[store] kind`` to the classes that implement them; the
embedded store (Parquet + DuckDB, SQLite) is the first. Nothing here knows what a status *means*: the alert model
and its rules belong to ``soc.triage``; the store keeps, finds and compare-and-sets.
"""

from __future__ import annotations

from typing import Any

from soc.store.events_api import DetectionRun, EventBatch, EventStore
from soc.store.state_api import StateStore
from soc.store.types import AlertQuery, Checkpoint, ConflictError, EventPage, ScanWindow, iter_chunks

__all__ = ["AlertQuery", "Checkpoint", "ConflictError", "DetectionRun", "EventBatch", "EventPage", "EventStore",
           "ScanWindow", "StateStore", "Store", "iter_chunks"]


class Store:
    """The two halves a command works with, opened from config by ``soc.store.registry.open_store``."""

    def __init__(self, events: EventStore, state_factory: Any, state_exists: Any = None):
        self.events = events
        self._state_factory = state_factory
        self._state_exists = state_exists
        self._state: StateStore | None = None

    def has_state(self) -> bool:
        """Whether the state half holds anything yet (readers such as reports never create it)."""
        return self._state is not None or self._state_exists is None or bool(self._state_exists())

    @property
    def state(self) -> StateStore:
        if self._state is None:
            self._state = self._state_factory()
        return self._state

    def close(self) -> None:
        try:
            self.events.close()
        finally:
            if self._state is not None:
                self._state.close()
                self._state = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
