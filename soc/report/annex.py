"""Annexes: every alert (and matched-event summary) of a report as XLSX (openpyxl) and CSV.

Log-derived cells are hostile: a value starting with ``= + - @`` (or tab/CR) is prefixed with an apostrophe so no
spreadsheet evaluates it as a formula.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell value that a spreadsheet shows as text, never evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(value):
    if hasattr(value, "tolist") and getattr(value, "ndim", 0):  # numpy arrays (list columns)
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:  # Excel has no zones: store UTC
        return value.astimezone(UTC).replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    return neutralise(value) if isinstance(value, str) else value


def write_xlsx(sheets: dict[str, pd.DataFrame], out: Path) -> Path:
    """One worksheet per frame (names cut to Excel's 31 characters), header bold and frozen; atomic write."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([neutralise(str(c)) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, col in enumerate(frame.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(width, 60)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    wb.save(tmp)
    tmp.replace(out)
    return out


def write_csv(frame: pd.DataFrame, out: Path) -> Path:
    """UTF-8 with BOM (Excel opens Vietnamese correctly), formula-neutralised; atomic write."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([neutralise(str(c)) for c in frame.columns])
        for row in frame.itertuples(index=False):
            writer.writerow(["" if _cell(v) is None else _cell(v) for v in row])
    tmp.replace(out)
    return out
