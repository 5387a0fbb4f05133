"""The state half of the store contract: checkpoints, watermarks, alerts, cases, notes, suppressions, audit."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from soc.store.types import AlertQuery, Checkpoint


# -- state ---------------------------------------------------------------------------------------------------
class StateStore(ABC):
    """Mutable state shared by ingest, scans, the TUI and reports, in several processes at once. Every edit of an
    alert or a case is a compare-and-set on its ``version``; every analyst change lands in the audit trail in the
    same transaction."""

    kind: str = ""

    @abstractmethod
    def close(self) -> None: ...

    # checkpoints and watermarks
    @abstractmethod
    def checkpoint(self, path: str) -> Checkpoint | None: ...

    @abstractmethod
    def save_checkpoint(self, cp: Checkpoint, parser: str | None) -> None: ...

    @abstractmethod
    def watermark(self, rule_id: str) -> str | None: ...

    @abstractmethod
    def set_watermark(self, rule_id: str, ingested: str) -> None: ...

    @abstractmethod
    def reset_watermarks(self) -> None: ...

    # alerts
    @abstractmethod
    def upsert_alert(self, alert: dict[str, Any]) -> bool:
        """Insert a new alert or widen the stored one with the same id; True when new. Triage fields are kept."""

    @abstractmethod
    def alert(self, alert_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def alert_event_count(self, alert_id: str) -> int | None:
        """How many events the stored alert holds (None: not stored)."""

    @abstractmethod
    def alert_to_widen(self, rule_id: str, group_key: str, first: str, last: str) -> str | None:
        """The stored alert of ``rule_id`` and ``group_key`` overlapping ``[first, last]`` (ISO UTC), if any."""

    @abstractmethod
    def update_alert(self, alert_id: str, actor: str, expected_version: int | None = None, **changes: Any) -> dict:
        """Compare-and-set triage fields, audited; raise ``ConflictError`` on a stale version."""

    @abstractmethod
    def alerts(self, query: AlertQuery, limit: int | None = None) -> list[dict[str, Any]]:
        """Whole alerts matching ``query`` in its order (reports, ``soc alerts``)."""

    # audit
    @abstractmethod
    def record(self, actor: str, object_type: str, object_id: str, action: str, before: Any, after: Any) -> None: ...

    @abstractmethod
    def audit_trail(self, object_id: str | None = None, object_type: str | None = None,
                    object_ids: Sequence[str] | None = None) -> list[dict[str, Any]]: ...
