"""The state half of the store contract: checkpoints, watermarks, alerts, the alert queue, cases, notes,
suppressions, audit, and the figures of the dashboard and reports.

Operations only, in the stages' words; no alert model (statuses, levels and their order come in as data from
``soc.triage``), no SQL, no engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from soc.store.types import AlertQuery, AlertQueue, Checkpoint


class StateStore(ABC):
    """Mutable state shared by ingest, scans, the TUI and reports, in several processes at once. Every edit of an
    alert or a case is a compare-and-set on its ``version``; every analyst change lands in the audit trail in the
    same transaction. Times are ISO UTC strings (``2026-11-24T10:00:00.000000Z``)."""

    kind: str = ""

    @abstractmethod
    def close(self) -> None:
        """Let go of the connection."""

    @abstractmethod
    def cache_alerts(self) -> None:
        """Keep the alerts in this connection's cache: for a process reading the queue again and again (the TUI)."""

    @abstractmethod
    def data_version(self) -> int:
        """A number that changes whenever another connection committed a change (cheap enough to poll)."""

    # -- checkpoints and watermarks ------------------------------------------------------------------------
    @abstractmethod
    def checkpoint(self, path: str) -> Checkpoint | None:
        """How far the file ``path`` was read (None: never)."""

    @abstractmethod
    def save_checkpoint(self, cp: Checkpoint, parser: str | None) -> None:
        """Remember how far a file was read, and with which parser."""

    @abstractmethod
    def watermark(self, rule_id: str) -> str | None:
        """The ``event.ingested`` up to which rule ``rule_id`` has scanned (None: never scanned)."""

    @abstractmethod
    def set_watermark(self, rule_id: str, ingested: str) -> None:
        """Move the watermark of rule ``rule_id``."""

    @abstractmethod
    def reset_watermarks(self) -> None:
        """Forget every watermark (the next scan reads every event)."""

    # -- alerts --------------------------------------------------------------------------------------------
    @abstractmethod
    def upsert_alert(self, alert: dict[str, Any]) -> bool:
        """Insert a new alert or widen the stored one with the same id; True when new. Triage fields are kept."""

    @abstractmethod
    def alert(self, alert_id: str) -> dict[str, Any] | None:
        """The whole stored alert (None: no such alert)."""

    @abstractmethod
    def alert_event_count(self, alert_id: str) -> int | None:
        """How many events the stored alert holds (None: not stored)."""

    @abstractmethod
    def alert_to_widen(self, rule_id: str, group_key: str, first: str, last: str) -> str | None:
        """The stored alert of ``rule_id`` and ``group_key`` overlapping ``[first, last]`` (ISO UTC), if any."""

    @abstractmethod
    def alert_levels(self, alert_ids: Sequence[str]) -> list[str]:
        """The rule levels of the stored alerts among ``alert_ids`` (unknown ids are skipped)."""

    @abstractmethod
    def update_alert(self, alert_id: str, actor: str, expected_version: int | None = None, **changes: Any) -> dict:
        """Compare-and-set triage fields, audited; raise ``ConflictError`` on a stale version."""

    @abstractmethod
    def alerts(self, query: AlertQuery | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Whole alerts matching ``query`` (default: all, newest first) in its order, ties by id."""

    @abstractmethod
    def alert_count(self) -> int:
        """How many alerts are stored."""

    @abstractmethod
    def status_counts(self) -> dict[str, int]:
        """How many alerts are stored, by status."""

    @abstractmethod
    def alert_versions(self, updated_since: str) -> dict[str, tuple[int, str]]:
        """``id → (version, updated)`` of the alerts changed at or after ``updated_since``."""

    @abstractmethod
    def alerts_sharing(self, column: str, value: str, exclude: str | None, limit: int) -> list[dict[str, Any]]:
        """Queue rows of alerts whose ``column`` (source_ip, user_name, host, system) is ``value``, newest first."""

    # -- the alert queue -----------------------------------------------------------------------------------
    @abstractmethod
    def queue(self, query: AlertQuery) -> AlertQueue:
        """Plan the queue of ``query``: its count, the status counts, and its first rows when they came cheap."""

    @abstractmethod
    def queue_rows(self, queue: AlertQueue, offset: int, limit: int) -> list[dict[str, Any]]:
        """Rows ``offset`` … ``offset + limit`` of the queue."""

    @abstractmethod
    def queue_rows_after(self, queue: AlertQueue, row: dict[str, Any], limit: int,
                         before: bool = False) -> list[dict[str, Any]]:
        """The ``limit`` rows right after ``row`` in the queue (right before it with ``before``)."""

    @abstractmethod
    def queue_position(self, queue: AlertQueue, alert_id: str) -> tuple[int, dict[str, Any]] | None:
        """Where the alert is in the queue and its row (None: the query does not let it through)."""

    @abstractmethod
    def queue_rows_of(self, queue: AlertQueue, alert_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The rows of the alerts ``alert_ids`` the queue lets through, in its order."""

    # -- cases ---------------------------------------------------------------------------------------------
    @abstractmethod
    def create_case(self, title: str, severity: str, actor: str, alert_ids: Sequence[str]) -> int:
        """A new open case holding ``alert_ids`` (KeyError for an unknown alert, nothing stored); its id."""

    @abstractmethod
    def add_case_alerts(self, case_id: int, alert_ids: Iterable[str], actor: str) -> list[str]:
        """Add alerts to a case (those already in it are skipped); the ids added."""

    @abstractmethod
    def remove_case_alerts(self, case_id: int, alert_ids: Iterable[str], actor: str) -> int:
        """Take alerts out of a case; how many were in it."""

    @abstractmethod
    def update_case(self, case_id: int, actor: str, expected_version: int, **changes: Any) -> dict[str, Any]:
        """Compare-and-set title / severity / status / assignee of a case, audited; the case as stored now."""

    @abstractmethod
    def case(self, case_id: int) -> dict[str, Any] | None:
        """The case with its ``alert_ids`` in the order they were added (None: no such case)."""

    @abstractmethod
    def list_cases(self, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Cases newest first with their ``alert_count``, only those in ``statuses`` when given."""

    @abstractmethod
    def case_alerts(self, case_id: int) -> list[dict[str, Any]]:
        """The alerts of a case for its timeline: id, rule_title, rule_level, t (first seen), source_ip, system."""

    @abstractmethod
    def case_ids_of(self, alert_ids: Sequence[str]) -> dict[str, list[int]]:
        """The ids of the cases holding each of ``alert_ids`` (ascending; alerts in no case are left out)."""

    # -- notes ---------------------------------------------------------------------------------------------
    @abstractmethod
    def add_note(self, object_type: str, object_id: str, author: str, body: str) -> dict[str, Any]:
        """Store a note on an alert or a case, audited; the note as stored."""

    @abstractmethod
    def notes(self, object_type: str, object_id: str) -> list[dict[str, Any]]:
        """The notes of an alert or a case, oldest first."""

    # -- suppressions --------------------------------------------------------------------------------------
    @abstractmethod
    def add_suppression(self, rule_id: str, field: str, value: str, reason: str, author: str,
                        expires: str | None) -> dict[str, Any]:
        """Store a suppression, audited; the suppression as stored."""

    @abstractmethod
    def suppression(self, sid: int) -> dict[str, Any] | None:
        """One suppression, removed or not (None: no such suppression)."""

    @abstractmethod
    def active_suppressions(self, now: str | None = None) -> list[dict[str, Any]]:
        """Suppressions neither removed nor expired at ``now`` (default: now), newest first."""

    @abstractmethod
    def remove_suppression(self, sid: int, actor: str) -> None:
        """Mark an active suppression removed (kept, audited); KeyError when there is none."""

    # -- audit ---------------------------------------------------------------------------------------------
    @abstractmethod
    def record(self, actor: str, object_type: str, object_id: str, action: str, before: Any, after: Any) -> None:
        """Audit an action (also one that changes nothing stored, e.g. revealing personal data)."""

    @abstractmethod
    def audit_trail(self, object_id: str | None = None, object_type: str | None = None,
                    object_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Audit rows oldest first, of one object, of a type, of several ids (each filter optional)."""

    # -- dashboard figures ---------------------------------------------------------------------------------
    @abstractmethod
    def alert_times_since(self, since: str) -> list[str]:
        """When each alert last happened (last seen, else first seen, else stored), for those at or after ``since``."""

    @abstractmethod
    def alert_counts_by_level(self, open_statuses: Sequence[str]) -> list[tuple[str, int, int]]:
        """(level, alerts, alerts in ``open_statuses``) for every level stored."""

    @abstractmethod
    def alert_counts_by_system(self, open_statuses: Sequence[str], limit: int,
                               unnamed: str) -> list[tuple[str, int, int]]:
        """(system or ``unnamed``, alerts, open alerts), most open first, then busiest, at most ``limit``."""

    @abstractmethod
    def oldest_alert(self, status: str) -> dict[str, Any] | None:
        """id, rule_title, rule_level and created of the alert stored longest ago among those in ``status``."""

    @abstractmethod
    def case_count(self, statuses: Sequence[str], among: bool = True) -> int:
        """How many cases are in one of ``statuses`` (``among=False``: in none of them)."""

    # -- report figures ------------------------------------------------------------------------------------
    @abstractmethod
    def cases_opened(self, since: str, until: str) -> int:
        """How many cases were created in ``[since, until)``."""

    @abstractmethod
    def cases_closed(self, since: str, until: str, statuses: Sequence[str]) -> int:
        """How many cases were moved to one of ``statuses`` in ``[since, until)`` (by the audit trail)."""

    # -- indicators of compromise (soc.intel) ----------------------------------------------------------------
    @abstractmethod
    def save_indicators(self, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
        """Keep indicators (dicts of ``soc.intel.model.Indicator`` fields), one per (kind, value, warning): a row
        already kept unchanged is left alone, a changed one (TLP, validity, label …) is updated. Returns (new,
        updated); importing the same file again returns (0, 0)."""

    @abstractmethod
    def indicators(self, warning: str | None = None, active_at: str | None = None) -> list[dict[str, Any]]:
        """Kept indicators (of one warning reference), ordered by kind and value; with ``active_at`` (ISO UTC) only
        those whose ``valid_until`` is empty or later. Each dict also has ``imported`` (first kept, ISO UTC)."""
