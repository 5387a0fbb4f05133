"""Local-time parts of each event (hour of day, ISO weekday in the configured timezone) for out-of-hours rules.

Sigma has no time-of-day modifier, so rules match ``soc.time.hour`` / ``soc.time.weekday`` instead. Computed in
the statement that maps a batch to ECS (a column expression, not an UPDATE of the batch: see
:mod:`soc.ingest.enrichment`); never changes ``@timestamp`` (stored UTC).
"""

from __future__ import annotations

from soc.config import Config
from soc.store.duck import literal


def columns(cfg: Config) -> dict[str, str]:
    """``soc.time.hour`` (0–23) and ``soc.time.weekday`` (1 = Monday … 7 = Sunday), local time, as SQL over the
    mapped ``@timestamp`` (NULL where it is NULL)."""
    local = f"timezone({literal(cfg.timezone)}, \"@timestamp\" AT TIME ZONE 'UTC')"
    return {"soc.time.hour": f"CAST(hour({local}) AS BIGINT)", "soc.time.weekday": f"CAST(isodow({local}) AS BIGINT)"}
