"""Every shipped rule fires on its true-positive sample log and stays silent on its true-negative one.

The samples are raw lines in the source's own format (nginx combined, auth.log), ingested like real logs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from soc import paths
from soc.config import from_dict
from soc.detect.rules import compile_rules
from soc.detect.scan import run_scan
from soc.ingest.engine import ingest_paths
from soc.store.state import StateDB

PARSERS = {"web": "nginx_combined", "auth": "linux_auth"}
RULES = compile_rules(paths.rules_dir())
BY_NAME = {r.rule.name: r for r in RULES.rules}
SAMPLES = sorted(paths.rules_dir().glob("*/samples/*/tp.log"))


def _alerts_for(tmp_path: Path, log: Path, area: str) -> dict[str, list[dict]]:
    cfg = from_dict({}, data_dir=tmp_path)
    summary = ingest_paths(cfg, [log], parser=PARSERS[area])
    assert summary.stored > 0, summary
    scan = run_scan(cfg)
    assert not scan.errors, scan.errors
    state = StateDB(tmp_path / "state.db")
    try:
        out: dict[str, list[dict]] = {}
        for alert in state.alerts():
            out.setdefault(alert["rule_id"], []).append(alert)
        return out
    finally:
        state.close()


def test_shipped_rules_load_without_errors():
    assert not RULES.errors, RULES.errors
    assert len(RULES.rules) >= 10
    for rule in RULES.rules:
        assert rule.attribute("title_vi"), f"{rule.path}: no title_vi"
        assert rule.attribute("description_vi"), f"{rule.path}: no description_vi"
        assert rule.tags, f"{rule.path}: no ATT&CK tags"


def test_every_alerting_rule_has_samples():
    sampled = {p.parent.name for p in SAMPLES}
    assert {r.path.stem for r in RULES.rules} <= sampled


@pytest.mark.parametrize("tp", SAMPLES, ids=lambda p: p.parent.name)
def test_rule_samples(tmp_path: Path, tp: Path):
    name, area = tp.parent.name, tp.parents[2].name
    rule = BY_NAME[name]
    fired = _alerts_for(tmp_path / "tp", tp, area)
    assert fired.get(rule.id), f"{name}: no alert on {tp}"
    quiet = _alerts_for(tmp_path / "tn", tp.with_name("tn.log"), area)
    assert not quiet.get(rule.id), f"{name}: false positives on tn.log: " + "; ".join(
        str(a["event_ids"]) for a in quiet[rule.id]
    )
