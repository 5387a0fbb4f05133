"""Incremental scans open only the event files that can hold new events: the store keeps each file's
``event.ingested`` / ``@timestamp`` range (a manifest written at append, rebuilt from the files when lost)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from detect_helpers import event, store
from test_detect_scan import BRUTE

from soc.config import from_dict
from soc.store.embedded import EventStore
from soc.store.file_ranges import MANIFEST
from soc.store.state import StateDB
from soc.triage.intake import scan as run_scan

DAYS = 40
START = datetime(2026, 1, 1, 12, 0, 0)
WEB_RULE = """
title: Git config probe
id: 30000000-0000-0000-0000-000000000001
logsource: {category: webserver}
detection:
  sel:
    url.original|contains: /.git/
  condition: sel
level: medium
"""


def day_events(day: int) -> list[dict]:
    """A day of web requests (one a probe) and a burst of ssh failures from one address."""
    moment = START + timedelta(days=day)
    web = [event(url__original=f"/page/{i}" if i else "/.git/config", source__ip="198.51.100.7",
                 event__id=f"w{day}-{i}", **{"@timestamp": moment + timedelta(seconds=i)}) for i in range(5)]
    ssh = [event(event__dataset="system.auth", system__auth__ssh__event="Failed", source__ip=f"203.0.113.{day % 200}",
                 event__id=f"s{day}-{i}", **{"@timestamp": moment + timedelta(seconds=10 * i)}) for i in range(12)]
    return web + ssh


@pytest.fixture
def history(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "brute.yml").write_text(BRUTE)
    (rules / "web.yml").write_text(WEB_RULE)
    cfg = from_dict({}, data_dir=tmp_path / "data")
    for day in range(DAYS):
        store(cfg.data_dir, day_events(day), ingested=START + timedelta(days=day, hours=1))
    return cfg, rules


def rule_alerts(cfg) -> list[tuple[str, str]]:
    state = StateDB(Path(cfg.data_dir) / "state.db")
    try:
        return sorted((a["rule_title"], a["first_time"]) for a in state.alerts())
    finally:
        state.close()


def test_incremental_scan_opens_only_the_new_day(history):
    cfg, rules = history
    files = EventStore(cfg.data_dir).files()
    assert len(files) == 2 * DAYS  # a partition per dataset and day
    first = run_scan(cfg, rules_dir=rules)
    assert first.files_read == 2 * DAYS and first.new_alerts == 2 * DAYS
    store(cfg.data_dir, day_events(DAYS), ingested=START + timedelta(days=DAYS, hours=1))
    later = run_scan(cfg, rules_dir=rules)
    # the new day's two files and the two of the day before (ingested within the overlap of the watermark), not
    # the weeks behind them
    assert later.files_read == 4, later
    assert later.events == 17 * (DAYS + 1) and later.new_alerts == 2 and not later.errors
    again = run_scan(cfg, rules_dir=rules)
    assert again.files_read == 2 and again.new_alerts == 0  # only the overlap


def test_same_alerts_as_a_scan_of_everything_and_a_lost_manifest_is_rebuilt(history, tmp_path: Path):
    cfg, rules = history
    run_scan(cfg, rules_dir=rules)
    (Path(cfg.data_dir) / MANIFEST).unlink()  # an older store, or a manifest lost: read from the files once
    store(cfg.data_dir, day_events(DAYS), ingested=START + timedelta(days=DAYS, hours=1))
    pruned = run_scan(cfg, rules_dir=rules)
    assert pruned.files_read == 4 and pruned.new_alerts == 2
    assert len((Path(cfg.data_dir) / MANIFEST).read_text().splitlines()) >= 2 * DAYS + 2
    whole = from_dict({}, data_dir=tmp_path / "whole")
    for day in range(DAYS + 1):
        store(whole.data_dir, day_events(day), ingested=START + timedelta(days=day, hours=1))
    everything = run_scan(whole, rules_dir=rules, full=True)
    assert everything.new_alerts == 2 * (DAYS + 1)
    assert rule_alerts(cfg) == rule_alerts(whole)


def test_late_event_of_an_old_day_is_still_scanned(history):
    cfg, rules = history
    (rules / "brute.yml").unlink()  # a correlation reaches back by @timestamp: it would read the days after the late one
    run_scan(cfg, rules_dir=rules)
    late = [event(url__original="/.git/HEAD", event__id="late", **{"@timestamp": START + timedelta(days=3)})]
    store(cfg.data_dir, late, ingested=START + timedelta(days=DAYS, hours=2))  # an old day, ingested now
    summary = run_scan(cfg, rules_dir=rules)
    assert summary.new_alerts == 1 and summary.files_read == 3  # the late file and the last day's two (overlap)
