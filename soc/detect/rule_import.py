"""Importing Sigma rules (SigmaHQ or any) unchanged into a rules directory that scans load.

A rule is kept when our pipelines pin its log source to a stored dataset (the converted SQL filters on
``event.dataset``); other rules are reported as unsupported, never fatal. A kept rule naming a field no stored source
carries is reported as a warning (soc.detect.rule_fields). Files are copied byte for byte: a rule is
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
from soc.detect.rule_fields import logsource_key, rule_warnings
from soc.detect.rules import rule_files


@dataclass
class ImportSummary:
    """What an import did: files copied, and per log source how many rules convert for our stores."""

    copied: list[Path] = field(default_factory=list)
    converted: Counter = field(default_factory=Counter)  # log source → rules that convert
    unsupported: list[str] = field(default_factory=list)  # "file: rule (log source): reason"
    invalid: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "file: 'rule' (log source): fields no stored source carries"
    by_file: dict[Path, list[str]] = field(default_factory=dict)  # the warnings of each copied file, by its copy

    def __str__(self) -> str:
        return (f"{len(self.copied)} file(s) imported, {sum(self.converted.values())} rule(s) convert, "
                f"{len(self.unsupported)} unsupported, {len(self.invalid)} invalid, "
                f"{len(self.warnings)} warning(s)")


def check_file(path: Path, warnings: list[str] | None = None) -> tuple[int, list[str], list[str], Counter]:
    """(rules that convert, unsupported reasons, invalid reasons, converted count per log source) for one file;
    the warnings of rules that convert are appended to ``warnings``."""
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
        if warnings is not None and not isinstance(rule, SigmaCorrelationRule):
            warnings += [f"{path}: {w}" for w in rule_warnings(rule, queries, backend.used_fields)]
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
        warnings: list[str] = []
        ok, unsupported, invalid, per_source = check_file(path, warnings)
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
        summary.warnings += warnings
        summary.by_file[target] = [w.replace(str(path), str(target), 1) for w in warnings]
    return summary
