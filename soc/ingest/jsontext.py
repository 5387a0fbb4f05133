"""Raw values as text, and a JSON log line as a flat document (for the json and kv decoders).

Lines are read with orjson. What it refuses (NaN, lone surrogates …) or reads differently (integers beyond 64 bits
become floats) is read again by the standard ``json`` module: the same lines are accepted, errors read the same and
long numbers keep every digit. A lone surrogate (a ``\\ud800`` escape: hostile or broken, and no UTF-8 text can
hold it) becomes U+FFFD instead of stopping the ingest when the value is stored.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring  # (C) what json.dumps(ensure_ascii=False) writes a string with
from typing import Any

import orjson

from soc.fastcols import COMPILED, flat, has_huge_float


def as_text(value: Any) -> str | None:
    """A decoded value as the raw text the mapping step converts: objects and lists as JSON, numbers as written."""
    if value is None or isinstance(value, str):
        return value
    if type(value) is list and all(type(v) is str for v in value):  # json.dumps's text, without its per-call cost
        return "[" + ", ".join(map(encode_basestring, value)) + "]"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # \ud800 … \udfff in JSON text (pairs too: rare)


def _no_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates (``"\\ud800"`` escapes: no UTF-8 can hold them) as U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    return value


def _json_loads(text: str) -> Any:
    doc = json.loads(text)
    return _no_surrogates(doc) if _SURROGATE_ESCAPE.search(text) else doc


def _loads(text: str) -> Any:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _json_loads(text)
    return _json_loads(text) if has_huge_float(doc) else doc


# JSON text → Python values as json.loads reads them, lone surrogates excepted. Without the compiled helpers the
# check for huge numbers would cost what orjson saves: json alone.
loads = _loads if COMPILED else _json_loads


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
