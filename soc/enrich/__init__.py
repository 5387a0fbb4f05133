"""Enrichment: steps that add fields to a freshly mapped batch of events (personal-data detectors, lookups).

Each enricher is a function ``(con, table, cfg) -> None`` that updates/extends the DuckDB table ``table`` in place.
They run in ``ENRICHERS`` order inside ingest, after parsing and before storage. An enricher that is only SQL over
an event's own mapped fields is a ``COLUMN_ENRICHERS`` function ``cfg -> {field: SQL expression}`` instead: its
columns are computed in the statement that creates the batch (an UPDATE of every row of a wide batch costs more).
Enrichers add facts; they never decide what is an incident (rules do).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from soc.config import Config

Enricher = Callable[[duckdb.DuckDBPyConnection, str, Config], None]
ENRICHERS: list[Enricher] = []
COLUMN_ENRICHERS: list[Callable[[Config], dict[str, str]]] = []


def enrichment_columns(cfg: Config) -> dict[str, str]:
    """The ``COLUMN_ENRICHERS``' fields and their SQL, over a mapped batch's columns."""
    return {name: expr for columns in COLUMN_ENRICHERS for name, expr in columns(cfg).items()}


def enrich_batch(con: duckdb.DuckDBPyConnection, table: str, cfg: Config) -> None:
    """Run every registered enricher over ``table``."""
    for enricher in ENRICHERS:
        enricher(con, table, cfg)


def _register() -> None:
    from soc.enrich import first_country, geoip, pii_enrich, timeparts

    COLUMN_ENRICHERS.append(timeparts.columns)
    ENRICHERS.extend([geoip.enrich, first_country.enrich, pii_enrich.enrich])


_register()
