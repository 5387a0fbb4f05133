"""Raw values as text, and a JSON log line as a flat document of text values (for the json and kv decoders)."""

from __future__ import annotations

import json
from typing import Any

from soc.ecs import flatten


def as_text(value: Any) -> str | None:
    """A decoded value as the raw text the mapping step converts: objects and lists as JSON, numbers as written."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def flat_object(line: str) -> dict[str, str | None] | str:
    """``line`` as a flat ``{"a.b": text}`` document, or the reason it is not a JSON object."""
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(doc, dict):
        return "JSON value is not an object"
    flat = flatten(doc) if any(isinstance(v, dict) for v in doc.values()) else doc
    for k, v in flat.items():  # values as text (the document's own keys: fewer than a parser's columns)
        if v is not None and type(v) is not str:
            flat[k] = as_text(v)
    return flat
