"""Correlation windows, incremental scans, the scan lock and a differential check against pySigma's SQLite backend."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from detect_helpers import at, event, store
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

from soc import paths
from soc.config import from_dict
from soc.detect.backend import DuckDBBackend
from soc.detect.pipeline import ecs_pipeline
from soc.detect.rules import compile_rules
from soc.detect.scan import ScanLocked, scan_lock
from soc.store.embedded import EventStore
from soc.store.state import StateDB
from soc.triage.intake import scan as run_scan

BRUTE = """
title: failed
id: 10000000-0000-0000-0000-000000000001
name: failed
logsource: {product: linux, service: sshd}
detection:
  sel:
    system.auth.ssh.event: Failed
  condition: sel
---
title: brute
id: 10000000-0000-0000-0000-000000000002
name: brute
correlation:
  type: event_count
  rules: [failed]
  group-by: [source.ip]
  timespan: 5m
  condition: {gte: 10}
level: high
"""


def failures(ip: str, times: list[float]) -> list[dict]:
    return [
        event(event__dataset="system.auth", system__auth__ssh__event="Failed", system__auth__ssh__method="password", source__ip=ip, **{"@timestamp": at(t)},
              user__name=f"u{i}", event__id=f"{ip}-{t}")
        for i, t in enumerate(times)
    ]


@pytest.fixture
def env(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "brute.yml").write_text(BRUTE)
    return from_dict({}, data_dir=tmp_path / "data"), rules


def alerts(cfg) -> list[dict]:
    state = StateDB(Path(cfg.data_dir) / "state.db")
    try:
        return state.alerts()
    finally:
        state.close()


def test_spread_failures_do_not_fire_but_a_burst_does(env):
    cfg, rules = env
    store(cfg.data_dir, failures("198.51.100.1", [i * 40 for i in range(10)]))  # 10 over 6 minutes
    store(cfg.data_dir, failures("203.0.113.1", [i * 30 for i in range(10)]))  # 10 within 4.5 minutes
    store(cfg.data_dir, failures("203.0.113.2", [i * 10 for i in range(9)]))  # only 9
    summary = run_scan(cfg, rules_dir=rules)
    assert not summary.errors
    (alert,) = alerts(cfg)
    assert alert["group_key"] == "source.ip=203.0.113.1"
    assert alert["source_ip"] == "203.0.113.1"
    assert alert["event_count"] == 10
    assert alert["first_time"].startswith("2026-11-24T03:00:00") and alert["last_time"].startswith("2026-11-24T03:04:30")


def test_overlapping_windows_merge_into_one_alert_per_burst(env):
    cfg, rules = env
    # 30 failures over 15 minutes (every 30 s): many qualifying windows, one burst; a second burst an hour later.
    store(cfg.data_dir, failures("203.0.113.5", [i * 30 for i in range(30)] + [3600 + i for i in range(12)]))
    run_scan(cfg, rules_dir=rules)
    found = sorted(alerts(cfg), key=lambda a: a["first_time"])
    assert [a["event_count"] for a in found] == [30, 12]


def test_rescan_adds_nothing_and_late_events_extend_the_alert(env):
    cfg, rules = env
    store(cfg.data_dir, failures("203.0.113.7", [i * 10 for i in range(10)]), ingested=datetime(2026, 11, 24, 4, 0))
    first = run_scan(cfg, rules_dir=rules)
    assert first.new_alerts == 1
    again = run_scan(cfg, rules_dir=rules)
    assert (again.new_alerts, again.updated_alerts) == (0, 0)
    full = run_scan(cfg, rules_dir=rules, full=True)
    assert (full.new_alerts, full.updated_alerts) == (0, 0)
    # The attack goes on; its events arrive in a later ingest: the same alert grows.
    store(cfg.data_dir, failures("203.0.113.7", [100 + i * 10 for i in range(5)]), ingested=datetime(2026, 11, 24, 5, 0))
    later = run_scan(cfg, rules_dir=rules)
    assert (later.new_alerts, later.updated_alerts) == (0, 1)
    (alert,) = alerts(cfg)
    assert alert["event_count"] == 15


def test_window_spanning_two_ingests_is_found(env):
    cfg, rules = env
    store(cfg.data_dir, failures("203.0.113.8", [i * 10 for i in range(6)]), ingested=datetime(2026, 11, 24, 4, 0))
    assert run_scan(cfg, rules_dir=rules).new_alerts == 0
    store(cfg.data_dir, failures("203.0.113.8", [60 + i * 10 for i in range(4)]), ingested=datetime(2026, 11, 24, 6, 0))
    assert run_scan(cfg, rules_dir=rules).new_alerts == 1
    assert alerts(cfg)[0]["event_count"] == 10


def test_detection_rule_alerts_are_deterministic(tmp_path: Path):
    cfg = from_dict({}, data_dir=tmp_path / "data")
    store(cfg.data_dir, [event(url__original="/.git/config", url__path="/.git/config", http__response__status_code=200,
                               source__ip="203.0.113.9")])
    rules = paths.rules_dir()
    assert run_scan(cfg, rules_dir=rules).new_alerts == 1
    assert run_scan(cfg, rules_dir=rules, full=True).new_alerts == 0
    assert run_scan(cfg, rules_dir=rules, since=datetime(2026, 1, 1)).new_alerts == 0
    (alert,) = alerts(cfg)
    assert alert["rule_title"] and alert["source_ip"] == "203.0.113.9"


def test_second_scan_is_refused_while_one_runs(env):
    cfg, rules = env
    with scan_lock(cfg.data_dir):
        with pytest.raises(ScanLocked, match="another scan is running"):
            run_scan(cfg, rules_dir=rules)
    run_scan(cfg, rules_dir=rules)  # free again


def test_broken_rule_is_reported_and_the_scan_goes_on(env):
    cfg, rules = env
    (rules / "bad.yml").write_text("title: bad\nlogsource: {category: webserver}\ndetection:\n  condition: nothing\n")
    (rules / "badre.yml").write_text(
        "title: badre\nlogsource: {category: webserver}\ndetection:\n  s:\n    cs-uri|re: '(?<=x)y'\n  condition: s\n"
    )
    store(cfg.data_dir, failures("203.0.113.1", [i for i in range(10)]) + [event(url__original="/x")])
    summary = run_scan(cfg, rules_dir=rules)
    assert summary.new_alerts == 1
    assert any("bad.yml" in e for e in summary.errors) and any("badre.yml" in e for e in summary.errors)


def test_temporal_and_value_count(tmp_path: Path):
    cfg = from_dict({}, data_dir=tmp_path / "data")
    evs = failures("203.0.113.3", [i * 5 for i in range(12)])  # 12 distinct users
    evs += failures("203.0.113.4", [i * 5 for i in range(12)])
    for e in evs[12:]:
        e["user.name"] = "root"  # one user only
    ok = event(event__dataset="system.auth", system__auth__ssh__event="Accepted", source__ip="203.0.113.3",
               **{"@timestamp": at(200)})
    early = event(event__dataset="system.auth", system__auth__ssh__event="Accepted", source__ip="203.0.113.4",
                  **{"@timestamp": at(-100)})  # success *before* the brute force: not ordered
    store(cfg.data_dir, [*evs, ok, early])
    summary = run_scan(cfg)
    assert not summary.errors
    by_rule: dict[str, set[str]] = {}
    rules = {r.id: r.rule.name for r in compile_rules().rules}
    for a in alerts(cfg):
        by_rule.setdefault(rules[a["rule_id"]], set()).add(a["group_key"])
    assert by_rule["ssh_password_spraying"] == {"source.ip=203.0.113.3"}
    assert by_rule["ssh_bruteforce"] == {"source.ip=203.0.113.3", "source.ip=203.0.113.4"}
    assert by_rule["ssh_success_after_bruteforce"] == {"source.ip=203.0.113.3"}


# -- differential: same events, same rules, pySigma's official SQLite backend ----------------------------------
def _sqlite_copy(con) -> sqlite3.Connection:
    rows = con.execute("SELECT * FROM events").fetchall()
    cols = [d[0] for d in con.description]
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None)
    db.execute("CREATE TABLE logs (" + ", ".join(f'"{c}" TEXT COLLATE NOCASE' for c in cols) + ")")
    keep = [i for i, c in enumerate(cols) if not isinstance(rows[0][i], list)]
    db.executemany(
        f"INSERT INTO logs VALUES ({','.join('?' * len(cols))})",
        [[None if i not in keep else (str(v) if v is not None else None) for i, v in enumerate(r)] for r in rows],
    )
    return db


def test_same_matches_as_pysigma_sqlite_backend(tmp_path: Path):
    from soc.enrich.pipeline import ingest_paths

    cfg = from_dict({}, data_dir=tmp_path)
    for log in sorted(paths.rules_dir().glob("web/samples/*/*.log")):
        ingest_paths(cfg, [log], parser="nginx_combined")
    for log in sorted(paths.rules_dir().glob("auth/samples/sudo_root_shell/*.log")):
        ingest_paths(cfg, [log], parser="linux_auth")
    con = EventStore(tmp_path).open_events()
    db = _sqlite_copy(con)
    compared = 0
    # Detection rules only: the SQLite backend's correlations have no sliding windows to compare with.
    for path in [*sorted(paths.rules_dir().glob("web/*.yml")), paths.rules_dir() / "auth/sudo_root_shell.yml"]:
        if "correlation:" in path.read_text():
            continue
        coll = SigmaCollection.from_yaml(path.read_text())
        ours = DuckDBBackend(ecs_pipeline()).convert(coll)
        theirs = sqliteBackend(ecs_pipeline(), collate_nocase=True).convert(coll)
        for mine, other in zip(ours, theirs, strict=True):
            got = {r[0] for r in con.execute(f'SELECT "event.id" FROM ({mine})').fetchall()}
            want = {r[0] for r in db.execute(other.replace("SELECT *", 'SELECT "event.id"', 1)).fetchall()}
            assert got == want, path
            assert got, path
            compared += 1
    assert compared >= 7


def test_since_rescans_by_timestamp(env):
    cfg, rules = env
    cfg.scan_overlap_minutes = 0
    store(cfg.data_dir, failures("203.0.113.1", [i for i in range(10)]))
    run_scan(cfg, rules_dir=rules)
    state = StateDB(Path(cfg.data_dir) / "state.db")
    state.con.execute("DELETE FROM alerts")
    state.close()
    assert run_scan(cfg, rules_dir=rules).new_alerts == 0  # watermark: nothing new
    assert run_scan(cfg, rules_dir=rules, since=at(-60)).new_alerts == 1
    assert run_scan(cfg, rules_dir=rules, since=at(0) + timedelta(days=1)).new_alerts == 0


SCANNER = """
title: scanner
id: 10000000-0000-0000-0000-000000000009
logsource: {category: webserver}
alert_group_by: source.ip
alert_group_window: 30m
detection:
  sel:
    cs-user-agent|contains: sqlmap
  condition: sel
level: medium
"""


def scans(ip: str, minutes: list[float]) -> list[dict]:
    return [event(url__original=f"/?id={m}", user_agent__original="sqlmap/1.8", source__ip=ip,
                  event__id=f"{ip}-{m}", **{"@timestamp": at(m * 60)}) for m in minutes]


def test_grouped_detection_rule_one_alert_per_source_and_burst(tmp_path: Path):
    """alert_group_by/alert_group_window: one alert per client and burst; a later ingest of the same burst widens
    it; a burst after a quiet gap longer than the window, or another client, opens its own; rescans add nothing."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "scanner.yml").write_text(SCANNER)
    cfg = from_dict({}, data_dir=tmp_path / "data")
    store(cfg.data_dir, scans("198.51.100.7", [0, 1, 2, 10]) + scans("198.51.100.8", [5]),
          ingested=datetime(2026, 11, 24, 4, 0))
    assert run_scan(cfg, rules_dir=rules).new_alerts == 2
    store(cfg.data_dir, scans("198.51.100.7", [30, 35]) + scans("198.51.100.7", [120]),  # 30 ≤ 10+30: same burst
          ingested=datetime(2026, 11, 24, 5, 0))
    later = run_scan(cfg, rules_dir=rules)
    assert (later.new_alerts, later.updated_alerts) == (1, 1)
    assert run_scan(cfg, rules_dir=rules, full=True).new_alerts == 0
    got = sorted((a["group_key"], a["event_count"], a["first_time"][11:16]) for a in alerts(cfg))
    assert got == [("198.51.100.7", 1, "05:00"), ("198.51.100.7", 6, "03:00"), ("198.51.100.8", 1, "03:05")]


def test_bad_grouping_attribute_is_a_rule_error(env):
    cfg, rules = env
    (rules / "grp.yml").write_text(SCANNER.replace("alert_group_by: source.ip", "alert_group_by: url.path"))
    store(cfg.data_dir, scans("198.51.100.9", [0]))
    summary = run_scan(cfg, rules_dir=rules)
    assert any("grp.yml" in e and "alert_group_by" in e for e in summary.errors)
