"""The one-way flow of docs/store-contract.md, checked on the code: the import-linter layers contract of
pyproject.toml holds, no ``soc`` module takes part in an import cycle (imports inside functions included), and no
stage outside ``soc/store/`` opens a database connection or runs a statement."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_layers_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 1 kept, 0 broken" in done.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycle_among_soc_modules():
    assert _cycles(grimp.build_graph("soc", exclude_type_checking_imports=True)) == []


def test_only_the_store_talks_to_databases():
    pattern = re.compile(r"\.execute(many)?\(|sqlite3\.connect|duckdb\.connect|import sqlite3|import duckdb")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "soc").rglob("*.py"))
        if "store" not in path.relative_to(ROOT / "soc").parts[:1]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_views_hold_no_sql_and_triage_holds_the_alert_model():
    sql = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TEMP |OR REPLACE )?(TABLE|VIEW))\b")
    tui = [p for p in (ROOT / "soc/tui").rglob("*.py") if sql.search(p.read_text(encoding="utf-8"))]
    assert tui == []
    from soc.triage import model

    assert {"new", "resolved", "suppressed"} <= set(model.STATUSES) and model.LEVELS[-1] == "critical"


def test_every_part_of_soc_has_a_layer():
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    named = {m.strip() for layer in contract["contracts"][0]["layers"] for m in re.split(r"[:|]", layer)}
    parts = {f"soc.{p.stem}" for p in (ROOT / "soc").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").is_file())}
    assert parts - named == set()


def test_indicators_sit_with_the_enrichers_and_their_sql_in_the_store():
    """soc.intel (parsing, matching on ingest) is an enrich-level sibling; the hunt that makes alerts is in
    soc.detect, the join it runs in soc.store (issue 18)."""
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = contract["contracts"][0]["layers"]
    assert "soc.enrich : soc.intel" in layers and layers.index("soc.enrich : soc.intel") > layers.index("soc.detect")
    sql = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    assert [p.name for p in (ROOT / "soc/intel").rglob("*.py") if sql.search(p.read_text(encoding="utf-8"))] == []
    assert (ROOT / "soc/detect/ioc_hunt.py").is_file() and (ROOT / "soc/store/indicator_sql.py").is_file()
