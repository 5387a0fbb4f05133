"""Offline country lookup from a CSV of IP ranges (``start,end,country`` — e.g. the free DB-IP / IP2Location LITE
country CSV a province downloads). No network, no database service: ranges are loaded once and searched with
bisect. Without a configured file every public address is "unknown" — never guessed.
"""

from __future__ import annotations

import bisect
import csv
import ipaddress
from functools import cache
from pathlib import Path


class GeoIP:
    def __init__(self, path: Path):
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.countries: list[str] = []
        rows = []
        with open(path, encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.reader(fh), start=1):
                if len(row) < 3 or row[0].startswith("#"):
                    continue
                try:
                    lo, hi = int(ipaddress.ip_address(row[0].strip())), int(ipaddress.ip_address(row[1].strip()))
                except ValueError as exc:
                    if n == 1:  # a header line
                        continue
                    raise ValueError(f"{path}:{n}: not an IP range ({exc})") from exc
                rows.append((lo, hi, row[2].strip().upper()))
        rows.sort()
        for lo, hi, cc in rows:
            self.starts.append(lo)
            self.ends.append(hi)
            self.countries.append(cc)

    def country(self, ip: str) -> str | None:
        try:
            value = int(ipaddress.ip_address(ip))
        except ValueError:
            return None
        i = bisect.bisect_right(self.starts, value) - 1
        if i >= 0 and value <= self.ends[i]:
            return self.countries[i]
        return None


@cache
def load(path: str) -> GeoIP:
    return GeoIP(Path(path))


def enrich(con, table: str, cfg) -> None:
    """Set ``source.geo.country_iso_code`` from ``[enrich] geoip_csv`` (nothing without it): distinct source
    addresses of the batch are looked up once each in Python and joined back in DuckDB."""
    import pyarrow as pa

    from soc.ingest import fastcols
    from soc.store.duck import ident

    path = cfg.raw.get("enrich", {}).get("geoip_csv")
    if not path:
        return
    cols = {r[0] for r in con.execute(f"DESCRIBE {ident(table)}").fetchall()}
    if "source.ip" not in cols:
        return
    geo = load(str(path))
    ips = [r[0] for r in con.execute(f'SELECT DISTINCT "source.ip" FROM {ident(table)} '
                                     'WHERE "source.ip" IS NOT NULL').fetchall()]
    found = [(ip, cc) for ip in ips if (cc := geo.country(ip))]
    con.execute(f'ALTER TABLE {ident(table)} ADD COLUMN IF NOT EXISTS "source.geo.country_iso_code" VARCHAR')
    if not found:
        return
    con.register("soc_geo", pa.table({"ip": fastcols.text_column([f[0] for f in found]),
                                      "cc": fastcols.text_column([f[1] for f in found])}))
    con.execute(f'UPDATE {ident(table)} t SET "source.geo.country_iso_code" = g.cc FROM soc_geo g '
                'WHERE t."source.ip" = g.ip').fetchall()
    con.unregister("soc_geo")
