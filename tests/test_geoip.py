"""Offline GeoIP enrichment: countries on ingested events from a configured CSV, nothing without one."""

from __future__ import annotations

from soc.config import from_dict
from soc.ingest.engine import ingest_paths
from soc.store import EventStore

LINES = ('14.161.3.9 - - [24/Nov/2026:10:00:01 +0700] "GET / HTTP/1.1" 200 1 "-" "x"\n'
         '45.0.0.7 - - [24/Nov/2026:10:00:02 +0700] "GET / HTTP/1.1" 200 1 "-" "x"\n'
         '10.0.0.1 - - [24/Nov/2026:10:00:03 +0700] "GET / HTTP/1.1" 200 1 "-" "x"\n')


def _countries(cfg, tmp_path):
    log = tmp_path / "a.log"
    log.write_text(LINES)
    ingest_paths(cfg, [log])
    con = EventStore(cfg.data_dir).open_events()
    return con.execute('SELECT "source.ip", "source.geo.country_iso_code" FROM events ORDER BY 1').fetchall()


def test_country_codes_from_csv(tmp_path):
    geo = tmp_path / "geo.csv"
    geo.write_text("14.160.0.0,14.191.255.255,vn\n45.0.0.0,45.0.0.255,US\n")
    cfg = from_dict({"enrich": {"geoip_csv": str(geo)}}, data_dir=tmp_path / "d")
    assert _countries(cfg, tmp_path) == [("10.0.0.1", None), ("14.161.3.9", "VN"), ("45.0.0.7", "US")]


def test_no_csv_no_country(tmp_path):
    cfg = from_dict({}, data_dir=tmp_path / "d")
    assert {c for _, c in _countries(cfg, tmp_path)} == {None}
