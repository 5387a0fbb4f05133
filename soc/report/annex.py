"""Annexes: every alert (and matched-event summary) of a report as XLSX (openpyxl) and CSV.

Log-derived cells are hostile: every text cell goes through :func:`soc.report.safe_text.cell_text` (controls made
visible, a leading ``= + - @``/tab/CR prefixed with an apostrophe), so no spreadsheet evaluates or hides it.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from soc.report.atomic import atomic_target
from soc.report.safe_text import cell_text

_NATIVE = (bool, int, float, Decimal, datetime, date, time, timedelta)


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
    if isinstance(value, _NATIVE):  # numbers, booleans and times are stored as such: nothing to evaluate
        return value
    return cell_text(value)  # text, and anything else (dicts, bytes …) shown as its text


def write_xlsx(sheets: dict[str, pd.DataFrame], out: Path) -> Path:
    """One worksheet per frame (names cut to Excel's 31 characters), header bold and frozen; atomic write."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([cell_text(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, col in enumerate(frame.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(width, 60)
    with atomic_target(out) as tmp:
        wb.save(tmp)
    return out


def write_csv(frame: pd.DataFrame, out: Path) -> Path:
    """UTF-8 with BOM (Excel opens Vietnamese correctly), formula-neutralised; atomic write."""
    with atomic_target(out) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([cell_text(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            writer.writerow(["" if c is None else c for c in map(_cell, row)])
    return out
