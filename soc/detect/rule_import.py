"""Importing Sigma rules (SigmaHQ or any) unchanged into a rules directory that scans load.

A rule is kept when our pipelines pin its log source to a stored dataset (the converted SQL filters on
``event.dataset``); other rules are reported as unsupported, never fatal. Files are copied byte for byte: a rule is
never edited on import.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError

from soc.detect.backend import DuckDBBackend
from soc.detect.pipeline import ecs_pipeline
from soc.detect.rules import rule_files


@dataclass
class ImportSummary:
    """What an import did: files copied, and per log source how many rules convert for our stores."""

    copied: list[Path] = field(default_factory=list)
    converted: Counter = field(default_factory=Counter)  # log source → rules that convert
    unsupported: list[str] = field(default_factory=list)  # "file: rule (log source): reason"
    invalid: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{len(self.copied)} file(s) imported, {sum(self.converted.values())} rule(s) convert, "
                f"{len(self.unsupported)} unsupported, {len(self.invalid)} invalid")


def logsource_key(rule) -> str:
    ls = rule.logsource
    return "/".join(x for x in (ls.product, ls.category, ls.service) if x) or "?"


def check_file(path: Path) -> tuple[int, list[str], list[str], Counter]:
    """(rules that convert, unsupported reasons, invalid reasons, converted count per log source) for one file."""
    try:
        coll = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"), collect_errors=True)
    except (SigmaError, ValueError, OSError, yaml.YAMLError) as exc:
        return 0, [], [f"{path}: {exc}"], Counter()
    ok, unsupported, invalid, per_source = 0, [], [], Counter()
    for rule in coll.rules:
        if rule.errors:
            invalid.append(f"{path}: {'; '.join(str(e) for e in rule.errors)}")
            continue
        if isinstance(rule, SigmaCorrelationRule):
            source = "correlation"
        else:
            source = logsource_key(rule)
        backend = DuckDBBackend(ecs_pipeline())
        try:
            if isinstance(rule, SigmaCorrelationRule):
                queries = backend.convert_correlation_rule(rule)
            else:
                queries = backend.convert_rule(rule)
        except (SigmaError, NotImplementedError, ValueError, TypeError, KeyError) as exc:
            unsupported.append(f"{path}: '{rule.title}' ({source}): {str(exc).splitlines()[0]}")
            continue
        if not any('"event.dataset"' in str(q) for q in queries):
            unsupported.append(f"{path}: '{rule.title}' ({source}): no parser/pipeline for this log source")
            continue
        ok += 1
        per_source[source] += 1
    return ok, unsupported, invalid, per_source


def import_rules(src: Path, dest: Path) -> ImportSummary:
    """Copy every rule file of ``src`` (a file or a directory tree) with at least one supported rule to ``dest``."""
    src, dest = Path(src), Path(dest)
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or directory")
    files = [src] if src.is_file() else rule_files(src)
    summary = ImportSummary()
    for path in files:
        ok, unsupported, invalid, per_source = check_file(path)
        summary.unsupported += unsupported
        summary.invalid += invalid
        summary.converted.update(per_source)
        if not ok:
            continue
        rel = path.name if src.is_file() else path.relative_to(src)
        target = dest / src.name / rel if src.is_dir() else dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        summary.copied.append(target)
    return summary
