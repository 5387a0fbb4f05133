"""Compile cache: a second load of the same rules converts nothing, a changed rule file alone is converted again,
and what is read back is what a fresh conversion gives (SQL, columns, alert metadata, errors)."""

from __future__ import annotations

import shutil
from pathlib import Path

from test_detect_scan import BRUTE
from test_sigmahq import SIGMAHQ

from soc import paths
from soc.detect.rule_cache import compile_rules_cached
from soc.detect.rules import compile_rules


def _shape(rs) -> list[tuple]:
    return sorted((r.id, r.rule.title, r.level, tuple(r.tags), tuple(r.queries), r.is_correlation,
                   str(r.attribute("title_vi", "")), r.rule.description or "", str(r.path)) for r in rs.rules)


def test_second_load_hits_the_cache_and_a_changed_rule_alone_recompiles(tmp_path: Path):
    rules = tmp_path / "rules"
    shutil.copytree(paths.rules_dir(), rules / "pack")
    shutil.copytree(SIGMAHQ, rules / "sigmahq")
    (rules / "brute.yml").write_text(BRUTE)
    cache = tmp_path / "cache"
    fresh = compile_rules(rules)
    first = compile_rules_cached(rules, (), cache)
    files = first.compiled_files
    assert files > 60 and first.cached_files == 0
    second = compile_rules_cached(rules, (), cache)
    assert second.cached_files > 50  # only correlations and the rules they reference are converted again
    assert second.compiled_files == files - second.cached_files
    for rs in (first, second):
        assert _shape(rs) == _shape(fresh)
        assert rs.fields == fresh.fields
        assert sorted(rs.errors) == sorted(fresh.errors) and rs.errors  # the deprecated SigmaHQ rule, reported
    target = rules / "sigmahq" / "web_jndi_exploit.yml"
    target.write_text(target.read_text().replace("level: high", "level: critical"))
    third = compile_rules_cached(rules, (), cache)
    assert third.compiled_files == second.compiled_files + 1
    changed = {r.rule.title: r.level for r in third.rules}
    assert changed["JNDIExploit Pattern"] == "critical"
    assert _shape(third) == _shape(compile_rules(rules))


def test_a_changed_pipeline_invalidates_every_entry(tmp_path: Path, monkeypatch):
    from soc.detect import rule_cache

    cache = tmp_path / "cache"
    compile_rules_cached(SIGMAHQ, (), cache)
    assert compile_rules_cached(SIGMAHQ, (), cache).compiled_files == 0
    monkeypatch.setattr(rule_cache, "code_version", lambda: "another backend")
    assert compile_rules_cached(SIGMAHQ, (), cache).cached_files == 0
