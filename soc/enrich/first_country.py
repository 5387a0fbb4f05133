"""First login of an account from a country: ``soc.auth.first_from_country = true`` on a successful
authentication whose (account, ``source.geo.country_iso_code``) pair no earlier stored event has.

Rules then tell "this account logs in from abroad for the first time" from a login abroad that has happened
before (an administrator on a known posting). The store is the history: no separate state to lose or to get out
of step after a crash, and re-reading a file changes nothing. Only the first event of a new pair in a batch is
marked. Needs the country, so ``[enrich] geoip_csv`` (soc.enrich.geoip runs before this enricher).
"""

from __future__ import annotations

import pyarrow.compute as pc

from soc.store.duck import ident
from soc.store.workspace import MappedBatch

FLAG = "soc.auth.first_from_country"
COUNTRY = "source.geo.country_iso_code"
NEEDED = ("@timestamp", "user.name", COUNTRY, "event.outcome", "event.category")


def _successful_login() -> str:
    """SQL: the event is a successful authentication of a named account from a known country."""
    return ("\"event.outcome\" = 'success' AND list_contains(\"event.category\", 'authentication') "
            f"AND \"user.name\" IS NOT NULL AND \"user.name\" <> '' AND {ident(COUNTRY)} IS NOT NULL")


def enrich(batch: MappedBatch) -> None:
    ws, table = batch.workspace, batch.table
    if not set(NEEDED) <= set(ws.columns(table)):
        return
    # per (account, country) of the batch: its first successful login (time and row)
    firsts = ws.select_arrow(table, {"account": 'lower("user.name")', "country": ident(COUNTRY),
                                     "first_at": 'min("@timestamp")', "rid": 'arg_min(rowid, "@timestamp")'},
                             where=_successful_login(), group_by=2)
    if not firsts.num_rows:
        return
    ws.add_column(table, FLAG, "BOOLEAN")
    seen = batch.events.seen_before(firsts, {"account": 'lower("user.name")', "country": ident(COUNTRY)},
                                    _successful_login(), fields=NEEDED)
    new = firsts.filter(pc.invert(pc.is_in(firsts["rid"], seen["rid"])))
    if new.num_rows:
        ws.update_from(table, new.select(["rid"]), {FLAG: "true"}, f"{ident(table)}.rowid = u.rid")
