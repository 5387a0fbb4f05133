"""Enrichment: steps that add fields to a freshly mapped batch of events (personal-data detectors, lookups).

Each enricher is a function ``(con, table, cfg) -> None`` that updates/extends the DuckDB table ``table`` in place.
They run in ``ENRICHERS`` order inside ingest, after parsing and before storage. Enrichers add facts; they never
decide what is an incident (rules do).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from soc.config import Config

Enricher = Callable[[duckdb.DuckDBPyConnection, str, Config], None]
ENRICHERS: list[Enricher] = []


def enrich_batch(con: duckdb.DuckDBPyConnection, table: str, cfg: Config) -> None:
    """Run every registered enricher over ``table``."""
    for enricher in ENRICHERS:
        enricher(con, table, cfg)


def _register() -> None:
    from soc.enrich import first_country, geoip, pii_enrich, timeparts

    ENRICHERS.extend([timeparts.enrich, geoip.enrich, first_country.enrich, pii_enrich.enrich])


_register()
