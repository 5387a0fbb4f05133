"""Enrichment: steps that add fields to a freshly mapped batch of events (personal-data detectors, lookups).

The ingest engine knows none of them: its caller hands it :func:`default_enrichers` (``soc.enrich.pipeline`` does).
A row enricher ``(MappedBatch) -> None`` updates/extends the batch's table in the workspace; an enricher that is
only SQL over an event's own mapped fields is a column enricher ``cfg -> {field: SQL expression}`` instead: its
columns are computed in the statement that maps the batch (an UPDATE of every row of a wide batch costs more).
Enrichers add facts; they never decide what is an incident (rules do).
"""

from __future__ import annotations

from soc.config import Config
from soc.enrich import first_country, geoip, pii_enrich, timeparts
from soc.intel import enrich as indicators
from soc.store.workspace import Enrichers


def default_enrichers(cfg: Config | None = None) -> Enrichers:
    """The shipped enrichers in their order: local time parts (columns), then GeoIP, first login from a country
    (it needs the country), personal data and indicators of compromise (``soc.intel.enrich``). Each reads its own
    settings from the batch's config, so the same enrichers serve any ``cfg``; the indicators are read once per
    call (one ingest run)."""
    return Enrichers(rows=(geoip.enrich, first_country.enrich, pii_enrich.enrich, indicators.Matcher()),
                     columns=(timeparts.columns,))
