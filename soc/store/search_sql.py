"""The search language (``soc.searchlang``) as a DuckDB WHERE clause over the ``events`` view.

Field names are checked against the view's columns and quoted with ``ident``; every value is a bound parameter.
Never builds SQL text from a value.
"""

from __future__ import annotations

import difflib
from typing import Any

from soc.searchlang import TEXT_COLUMN, TIME_COLUMN, Query, QueryError
from soc.store.duck import ident


def where(query: Query, columns: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """``(sql, params)`` for ``WHERE`` over a view with ``columns`` (name → DuckDB type); ``TRUE`` when empty."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    for n, term in enumerate(query.terms):
        name = term.field or TEXT_COLUMN
        if name not in columns:
            raise QueryError(_unknown(name, columns))
        col, p = ident(name), f"p{n}"
        is_list = columns[name].endswith("[]")
        if term.mode == "exists":
            cond = f"{col} IS NOT NULL" + (f" AND len({col}) > 0" if is_list else "")
        else:
            params[p] = term.value if term.field else term.value.lower()
            cond = _match(col, p, term.mode, is_list, fold=term.field is None)
        conds.append(f"coalesce(NOT ({cond}), TRUE)" if term.negate else f"coalesce({cond}, FALSE)")
    if query.since is not None:
        conds.append(f"{ident(TIME_COLUMN)} >= $since")
        params["since"] = query.since
    if query.until is not None:
        conds.append(f"{ident(TIME_COLUMN)} <= $until")
        params["until"] = query.until
    return (" AND ".join(conds) or "TRUE"), params


def _match(col: str, p: str, mode: str, is_list: bool, fold: bool) -> str:
    if is_list:
        inner = {"eq": f"x = ${p}", "prefix": f"starts_with(x, ${p})", "contains": f"contains(x, ${p})"}[mode]
        return f"len(list_filter(CAST({col} AS VARCHAR[]), lambda x: {inner})) > 0"
    text = f"lower(CAST({col} AS VARCHAR))" if fold else f"CAST({col} AS VARCHAR)"
    return {"eq": f"{text} = ${p}", "prefix": f"starts_with({text}, ${p})", "contains": f"contains({text}, ${p})"}[mode]


def _unknown(name: str, columns: dict[str, str]) -> str:
    close = difflib.get_close_matches(name, list(columns), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; e.g. source.ip, user.name, url.original"
    return f"unknown field {name!r}{hint}"
