"""Every shipped rule fires on its true-positive sample and stays silent on its true-negative one.

The samples are raw lines in the source's own format (nginx combined, auth.log, FortiGate syslog, pcap...), ingested
like real logs into a throw-away store and scanned with the rule's own file (soc.triage.rule_check, the same
runner as `soc rules test`).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from soc import paths
from soc.cli import app
from soc.detect.rule_samples import sample_dir
from soc.detect.rules import compile_rules
from soc.triage.rule_check import check_rule

RULES = compile_rules(paths.rules_dir())
BY_NAME = {r.rule.name: r for r in RULES.rules}
SAMPLES = sorted(paths.rules_dir().glob("*/samples/*/tp.*"))  # tp.log, or tp.pcap for captures
PACK_AREAS = {"web", "egov", "data_exposure", "auth"}  # the e-government rule pack (issue 5)


def test_shipped_rules_load_without_errors():
    assert not RULES.errors, RULES.errors
    assert len(RULES.rules) >= 40
    for rule in RULES.rules:
        assert rule.attribute("title_vi"), f"{rule.path}: no title_vi"
        assert rule.attribute("description_vi"), f"{rule.path}: no description_vi"
        assert rule.tags, f"{rule.path}: no ATT&CK tags"
        assert any(t.startswith("attack.t") for t in rule.tags), f"{rule.path}: no ATT&CK technique"
        assert rule.level in {"informational", "low", "medium", "high", "critical"}


def test_pack_rules_name_the_egov_system_they_watch():
    pack = [r for r in RULES.rules if r.path.parent.name in PACK_AREAS]
    assert len(pack) >= 40
    for rule in pack:
        assert rule.attribute("egov_system") in {"any", "portal", "public-service", "lgsp", "mail", "sso",
                                                 "firewall"}, f"{rule.path}: egov_system"
    assert {r.path.parent.name for r in pack} == PACK_AREAS


def test_every_alerting_rule_has_samples():
    sampled = {p.parent.name for p in SAMPLES}
    assert {r.path.stem for r in RULES.rules} <= sampled


@pytest.mark.parametrize("tp", SAMPLES, ids=lambda p: p.parent.name)
def test_rule_samples(tp):
    rule = BY_NAME[tp.parent.name]
    assert sample_dir(rule) == tp.parent
    result = check_rule(rule)
    assert result.ok, f"{rule.rule.name}: {result.problem}"
    assert result.tp_alerts >= 1 and result.tn_alerts == 0


def test_rules_test_command_fails_on_a_broken_rule(tmp_path):
    area = tmp_path / "web"
    (area / "samples" / "never_fires").mkdir(parents=True)
    (area / "never_fires.yml").write_text(
        "title: Never fires\nid: 6a1f1f8e-8a5e-4a43-9d0b-000000000001\nname: never_fires\n"
        "title_vi: x\ndescription_vi: x\ntags: [attack.t1190]\nlogsource: {category: webserver}\n"
        "detection:\n  sel:\n    cs-uri|contains: /nothing-like-this\n  condition: sel\nlevel: low\n",
        encoding="utf-8",
    )
    line = '203.0.113.1 - - [24/Nov/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n'
    for name in ("tp.log", "tn.log"):
        (area / "samples" / "never_fires" / name).write_text(line, encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "test", "--rules", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "never_fires" in result.output and "no alert" in result.output
