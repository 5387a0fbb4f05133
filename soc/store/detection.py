"""The embedded store's detection run: compiled rules (DuckDB SQL over the view ``events``) run over the stored
Parquet events, each rule scoped to its scan window. Reads only; never changes a stored event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb

from soc.store.duck import ident, literal
from soc.store.events_api import DetectionRun, QueryFailed
from soc.store.types import ScanWindow

ALL_EVENTS = "soc_all_events"  # every stored event; each rule reads the view "events" scoped over it


def _timestamp(moment: datetime) -> str:
    return f"TIMESTAMP {literal(moment.strftime('%Y-%m-%d %H:%M:%S.%f'))}"


def _new_events_filter(window: ScanWindow) -> str | None:
    """SQL filter of the events a rule has not seen yet (None: all events)."""
    if window.timestamp_from is not None:
        return f'"@timestamp" >= {_timestamp(window.timestamp_from)}'
    if window.ingested_after is not None:
        return f'"event.ingested" > {_timestamp(window.ingested_after)}'
    return None


def _scope(window: ScanWindow, correlation: bool) -> str:
    """The view of events a rule reads: its new events, plus for a correlation the events up to one timespan
    before the earliest new one, so windows spanning two scans are found."""
    new = _new_events_filter(window)
    if new is None:
        return f"SELECT * FROM {ALL_EVENTS}"
    if not correlation:
        return f"SELECT * FROM {ALL_EVENTS} WHERE {new}"
    start = f'(SELECT min("@timestamp") FROM {ALL_EVENTS} WHERE {new})'
    return f'SELECT * FROM {ALL_EVENTS} WHERE "@timestamp" >= {start} - INTERVAL {int(window.lookback_seconds)} SECOND'


def _value(fields: Sequence[str]) -> str:
    """A column of the alert: the first of ``fields`` that is not NULL."""
    if len(fields) == 1:
        return ident(fields[0])
    return f"coalesce({', '.join(ident(f) for f in fields)})"


class EmbeddedDetection(DetectionRun):
    """A scan over the view :data:`ALL_EVENTS` of ``con`` (made by ``EventStore.detection``), closed on exit."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con
        self.events, self.latest_ingested = con.execute(
            f'SELECT count(*), max("event.ingested") FROM {ALL_EVENTS}').fetchone()

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def _fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Column names and rows of ``sql``; a refused query raises :class:`QueryFailed`."""
        try:
            cur = self._con.execute(sql, params)
            return [d[0] for d in cur.description or ()], cur.fetchall()
        except duckdb.Error as exc:
            raise QueryFailed(str(exc)) from exc

    def _window(self, window: ScanWindow, correlation: bool) -> None:
        self._fetch(f"CREATE OR REPLACE TEMP VIEW {ident('events')} AS {_scope(window, correlation)}")

    def matches(self, queries: Sequence[str], window: ScanWindow, columns: Mapping[str, Sequence[str]]
                ) -> list[dict[str, Any]]:
        self._window(window, correlation=False)
        cols = ", ".join(f"{_value(fields)} AS {ident(name)}" for name, fields in columns.items())
        union = " UNION ".join(f'SELECT "event.id" AS eid, "@timestamp" AS ts, {cols} FROM ({q})' for q in queries)
        names, rows = self._fetch(union + " ORDER BY ts, eid")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def correlations(self, queries: Sequence[str], window: ScanWindow) -> list[tuple]:
        self._window(window, correlation=True)
        return [row for query in queries for row in self._fetch(query)[1]]

    def values(self, event_ids: Sequence[str], columns: Mapping[str, Sequence[str]]) -> list[tuple]:
        return self._fetch(f"SELECT {', '.join(_value(fields) for fields in columns.values())} FROM {ALL_EVENTS} "
                           'WHERE "event.id" IN (SELECT unnest($ids))', {"ids": list(event_ids)})[1]
