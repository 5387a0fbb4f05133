"""The search box's language (``soc.searchlang.Query``) as a cluster query (query DSL), fields checked first.

Never builds a query string from a value: every value goes into a structured term, prefix or wildcard clause.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable
from typing import Any

from soc import ecs
from soc.searchlang import TEXT_COLUMN, TIME_COLUMN, Query, QueryError
from soc.store.cluster.docs import iso

FREE_TEXT_FIELD = "message"  # event.original is kept but not indexed: free text is looked for in message


def _escape_wildcard(value: str) -> str:
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def _clause(field: str, mode: str, value: str, fold: bool) -> dict[str, Any]:
    if mode == "exists":
        return {"exists": {"field": field}}
    if mode == "eq" and not fold:
        return {"term": {field: value}}
    if mode == "prefix" and not fold:
        return {"prefix": {field: value}}
    pattern = {"eq": "{}", "prefix": "{}*", "contains": "*{}*"}[mode].format(_escape_wildcard(value))
    return {"wildcard": {field: {"value": pattern, "case_insensitive": fold}}}


def to_dsl(query: Query, known: Callable[[str], bool]) -> dict[str, Any]:
    """A ``bool`` query for ``query``; ``known(field)`` says whether any stored event can have the field."""
    must: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    for term in query.terms:
        name = term.field or TEXT_COLUMN
        if term.field and not known(name):
            close = difflib.get_close_matches(name, list(ecs.FIELDS), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else "; e.g. source.ip, user.name, url.original"
            raise QueryError(f"unknown field {name!r}{hint}")
        field = term.field or FREE_TEXT_FIELD
        if term.field and field.endswith(".ip") and term.mode == "eq":
            try:
                ipaddress.ip_address(term.value)
            except ValueError:
                raise QueryError(f"{field}: {term.value!r} is not an IP address") from None
        clause = _clause(field, term.mode, term.value, fold=term.field is None)
        (must_not if term.negate else must).append(clause)
    if query.since is not None or query.until is not None:
        bounds = {}
        if query.since is not None:
            bounds["gte"] = iso(query.since)
        if query.until is not None:
            bounds["lte"] = iso(query.until)
        must.append({"range": {TIME_COLUMN: bounds}})
    return {"bool": {"filter": must, "must_not": must_not}}
