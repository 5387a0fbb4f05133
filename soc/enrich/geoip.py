"""The GeoIP enricher: ``source.geo.country_iso_code`` from the offline CSV of ``[enrich] geoip_csv`` (looked up
with ``soc.geodb``). Without a configured file nothing is set: every public address stays "unknown", never guessed.
"""

from __future__ import annotations

import pyarrow as pa

from soc import fastcols
from soc.geodb import GeoIP, load
from soc.store.duck import ident
from soc.store.workspace import MappedBatch

COUNTRY = "source.geo.country_iso_code"

__all__ = ["GeoIP", "enrich", "load"]


def enrich(batch: MappedBatch) -> None:
    """Set ``source.geo.country_iso_code`` from ``[enrich] geoip_csv`` (nothing without it): distinct source
    addresses of the batch are looked up once each in Python and joined back in the workspace."""
    path = batch.cfg.raw.get("enrich", {}).get("geoip_csv")
    if not path:
        return
    ws, table = batch.workspace, batch.table
    if "source.ip" not in ws.columns(table):
        return
    geo = load(str(path))
    found = [(ip, cc) for ip in ws.distinct(table, "source.ip") if (cc := geo.country(ip))]
    ws.add_column(table, COUNTRY, "VARCHAR")
    if not found:
        return
    ws.update_from(table, pa.table({"ip": fastcols.text_column([f[0] for f in found]),
                                    "cc": fastcols.text_column([f[1] for f in found])}),
                   {COUNTRY: "u.cc"}, f'{ident(table)}."source.ip" = u.ip')
