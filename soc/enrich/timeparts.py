"""Local-time parts of each event (hour of day, ISO weekday in the configured timezone) for out-of-hours rules.

Sigma has no time-of-day modifier, so rules match ``soc.time.hour`` / ``soc.time.weekday`` instead. Computed in
one SQL statement over the batch; never changes ``@timestamp`` (stored UTC).
"""

from __future__ import annotations

import duckdb

from soc.config import Config
from soc.store.duck import ident, literal


def enrich(con: duckdb.DuckDBPyConnection, table: str, cfg: Config) -> None:
    """Set ``soc.time.hour`` (0–23) and ``soc.time.weekday`` (1 = Monday … 7 = Sunday), local time."""
    local = f"timezone({literal(cfg.timezone)}, \"@timestamp\" AT TIME ZONE 'UTC')"
    for name in ("soc.time.hour", "soc.time.weekday"):
        con.execute(f"ALTER TABLE {ident(table)} ADD COLUMN IF NOT EXISTS {ident(name)} BIGINT")
    con.execute(f'UPDATE {ident(table)} SET "soc.time.hour" = hour({local}), "soc.time.weekday" = isodow({local}) '
                f'WHERE "@timestamp" IS NOT NULL')
