"""Compile cache: the SQL (and cluster candidate queries) and alert metadata of each rule file, kept under ``<data_dir>/cache/rules`` keyed by
the file's content and the conversion code (backend, pipelines, ECS field types, pySigma), so a cron scan of
thousands of rules does not parse and convert them again. Never decides a rule's result: a miss compiles as before.

A file with a correlation rule, and every file holding a rule a correlation references, is always compiled (with
the others it needs), since its SQL depends on other files; only plain detection rules are read back.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

from soc import ecs
from soc.detect.rules import CompiledRule, RuleMeta, RuleSet, all_rule_files, compile_files

_CODE = Path(__file__).parent  # soc/detect: backend, correlation templates, pipelines
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def code_version() -> str:
    """A hash of everything a conversion depends on besides the rule file."""
    h = hashlib.sha256(version("pySigma").encode() + b"\0" + _backend_version().encode())
    for path in sorted([*_CODE.rglob("*.py"), *_CODE.rglob("*.yml")]):
        h.update(path.relative_to(_CODE).as_posix().encode() + b"\0" + path.read_bytes())
    h.update(json.dumps(ecs.FIELDS, sort_keys=True).encode())
    return h.hexdigest()


def _backend_version() -> str:
    """pySigma's Elasticsearch backend version (the cluster candidate queries), "absent" when not installed."""
    try:
        return version("pysigma-backend-elasticsearch")
    except PackageNotFoundError:
        return "absent"


def _key(content: bytes, cluster: bool) -> str:
    return hashlib.sha256(code_version().encode() + (b"\0cluster\0" if cluster else b"\0") + content).hexdigest()


def _correlation_refs(content: bytes) -> tuple[bool, set[str]]:
    """Whether a file holds a correlation rule, and the rules it references (a cheap look, before any parsing)."""
    if b"correlation" not in content:
        return False, set()
    refs: set[str] = set()
    found = False
    try:
        docs = list(yaml.load_all(content.decode("utf-8"), Loader=_LOADER))  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError):
        return True, set()  # compiled (and reported) the ordinary way
    for doc in docs:
        corr = doc.get("correlation") if isinstance(doc, dict) else None
        if isinstance(corr, dict):
            found = True
            rules = corr.get("rules") or []
            refs.update(str(r) for r in (rules if isinstance(rules, list) else [rules]))
    return found, refs


def _entry_of(rs: RuleSet, path: Path, correlation: bool) -> dict[str, Any]:
    rules = [r for r in rs.rules if r.path == path]
    names = {str(v) for r in rules for v in (r.rule.name, r.rule.id) if v}
    return {
        "correlation": correlation or any(r.is_correlation for r in rules),
        "names": sorted(names),
        "errors": [e for e in rs.errors if e.startswith(f"{path}:")],
        "rules": [
            {
                "title": r.rule.title, "name": r.rule.name, "id": str(r.rule.id) if r.rule.id else None,
                "description": r.rule.description, "custom_attributes": r.rule.custom_attributes,
                "level": r.level, "tags": r.tags, "queries": r.queries, "fields": sorted(r.fields),
                "cluster": r.cluster,
            }
            for r in rules
        ],
    }


def _rules_of(entry: dict[str, Any], path: Path) -> list[CompiledRule]:
    return [
        CompiledRule(RuleMeta(r["title"], r["name"], r["id"], r["description"], r["custom_attributes"], r["level"],
                              r["tags"]), path, r["queries"], set(r["fields"]), r.get("cluster"))
        for r in entry["rules"]
    ]


def _write(folder: Path, key: str, entry: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(entry, default=str), encoding="utf-8")
    os.replace(tmp, folder / f"{key}.json")


def _read(folder: Path, key: str) -> dict[str, Any] | None:
    try:
        return json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def compile_cached(files: list[Path], folder: Path, cluster: bool = False) -> RuleSet:
    """:func:`soc.detect.rules.compile_rules` over ``files`` through the cache in ``folder``; ``cluster``: with
    the cluster candidate queries (a scan on a cluster store; an embedded scan does not pay for them)."""
    keys: dict[Path, str] = {}
    entries: dict[Path, dict[str, Any] | None] = {}
    refs: set[str] = set()
    correlated: set[Path] = set()
    for path in files:
        try:
            content = path.read_bytes()
        except OSError:
            content = b""
        keys[path] = _key(content, cluster)
        entry = entries[path] = _read(folder, keys[path])
        if entry is None:
            has_corr, found = _correlation_refs(content)
            if has_corr:
                correlated.add(path)
                refs |= found
        elif entry["correlation"]:
            correlated.add(path)
            refs |= set(entry.get("refs", ()))
    slow = [p for p in files if entries[p] is None or p in correlated or set(entries[p]["names"]) & refs]
    out = compile_files(slow, cluster=cluster) if slow else RuleSet()
    out.compiled_files = len(slow)
    for path in slow:
        entry = _entry_of(out, path, path in correlated)
        if path in correlated:
            entry["refs"] = sorted(_correlation_refs(path.read_bytes())[1]) if path.exists() else []
        _write(folder, keys[path], entry)
    slow_set = set(slow)
    cached: list[CompiledRule] = []
    for path in files:
        if path in slow_set:
            continue
        entry = entries[path]
        assert entry is not None
        cached.extend(_rules_of(entry, path))
        out.errors.extend(entry["errors"])
    out.cached_files = len(files) - len(slow)
    out.rules = cached + out.rules  # detection rules first, correlations (always compiled) after
    out.fields |= {f for r in cached for f in r.fields}
    return out


def compile_rules_cached(rules_dir: Path | None, extra_dirs: tuple[Path, ...], cache_dir: Path,
                         cluster: bool = False) -> RuleSet:
    """:func:`soc.detect.rules.compile_rules` of a directory (and extra ones) through the cache in ``cache_dir``."""
    return compile_cached(all_rule_files(rules_dir, extra_dirs), Path(cache_dir), cluster)
