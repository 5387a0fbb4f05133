"""Annex tables for people: every time a naive wall-clock datetime of the report's zone (its header names the zone),
days as local dates, headers, levels and statuses in the report's language. Never adds, drops or reorders rows."""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd
from pandas.api.types import is_datetime64_any_dtype

from soc.report.words import (
    LEVEL_COLUMNS,
    LEVEL_VI,
    RESOLUTION_COLUMNS,
    STATUS_COLUMNS,
    column_word,
    level_word,
    resolution_word,
    status_word,
)
from soc.timefmt import to_local_naive, zone_label

# Columns that hold a moment (ISO UTC text, aware or naive-UTC timestamps) whatever their dtype.
TIME_COLUMNS = frozenset(("first_time", "last_time", "created", "updated", "@timestamp"))
DAY_COLUMNS = frozenset(("day",))
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_EN_NAMES = {"@timestamp": "timestamp"}  # a header starting with @ would show as '@timestamp in a spreadsheet


def sheet_name(name: str) -> str:
    """``name`` as an Excel sheet name: none of ``[]:*?/\\``, no leading/trailing apostrophe, at most 31 chars."""
    cleaned = _SHEET_BAD.sub(" ", name).strip().strip("'").strip()
    return cleaned[:31].rstrip() or "Sheet"


def _is_time(col: str, series: pd.Series) -> bool:
    return col in TIME_COLUMNS or is_datetime64_any_dtype(series)


def _header(col: str, lang: str, headers: dict[str, str]) -> str:
    if col in headers:
        return headers[col]
    if col in LEVEL_VI:  # a column per level (alerts by system …)
        return level_word(col, lang)
    return column_word(col, lang) if lang == "vi" else _EN_NAMES.get(col, col)


def annex_frame(frame: pd.DataFrame, zone: str, lang: str = "vi", *, at: datetime | None = None,
                headers: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` ready for the XLSX/CSV annex: times in ``zone`` (naive local ``datetime``), headers of
    time and day columns labelled with the zone, level/status/resolution words and headers in ``lang``.
    ``headers`` overrides the header of a column."""
    label = zone_label(zone, at)
    headers = headers or {}
    out = pd.DataFrame(index=frame.index)
    names: list[str] = []
    for col in frame.columns:
        series = frame[col]
        name = _header(col, lang, headers)
        if _is_time(col, series):
            values = [to_local_naive(v, zone) for v in series]
            out[col] = pd.Series(values, index=frame.index, dtype="object")
            name = f"{name} ({label})"
        elif col in DAY_COLUMNS and all(isinstance(v, date) or v is None for v in series):
            out[col] = series  # already local dates (periods are counted in local days)
            name = f"{name} ({label})"
        elif col in LEVEL_COLUMNS:
            out[col] = series.map(lambda v: level_word(v, lang) if isinstance(v, str) else v)
        elif col in STATUS_COLUMNS:
            out[col] = series.map(lambda v: status_word(v, lang) if isinstance(v, str) else v)
        elif col in RESOLUTION_COLUMNS:
            out[col] = series.map(lambda v: resolution_word(v, lang) if isinstance(v, str) else v)
        else:
            out[col] = series
        names.append(name)
    out.columns = names
    return out.reset_index(drop=True)
