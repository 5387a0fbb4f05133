"""``soc rules test``: each rule's samples (``soc.detect.rule_samples``) ingested like real logs into a throw-away
data directory and scanned with the rule's own file only; ``tp.*`` must alert, ``tn.*`` not. Never touches the
analyst's data directory.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from soc import paths
from soc.config import from_dict
from soc.detect.rule_samples import SampleResult, sample_config, sample_dir, sample_parser
from soc.detect.rules import CompiledRule, compile_rules
from soc.enrich.pipeline import ingest_paths
from soc.intel.load import import_file
from soc.store.registry import open_store
from soc.triage.intake import scan


def _alerts(rule: CompiledRule, log: Path, work: Path) -> int:
    data = work / log.stem
    cfg = from_dict(sample_config(log.parent), data_dir=data)
    if (log.parent / "indicators.txt").is_file():  # an indicator rule's samples: import its indicators first
        with open_store(cfg) as store:
            import_file(store.state, log.parent / "indicators.txt", warning="sample")
    summary = ingest_paths(cfg, [log], parser=sample_parser(log.parent))
    if not summary.stored:
        raise ValueError(f"{log}: no event stored ({summary})")
    rules = work / "rules" / rule.path.parent.name
    rules.mkdir(parents=True, exist_ok=True)
    # A correlation may reference rules of other files of its area: take the area's files then.
    for path in sorted(rule.path.parent.glob("*.yml")) if rule.is_correlation else [rule.path]:
        shutil.copy(path, rules / path.name)
    found = scan(cfg, rules_dir=work / "rules")
    if found.errors:
        raise ValueError("; ".join(found.errors))
    with open_store(cfg) as store:
        return sum(1 for a in store.state.alerts() if a["rule_id"] == rule.id)


def check_rule(rule: CompiledRule) -> SampleResult:
    """Ingest and scan the rule's tp.log and tn.log in a temporary directory."""
    folder = sample_dir(rule)
    result = SampleResult(str(rule.rule.name or rule.id), rule.path)
    tp = next(iter(sorted(folder.glob("tp.*"))), folder / "tp.log")  # tp.log, or tp.pcap for captures
    tn = tp.with_name("tn" + tp.suffix)
    if not tp.is_file() or not tn.is_file():
        result.problem = f"no samples: expected {tp} and {tn}"
        return result
    with tempfile.TemporaryDirectory(prefix="soc-rule-") as tmp:
        try:
            result.tp_alerts = _alerts(rule, tp, Path(tmp) / "tp")
            result.tn_alerts = _alerts(rule, tn, Path(tmp) / "tn")
        except (ValueError, OSError) as exc:
            result.problem = str(exc)
            return result
    if not result.tp_alerts:
        result.problem = f"no alert on {tp}"
    elif result.tn_alerts:
        result.problem = f"{result.tn_alerts} alert(s) on {tn}"
    return result


def check_all(rules_dir: Path | None = None, only: str | None = None) -> tuple[list[SampleResult], list[str]]:
    """Check every alerting rule of ``rules_dir`` (default: shipped rules); also return load errors."""
    ruleset = compile_rules(rules_dir or paths.rules_dir())
    results = [check_rule(r) for r in ruleset.rules if only in (None, r.rule.name, r.id)]
    return results, ruleset.errors
