"""Injected personal-data exposure incidents of the demo province (public-service portal, JSON access log).

Modelled on the 2025 breaches (mass reads and exports from citizen-facing systems). Identifiers are synthetic:
valid in structure (province code, birth year) so the detectors see them, but drawn at random.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from soc.demo.common import BROWSERS, Line
from soc.demo.web import dvc_json, record_code

PROVINCES = ("001", "019", "022", "031", "036", "038", "040", "079")


def citizen_number(rng: random.Random) -> str:
    century = rng.choice("0123")
    year = rng.randint(40, 99) if century in "01" else rng.randint(0, 8)
    return f"{rng.choice(PROVINCES)}{century}{year:02d}{rng.randrange(1_000_000):06d}"


def record_scraping(rng: random.Random, t: datetime, ip: str, n: int = 70) -> list[Line]:
    """One client walking through dossiers by citizen number, a request every few seconds."""
    ua = rng.choice(BROWSERS)
    out = []
    for _ in range(n):
        uri = f"/api/hoso/tra-cuu?maHoSo={record_code(rng, t.date())}&soDinhDanh={citizen_number(rng)}"
        out.append(Line(t, dvc_json(t, ip, "GET", uri, 200, rng.randint(1_800, 3_400), "", ua), "pii-enumeration"))
        t += timedelta(milliseconds=rng.randint(2_000, 7_000))
    return out


def bulk_export(rng: random.Random, t: datetime, ip: str) -> list[Line]:
    """A night-time export of the whole dossier register as a spreadsheet, then a zipped copy."""
    ua = rng.choice(BROWSERS)
    reqs = [
        ("/api/bao-cao/export?loai=ho-so&tuNgay=2020-01-01&format=xlsx", rng.randint(60_000_000, 90_000_000)),
        ("/api/bao-cao/export?loai=cong-dan&format=zip", rng.randint(120_000_000, 200_000_000)),
    ]
    out = []
    for uri, size in reqs:
        out.append(Line(t, dvc_json(t, ip, "GET", uri, 200, size, "", ua), "bulk-export"))
        t += timedelta(seconds=rng.randint(40, 200))
    return out
