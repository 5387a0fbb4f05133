"""Arrow column helpers shared by the decoders and the enrichers (a core module: it imports no stage): ``key=value``
pairs of a text (or of many, straight into Arrow text columns), nested JSON objects as dotted keys, and documents or
lists → Arrow columns.

They run in C (``soc/_fastcols.c``, built by ``pip install`` when a compiler is there) and have a Python
equivalent here, used when the extension is not built or ``SOC_PURE_PYTHON=1`` is set; tests/test_fastcols.py
holds the two to the same results.
"""

from __future__ import annotations

import os
import re
from array import array
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa

from soc.ecs import flatten

try:
    if os.environ.get("SOC_PURE_PYTHON"):
        raise ImportError("SOC_PURE_PYTHON is set")
    from soc import _fastcols as _c
except ImportError:  # no compiler at install time: the Python loops below
    _c = None

COMPILED = _c is not None

_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'  # "…" with \-escapes, unrolled: far fewer regex steps than (?:[^"\\]|\\.)*
_KV = {  # key, quoted value (without its quotes), bare value
    False: re.compile(r'([A-Za-z_][\w.\-]*)=(?:' + _QUOTED + r'|(\S*))'),
    True: re.compile(r'([A-Za-z_][\w.\-]*)=(?:' + _QUOTED + r'|([^\s,]*))'),
}


def _unescape(value: str) -> str:
    return value.replace('\\"', '"').replace("\\\\", "\\") if "\\" in value else value


def kv_pairs_py(text: str, comma: bool = False) -> dict[str, str]:
    """``key=value`` / ``key="quoted \\"value\\""`` pairs of ``text`` (a later duplicate key wins); with ``comma``
    a bare value also stops at a comma (``k=v, k2=v2``)."""
    return {k: _unescape(q) if q else u for k, q, u in _KV[comma].findall(text)}


def kv_columns_py(texts: list[str], names: list[str], comma: bool, required: list[str]
                  ) -> tuple[list[int], list[tuple[int, list[str]]], list[pa.Array]]:
    """:func:`kv_pairs_py` of each text as Arrow text columns: (indexes of the texts holding every ``required`` key,
    (index, missing keys) of the others, one column per name over the first)."""
    rows, missing, docs = [], [], []
    for i, text in enumerate(texts):
        doc = kv_pairs_py(text, comma)
        absent = [k for k in required if k not in doc]
        if absent:
            missing.append((i, absent))
        else:
            rows.append(i)
            docs.append(doc)
    return rows, missing, columns_py(docs, names, str)


def flatten_py(doc: dict[str, Any]) -> dict[str, Any]:
    """Nested objects as dotted keys (``{"a": {"b": 1}}`` → ``{"a.b": 1}``); ``doc`` itself when none is nested."""
    return flatten(doc) if any(type(v) is dict for v in doc.values()) else doc


def has_huge_float_py(obj: Any, depth: int = 0) -> bool:
    """A float outside the 64-bit integer range in ``obj``'s dicts and lists: maybe an integer orjson could not
    hold (the json module keeps its digits)."""
    kind = type(obj)
    if kind is float:
        return not -9.3e18 < obj < 1.9e19
    if depth >= 64 or (kind is not dict and kind is not list):
        return False
    return any(has_huge_float_py(v, depth + 1) for v in (obj.values() if kind is dict else obj))


def text_column_py(values: Sequence[Any], to_text: Callable[[Any], str | None] = str) -> pa.Array:
    """An Arrow text column of ``values`` (str or None; others, numbers, lists …, through ``to_text``)."""
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([v if v is None or type(v) is str else to_text(v) for v in values], pa.string())


def columns_py(docs: list[dict[str, Any]], names: list[str], to_text: Callable[[Any], str | None]) -> list[pa.Array]:
    """One Arrow text column per name: ``doc.get(name)`` over ``docs``, values that are not text through
    ``to_text``. Rows are read with C-level loops and transposed."""
    n = len(docs)
    if not n:
        return [pa.nulls(0, pa.string()) for _ in names]
    return [pa.nulls(n, pa.string()) if values.count(None) == n else text_column_py(values, to_text)
            for values in zip(*[tuple(map(doc.get, names)) for doc in docs], strict=True)]




_INT_TYPES = {"q": pa.int64(), "i": pa.int32(), "b": pa.int8()}


def int_column(values: Sequence[int], kind: str = "q") -> pa.Array:
    """An Arrow int64 (``kind`` "q"), int32 ("i") or int8 ("b") column of Python ints. Unlike ``pa.array`` it never
    makes pyarrow import pandas (a third of a second of every ``soc ingest`` run)."""
    data = array(kind, values)
    return pa.Array.from_buffers(_INT_TYPES[kind], len(data), [None, pa.py_buffer(data)])


def _array(built: tuple, n: int) -> pa.Array:
    nulls, valid, offsets, data = built
    if nulls == n:
        return pa.nulls(n, pa.string())
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data),
                                       pa.py_buffer(valid) if valid is not None else None, nulls)


def _arrays(built: list[tuple], n: int) -> list[pa.Array]:
    return [_array(b, n) for b in built]


def _text_column_c(values: list[Any], to_text: Callable[[Any], str | None] = str) -> pa.Array:
    try:
        return _array(_c.texts(values, to_text), len(values))
    except OverflowError:  # > 2 GiB in one chunk: pyarrow splits it
        return text_column_py(values, to_text)


def _kv_columns_c(texts: list[str], names: list[str], comma: bool, required: list[str]
                  ) -> tuple[list[int], list[tuple[int, list[str]]], list[pa.Array]]:
    try:
        rows, missing, built = _c.kv_columns(texts, names, comma, required)
    except OverflowError:  # > 2 GiB of one column in a chunk
        return kv_columns_py(texts, names, comma, required)
    return rows, missing, _arrays(built, len(rows))


def _columns_c(docs: list[dict[str, Any]], names: list[str], to_text: Callable[[Any], str | None]) -> list[pa.Array]:
    try:
        built = _c.columns(docs, names, to_text)
    except OverflowError:  # > 2 GiB of one column in a chunk: pyarrow splits it
        return columns_py(docs, names, to_text)
    return _arrays(built, len(docs))


kv_pairs: Callable[[str, bool], dict[str, str]] = _c.kv_pairs if _c is not None else kv_pairs_py
kv_columns: Callable[[list, list, bool, list], tuple] = _kv_columns_c if _c is not None else kv_columns_py
flat: Callable[[dict[str, Any]], dict[str, Any]] = _c.flatten if _c is not None else flatten_py
has_huge_float: Callable[[Any], bool] = _c.has_huge_float if _c is not None else has_huge_float_py
columns: Callable[[list, list, Callable], list[pa.Array]] = _columns_c if _c is not None else columns_py
text_column: Callable[..., pa.Array] = _text_column_c if _c is not None else text_column_py
