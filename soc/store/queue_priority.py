"""The priority sort of the alert queue as SQL: a row's urgency from its system's security level and its rule level,
both given in the query as data (``AlertQuery.ranking``), and the same value computed for a row in Python.

Knows no priority model (triage gives the levels and the matrix); never reads or writes a database itself.
"""

from __future__ import annotations

from functools import cache
from typing import Any


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def priority_sql(ranking: tuple) -> str:
    """The urgency of a row: a CASE over its system's level (by name, else the default) and its rule level."""
    systems, default, matrix = ranking
    whens = " ".join(f"WHEN {_quote(name)} THEN {int(level)}" for name, level in systems)
    level = f"CASE system {whens} ELSE {int(default)} END" if whens else str(int(default))
    by_level: dict[int, list[str]] = {}
    for system_level, rule_level, urgency in matrix:
        by_level.setdefault(int(system_level), []).append(f"WHEN {_quote(rule_level)} THEN {int(urgency)}")
    if not by_level:
        return "0"
    inner = " ".join(f"WHEN {lv} THEN CASE rule_level {' '.join(w)} ELSE 0 END" for lv, w in sorted(by_level.items()))
    return f"CASE {level} {inner} ELSE 0 END"


def priority_key(row: dict[str, Any], ranking: tuple) -> int:
    """The value of ``priority_sql`` for a row."""
    systems, default, matrix = ranking
    level = _levels(systems).get(row.get("system"), default)
    return _urgency(matrix).get((level, row.get("rule_level")), 0)


@cache
def _levels(systems: tuple) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, level in systems:  # the first of a repeated name, as the CASE takes it
        out.setdefault(name, int(level))
    return out


@cache
def _urgency(matrix: tuple) -> dict[tuple[int, str], int]:
    return {(int(s), r): int(u) for s, r, u in matrix}
