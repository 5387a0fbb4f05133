"""Regression samples of rules (like SigmaHQ's): each rule's ``samples/<rule name>/tp.*`` must alert, ``tn.*`` not.

Samples are raw lines in their source's own format, ingested like real logs into a throw-away data directory and
scanned with the rule's own file only. The parser is the area's default (web → nginx_combined, auth → linux_auth…)
or the name written in ``samples/<rule>/parser``. Never touches the analyst's data directory.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from soc import paths
from soc.config import from_dict
from soc.detect.rules import CompiledRule, compile_rules
from soc.detect.scan import run_scan
from soc.ingest.engine import ingest_paths
from soc.store.state import StateDB

AREA_PARSERS = {"web": "nginx_combined", "egov": "nginx_combined", "data_exposure": "nginx_combined",
                "auth": "linux_auth", "network": "pcap", "windows": "windows_json"}


@dataclass
class SampleResult:
    """The outcome of one rule's samples: alerts on tp.log and tn.log, and why it failed (empty when it passed)."""

    rule: str
    path: Path
    tp_alerts: int = 0
    tn_alerts: int = 0
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def sample_dir(rule: CompiledRule) -> Path:
    return rule.path.parent / "samples" / str(rule.rule.name or rule.path.stem)


def sample_parser(folder: Path) -> str | None:
    """The parser for a sample folder: ``parser`` file, else the area's default, else auto-detection (None)."""
    override = folder / "parser"
    if override.is_file():
        return override.read_text(encoding="utf-8").strip()
    return AREA_PARSERS.get(folder.parents[1].name)


def sample_config(folder: Path) -> dict:
    """Config of a sample folder: ``samples/<rule>/soc.toml`` when present (e.g. an offline GeoIP CSV for
    country rules; relative file paths are taken from the folder), else the defaults."""
    import tomllib

    path = folder / "soc.toml"
    if not path.is_file():
        return {}
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    enrich = raw.get("enrich", {})
    if enrich.get("geoip_csv"):
        enrich["geoip_csv"] = str(folder / enrich["geoip_csv"])
    return raw


def _alerts(rule: CompiledRule, log: Path, work: Path) -> int:
    data = work / log.stem
    cfg = from_dict(sample_config(log.parent), data_dir=data)
    summary = ingest_paths(cfg, [log], parser=sample_parser(log.parent))
    if not summary.stored:
        raise ValueError(f"{log}: no event stored ({summary})")
    rules = work / "rules" / rule.path.parent.name
    rules.mkdir(parents=True, exist_ok=True)
    # A correlation may reference rules of other files of its area: take the area's files then.
    for path in sorted(rule.path.parent.glob("*.yml")) if rule.is_correlation else [rule.path]:
        shutil.copy(path, rules / path.name)
    scan = run_scan(cfg, rules_dir=work / "rules")
    if scan.errors:
        raise ValueError("; ".join(scan.errors))
    state = StateDB(data / "state.db")
    try:
        return sum(1 for a in state.alerts() if a["rule_id"] == rule.id)
    finally:
        state.close()


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
