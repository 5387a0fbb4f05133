"""Alert volume with a per-rule cap: past ``alert_cap`` alerts in a scan, a rule's events are grouped by host, user
and source within an hour, the groups past the cap merged into one alert; every event stays in an alert."""

from __future__ import annotations

from pathlib import Path

from detect_helpers import at, event, store

from soc.config import from_dict
from soc.detect.grouping import OVERFLOW
from soc.store.state import StateDB
from soc.triage.intake import scan as run_scan

RULE = """
title: Git probe
id: 40000000-0000-0000-0000-000000000001
logsource: {{category: webserver}}
detection:
  sel:
    url.original|contains: /.git/
  condition: sel
level: medium
{cap}
"""


def probes() -> list[dict]:
    out = [event(url__original="/.git/config", host__name="web-a", source__ip="198.51.100.1", event__id=f"a{i}",
                 **{"@timestamp": at(60 * i)}) for i in range(30)]
    out += [event(url__original="/.git/HEAD", host__name="web-b", source__ip="198.51.100.2", event__id=f"b{i}",
                  **{"@timestamp": at(30 * i)}) for i in range(20)]
    out += [event(url__original="/.git/index", host__name="web-c", source__ip=f"203.0.113.{i}", event__id=f"c{i}",
                  **{"@timestamp": at(7 * i)}) for i in range(10)]
    return out


def scan_with(tmp_path: Path, cap: str) -> list[dict]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "probe.yml").write_text(RULE.format(cap=cap))
    cfg = from_dict({}, data_dir=tmp_path / "data")
    store(cfg.data_dir, probes())
    summary = run_scan(cfg, rules_dir=rules)
    assert not summary.errors, summary.errors
    state = StateDB(Path(cfg.data_dir) / "state.db")
    try:
        return state.alerts()
    finally:
        state.close()


def test_under_the_cap_one_alert_per_event(tmp_path: Path):
    assert len(scan_with(tmp_path, "")) == 60  # default cap 200


def test_past_the_cap_grouped_and_no_event_lost(tmp_path: Path):
    alerts = scan_with(tmp_path, "alert_cap: 5")
    assert len(alerts) == 5
    counts = sorted(a["event_count"] for a in alerts)
    assert sum(counts) == 60 and counts[-2:] == [20, 30]
    overflow = [a for a in alerts if a["group_key"] == OVERFLOW]
    assert len(overflow) == 1 and overflow[0]["event_count"] == 8
    assert {e for a in alerts for e in a["event_ids"]} == {e["event.id"] for e in probes()}
    web_a = next(a for a in alerts if a["event_count"] == 30)
    assert "host=web-a" in web_a["group_key"] and web_a["source_ip"] == "198.51.100.1"


def test_a_second_scan_adds_nothing(tmp_path: Path):
    first = scan_with(tmp_path, "alert_cap: 5")
    cfg = from_dict({}, data_dir=tmp_path / "data")
    run_scan(cfg, rules_dir=tmp_path / "rules", full=True)
    state = StateDB(Path(cfg.data_dir) / "state.db")
    try:
        again = state.alerts()
    finally:
        state.close()
    assert sorted(a["id"] for a in again) == sorted(a["id"] for a in first)
