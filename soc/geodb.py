"""Offline country lookup from a CSV of IP ranges (``start,end,country`` — e.g. the free DB-IP / IP2Location LITE
country CSV a province downloads), for the GeoIP enricher and the reports. A core module: it imports no stage.
No network, no database service: ranges are loaded once and searched with bisect; an address not in a range is
"unknown" — never guessed.
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
