"""First login of an account from a country: ``soc.auth.first_from_country = true`` on a successful
authentication whose (account, ``source.geo.country_iso_code``) pair no earlier stored event has.

Rules then tell "this account logs in from abroad for the first time" from a login abroad that has happened
before (an administrator on a known posting). The store is the history: no separate state to lose or to get out
of step after a crash, and re-reading a file changes nothing. Only the first event of a new pair in a batch is
marked. Needs the country, so ``[enrich] geoip_csv`` (soc.enrich.geoip runs before this enricher).
"""

from __future__ import annotations

import duckdb

from soc.config import Config
from soc.store.duck import ident

FLAG = "soc.auth.first_from_country"
COUNTRY = "source.geo.country_iso_code"
NEEDED = ("@timestamp", "user.name", COUNTRY, "event.outcome", "event.category")


def _successful_login(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return (f"{a}\"event.outcome\" = 'success' AND list_contains({a}\"event.category\", 'authentication') "
            f"AND {a}\"user.name\" IS NOT NULL AND {a}\"user.name\" <> '' AND {a}{ident(COUNTRY)} IS NOT NULL")


def enrich(con: duckdb.DuckDBPyConnection, table: str, cfg: Config) -> None:
    columns = {r[0] for r in con.execute(f"DESCRIBE {ident(table)}").fetchall()}
    if not set(NEEDED) <= columns:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE soc_first_logins AS "
        f'SELECT lower("user.name") AS account, {ident(COUNTRY)} AS country, min("@timestamp") AS first_at, '
        f'arg_min(rowid, "@timestamp") AS rid FROM {ident(table)} WHERE {_successful_login()} GROUP BY 1, 2'
    )
    if con.execute("SELECT count(*) FROM soc_first_logins").fetchone()[0]:
        from soc.store.embedded import EventStore

        con.execute(f"ALTER TABLE {ident(table)} ADD COLUMN IF NOT EXISTS {ident(FLAG)} BOOLEAN")
        EventStore(cfg.data_dir).open_events(con, need=NEEDED, name="soc_stored_events")  # empty view on an empty store
        con.execute(
            "DELETE FROM soc_first_logins f WHERE EXISTS (SELECT 1 FROM soc_stored_events e "
            f"WHERE {_successful_login('e')} "
            f'AND lower(e."user.name") = f.account AND e.{ident(COUNTRY)} = f.country AND e."@timestamp" < f.first_at)'
        )
        con.execute(f"UPDATE {ident(table)} SET {ident(FLAG)} = true "
                    f"WHERE rowid IN (SELECT rid FROM soc_first_logins)").fetchall()
    con.execute("DROP TABLE soc_first_logins")
