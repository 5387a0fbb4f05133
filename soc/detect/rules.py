"""Loading the Sigma rules of a rules directory (subfolders by area) and converting them to DuckDB SQL.

A broken rule file is reported with its path and reason and never stops the others. Custom attributes such as
``title_vi`` / ``description_vi`` are kept by pySigma in ``custom_attributes``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from soc import paths
from soc.detect.backend import DuckDBBackend
from soc.detect.cluster_backend import ClusterBackend
from soc.detect.pipeline import ecs_pipeline

AnyRule = SigmaRule | SigmaCorrelationRule


@dataclass
class RuleMeta:
    """What alerts need of a detection rule read back from the compile cache (``soc.detect.rule_cache``), in
    place of pySigma's rule object: the same attribute names, plain values."""

    title: str
    name: str | None
    id: str | None
    description: str | None
    custom_attributes: dict[str, Any]
    level_name: str | None
    tag_names: list[str]


@dataclass
class CompiledRule:
    """One rule that produces alerts, with its SQL (one query per condition) and metadata for alerts."""

    rule: AnyRule | RuleMeta
    path: Path
    queries: list[str]
    fields: set[str] = field(default_factory=set)  # the columns its queries read
    # Cluster candidate queries (soc.detect.cluster_backend: a superset of the SQL's matches; a correlation: those of
    # the rules it references); None when the rule has none (a cluster scan then reads the rule's whole window).
    cluster: list[str] | None = None

    @property
    def id(self) -> str:
        return str(self.rule.id or self.rule.name or self.rule.title)

    @property
    def is_correlation(self) -> bool:
        return isinstance(self.rule, SigmaCorrelationRule)

    @property
    def timespan_seconds(self) -> int:
        return self.rule.timespan.seconds if isinstance(self.rule, SigmaCorrelationRule) else 0

    @property
    def level(self) -> str:
        if isinstance(self.rule, RuleMeta):
            return self.rule.level_name or "medium"
        return self.rule.level.name.lower() if self.rule.level else "medium"

    @property
    def tags(self) -> list[str]:
        if isinstance(self.rule, RuleMeta):
            return list(self.rule.tag_names)
        return [str(t) for t in self.rule.tags]

    def attribute(self, name: str, default: Any = None) -> Any:
        return self.rule.custom_attributes.get(name, default)


@dataclass
class RuleSet:
    """The rules of a directory: compiled rules that alert, the columns they read, and per-file errors."""

    rules: list[CompiledRule] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    compiled_files: int = 0  # files converted by pySigma in this load
    cached_files: int = 0  # files read back from the compile cache


def rule_files(rules_dir: Path | None = None) -> list[Path]:
    """Sigma YAML files under ``rules_dir`` (sample folders excluded), sorted."""
    root = Path(rules_dir or paths.rules_dir())
    files = [p for ext in ("*.yml", "*.yaml") for p in root.rglob(ext)]
    return sorted(p for p in files if "samples" not in p.relative_to(root).parts)


def all_rule_files(rules_dir: Path | None = None, extra_dirs: tuple[Path, ...] = ()) -> list[Path]:
    """The rule files of ``rules_dir`` then of each existing extra directory."""
    return [*rule_files(rules_dir), *(p for d in extra_dirs if Path(d).is_dir() for p in rule_files(d))]


def load_collection(
    rules_dir: Path | None = None, extra_dirs: tuple[Path, ...] = (), files: list[Path] | None = None
) -> tuple[SigmaCollection, dict[int, Path], list[str]]:
    """All rules of the directory (or of ``files``) in one collection (so correlations resolve across files),
    their source files (by ``id()`` of the rule object) and the errors of files that do not parse."""
    items: list[AnyRule] = []
    origin: dict[int, Path] = {}
    errors: list[str] = []
    for path in all_rule_files(rules_dir, extra_dirs) if files is None else files:
        try:
            coll = SigmaCollection.from_yaml(
                path.read_text(encoding="utf-8"), collect_errors=True, resolve_references=False
            )
        except (SigmaError, ValueError, OSError, yaml.YAMLError) as exc:
            errors.append(f"{path}: {exc}")
            continue
        for rule in coll.rules:
            if rule.errors:
                errors.append(f"{path}: {'; '.join(str(e) for e in rule.errors)}")
                continue
            origin[id(rule)] = path
            items.append(rule)
    collection = SigmaCollection(items, resolve_references=False)
    for rule in list(collection.rules):
        if isinstance(rule, SigmaCorrelationRule):
            try:
                rule.resolve_rule_references(collection)
            except SigmaError as exc:
                errors.append(f"{origin[id(rule)]}: {exc}")
                collection.rules.remove(rule)
    return collection, origin, errors


def _conversion_order(rules: list[AnyRule]) -> list[AnyRule]:
    """Detection rules first, then correlations after the correlations they reference."""
    done: set[int] = set()
    out: list[AnyRule] = []

    def visit(rule: AnyRule) -> None:
        if id(rule) in done:
            return
        done.add(id(rule))
        if isinstance(rule, SigmaCorrelationRule):
            for ref in rule.referenced_rules:
                if hasattr(ref, "rule"):
                    visit(ref.rule)
        out.append(rule)

    for rule in sorted(rules, key=lambda r: isinstance(r, SigmaCorrelationRule)):
        visit(rule)
    return out


def compile_rules(
    rules_dir: Path | None = None, backend: DuckDBBackend | None = None, extra_dirs: tuple[Path, ...] = (),
    cluster: bool = False,
) -> RuleSet:
    """Load and convert every rule. Detection rules referenced by a correlation alert only through it (Sigma's
    ``generate: false``); correlation rules always alert. (``soc.detect.rule_cache`` keeps conversions.)"""
    return compile_files(None, backend, rules_dir, extra_dirs, cluster)


def compile_files(files: list[Path] | None, backend: DuckDBBackend | None = None, rules_dir: Path | None = None,
                  extra_dirs: tuple[Path, ...] = (), cluster: bool = False) -> RuleSet:
    """:func:`compile_rules` over ``files`` (None: the directories'); each rule keeps the columns it reads and,
    with ``cluster``, its cluster candidate queries (``CompiledRule.cluster``)."""
    collection, origin, errors = load_collection(rules_dir, extra_dirs, files)
    backend = backend or DuckDBBackend(ecs_pipeline())
    backend.init_processing_pipeline()
    out = RuleSet(errors=errors, compiled_files=len(set(origin.values())))
    candidates: dict[int, list[str] | None] = {}  # id(rule) -> its cluster candidate queries
    lucene = ClusterBackend(ecs_pipeline()) if ClusterBackend is not None and cluster else None
    for rule in _conversion_order(collection.rules):
        path = origin.get(id(rule), Path("?"))
        pristine = copy.deepcopy(rule) if lucene is not None and isinstance(rule, SigmaRule) else None
        before = set(backend.used_fields)
        backend.used_fields = set()
        try:
            if isinstance(rule, SigmaCorrelationRule):
                backend.convert_correlation_rule(rule)
            else:
                backend.convert_rule(rule)
            queries = list(rule.get_conversion_result())
        except (SigmaError, NotImplementedError, ValueError, TypeError, KeyError) as exc:
            out.errors.append(f"{path}: rule '{rule.title}' cannot be converted: {exc}")
            continue
        finally:
            used = backend.used_fields
            backend.used_fields = before | used
        candidates[id(rule)] = _candidates(lucene, rule, pristine, candidates)
        if isinstance(rule, SigmaCorrelationRule) or rule._output:
            out.rules.append(CompiledRule(rule, path, queries, set(used), candidates[id(rule)]))
    out.fields = set(backend.used_fields)
    return out


def _candidates(cluster: Any, rule: AnyRule, pristine: SigmaRule | None, done: dict[int, list[str] | None]
                ) -> list[str] | None:
    """The cluster candidate queries of ``rule`` (converted from ``pristine``, its copy taken before the SQL
    conversion applied the pipelines to it), or None when the cluster backend is absent or refuses the rule."""
    if isinstance(rule, SigmaCorrelationRule):
        refs = [done.get(id(ref.rule)) for ref in rule.referenced_rules if hasattr(ref, "rule")]
        if not refs or any(r is None for r in refs):
            return None
        return [q for r in refs if r is not None for q in r]
    if cluster is None or pristine is None:
        return None
    try:
        cluster.convert_rule(pristine)
        return [str(q) for q in pristine.get_conversion_result()]
    except (SigmaError, NotImplementedError, ValueError, TypeError, KeyError, AttributeError):
        return None


def list_rules(rules_dir: Path | None = None) -> list[dict[str, Any]]:
    """A short description of every alerting rule (id, title, Vietnamese title, level, kind, file)."""
    rs = compile_rules(rules_dir)
    return [
        {
            "id": r.id,
            "title": r.rule.title,
            "title_vi": r.attribute("title_vi", ""),
            "level": r.level,
            "kind": r.rule.type.value if r.is_correlation else "detection",
            "tags": r.tags,
            "path": str(r.path),
        }
        for r in rs.rules
    ]
