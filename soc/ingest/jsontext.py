"""Raw values as text, and a JSON log line as a flat document (for the json and kv decoders).

Lines are read with orjson. What it refuses (NaN, lone surrogates …) or reads differently (integers beyond 64 bits
become floats) is read again by the standard ``json`` module: the same lines are accepted, errors read the same and
long numbers keep every digit.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from soc.ingest.fastcols import COMPILED, flat, has_huge_float


def as_text(value: Any) -> str | None:
    """A decoded value as the raw text the mapping step converts: objects and lists as JSON, numbers as written."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _loads(text: str) -> Any:
    """JSON text → Python values, as ``json.loads`` reads it (orjson first: see the module's docstring)."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    return json.loads(text) if has_huge_float(doc) else doc


# without the compiled helpers, the check for huge numbers would cost what orjson saves: json alone
loads = _loads if COMPILED else json.loads


def flat_object(line: str, text_values: bool = True) -> dict[str, Any] | str:
    """``line`` as a flat ``{"a.b": value}`` document, or the reason it is not a JSON object. Values are text when
    ``text_values``; otherwise as decoded (a caller converting only some of them uses :func:`as_text`)."""
    try:
        doc = loads(line)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:
        return "invalid JSON: nested too deep"
    if not isinstance(doc, dict):
        return "JSON value is not an object"
    try:
        doc = flat(doc)
    except RecursionError:
        return "JSON object nested too deep"
    if text_values:
        for k, v in doc.items():  # (the document's own keys: fewer than a parser's columns)
            if v is not None and type(v) is not str:
                doc[k] = as_text(v)
    return doc
