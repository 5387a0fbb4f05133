"""Per-rule warnings: fields that no stored source carries and log sources without a mapping, so a rule that can
never match says so at import and scan time instead of silently matching nothing (or everything).

Reads rule files and converts them; never edits a rule. Results are kept in a small JSON cache keyed by each file's
content hash (``soc rules import`` fills it while converting; ``soc scan`` reads it and converts only new files).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from soc import ecs
from soc.detect.backend import DuckDBBackend, map_element
from soc.detect.pipeline import ecs_pipeline

OWN_PRODUCT = "soc"  # logsource product of the shipped rules written on ECS fields for every source (rules/auth …)
NO_LOGSOURCE = "log source has no mapping (no parser/pipeline stores it): the rule would search every event"


def logsource_key(rule: SigmaRule) -> str:
    ls = rule.logsource
    return "/".join(x for x in (ls.product, ls.category, ls.service) if x) or "?"


def unknown_fields(used: Iterable[str]) -> list[str]:
    """The fields of ``used`` that no parser or enricher stores: not registered, and not a key of a map column
    (``winlog.event_data.<Name>`` is whatever the Windows record carries, so it is never reported)."""
    return sorted(f for f in used if f not in ecs.FIELDS and map_element(f, ecs.FIELDS) is None)


def rule_warnings(rule: SigmaRule, queries: Iterable[str], used: Iterable[str]) -> list[str]:
    """Warnings for one converted detection rule (its queries and the fields its conversion named)."""
    out = []
    own = rule.logsource.product == OWN_PRODUCT  # our own cross-source rules: ECS fields over every dataset
    if not own and not any('"event.dataset"' in str(q) for q in queries):
        out.append(f"'{rule.title}' ({logsource_key(rule)}): {NO_LOGSOURCE}")
    missing = unknown_fields(used)
    if missing:
        out.append(f"'{rule.title}' ({logsource_key(rule)}): no stored source carries field(s) {', '.join(missing)}"
                   " (they read as empty)")
    return out


def file_warnings(path: Path) -> list[str]:
    """Warnings for every detection rule of one file (a file that does not load or convert is the scan's and the
    import's error to report, not a warning)."""
    try:
        coll = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"), collect_errors=True,
                                         resolve_references=False)
    except (SigmaError, ValueError, OSError, yaml.YAMLError):
        return []
    out = []
    for rule in coll.rules:
        if isinstance(rule, SigmaCorrelationRule) or rule.errors:
            continue
        backend = DuckDBBackend(ecs_pipeline())
        try:
            queries = backend.convert_rule(rule)
        except (SigmaError, NotImplementedError, ValueError, TypeError, KeyError):
            continue
        out += [f"{path}: {w}" for w in rule_warnings(rule, queries, backend.used_fields)]
    return out


_MEMO: dict[tuple[str, str], list[str]] = {}  # (path, sha256) → warnings, for several scans in one process


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cached_warnings(files: Iterable[Path], cache: Path, known: dict[Path, list[str]] | None = None) -> list[str]:
    """Warnings of every file, from ``cache`` where its content is unchanged, else converted now (``known``: ones
    just computed by the caller); the cache is rewritten with exactly these files."""
    try:
        old = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    new: dict[str, dict] = {}
    out: list[str] = []
    for path in files:
        try:
            digest = _digest(path)
        except OSError:
            continue
        entry = old.get(str(path))
        if known is not None and path in known:
            warnings = known[path]
        elif isinstance(entry, dict) and entry.get("sha256") == digest:
            warnings = list(entry.get("warnings", []))
        else:
            warnings = _MEMO.get((str(path), digest))
            if warnings is None:
                warnings = file_warnings(path)
        _MEMO[(str(path), digest)] = warnings
        new[str(path)] = {"sha256": digest, "warnings": warnings}
        out += warnings
    if new != old:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(cache.name + ".tmp")
            tmp.write_text(json.dumps(new, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, cache)
        except OSError:  # a read-only data directory: the warnings are still printed
            pass
    return out
