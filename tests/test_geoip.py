"""Offline GeoIP enrichment: countries on ingested events from a configured CSV, nothing without one."""

from __future__ import annotations

from soc.config import from_dict
from soc.enrich.pipeline import ingest_paths
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


def _login(day: int, user: str, ip: str, minute: int = 0) -> str:
    return f"Nov {day:2d} 08:{minute:02d}:00 bastion sshd[{day}{minute}]: Accepted password for {user} from {ip} port 50122 ssh2\n"


def _first_flags(cfg) -> list[tuple]:
    con = EventStore(cfg.data_dir).open_events()
    try:
        return con.execute('SELECT "user.name", "source.geo.country_iso_code", "soc.auth.first_from_country" '
                           'FROM events ORDER BY "@timestamp"').fetchall()
    finally:
        con.close()


def test_first_login_from_a_country_is_marked_once_per_account_across_runs_and_sources(tmp_path):
    """History is the store: a country an account already logged in from is not new, whichever run or source
    brought the earlier login; the SSO login from abroad of another account is new; re-reading changes nothing."""
    from soc.store.state import StateDB
    from soc.triage.intake import scan as run_scan

    geo = tmp_path / "geo.csv"
    geo.write_text("14.160.0.0,14.191.255.255,VN\n45.0.0.0,45.0.0.255,US\n103.0.0.0,103.0.0.255,CN\n")
    cfg = from_dict({"enrich": {"geoip_csv": str(geo)}}, data_dir=tmp_path / "d")
    day1, day2, sso = tmp_path / "auth-1.log", tmp_path / "auth-2.log", tmp_path / "keycloak.log"
    day1.write_text(_login(20, "quantri", "14.161.3.9") + _login(21, "quantri", "45.0.0.7")
                    + _login(21, "quantri", "45.0.0.8", minute=30))  # second US login in the same batch: not new
    ingest_paths(cfg, [day1])
    day2.write_text(_login(22, "quantri", "45.0.0.9") + _login(22, "QuanTri", "103.0.0.5", minute=5)
                    + _login(22, "canbo01", "45.0.0.7", minute=10))
    ingest_paths(cfg, [day2])
    sso.write_text('2026-11-23 10:00:09,456 INFO  [org.keycloak.events] (executor-thread-12) type="LOGIN", '
                   'realmId="r", realmName="sotttt", clientId="dichvucong", userId="u-1", ipAddress="45.0.0.20", '
                   'auth_method="openid-connect", username="nguyenvana"\n')
    ingest_paths(cfg, [sso])
    ingest_paths(cfg, [day1, day2, sso])  # nothing new, nothing changed
    flags = {(u, c): f for u, c, f in _first_flags(cfg) if f}
    assert set(flags) == {("quantri", "VN"), ("quantri", "US"), ("QuanTri", "CN"), ("canbo01", "US"),
                          ("nguyenvana", "US")}
    rows = _first_flags(cfg)
    assert [f for u, c, f in rows if (u, c) == ("quantri", "US")] == [True, None, None]
    run_scan(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    try:
        abroad = sorted((a["user_name"], a["event_count"]) for a in db.alerts()
                        if a["rule_id"] == "3f6b2c1e-7a4d-4e59-9b1f-5c2d8e7a0b14")
    finally:
        db.close()
    assert sorted(u.lower() for u, _ in abroad) == ["canbo01", "nguyenvana", "quantri", "quantri"]  # US, then CN
