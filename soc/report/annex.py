"""Annexes: every alert (and matched-event summary) of a report as XLSX (openpyxl) and CSV.

Times arrive as naive local datetimes (:mod:`soc.report.localize`, the header names the zone): XLSX stores them as
real Excel date-times shown ``dd/mm/yyyy hh:mm:ss``, CSV writes them the same way as text.

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
from soc.report.localize import sheet_name
from soc.report.safe_text import cell_text

_NATIVE = (bool, int, float, Decimal, datetime, date, time, timedelta)
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
DATE_FORMAT = "dd/mm/yyyy"


def _cell(value):
    if hasattr(value, "tolist") and getattr(value, "ndim", 0):  # numpy arrays (list columns)
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:  # Excel has no zones: localise before (localize)
        return value.astimezone(UTC).replace(tzinfo=None)
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, _NATIVE):  # numbers, booleans and times are stored as such: nothing to evaluate
        return value
    return cell_text(value)  # text, and anything else (dicts, bytes …) shown as its text


def write_xlsx(sheets: dict[str, pd.DataFrame], out: Path) -> Path:
    """One worksheet per frame (names made valid for Excel: 31 characters, none of ``[]:*?/\\``), header bold and
    frozen, date-times and dates with a day-first number format; atomic write."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=sheet_name(name))
        ws.append([cell_text(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(cell.value, date):
                    cell.number_format = DATE_FORMAT
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, col in enumerate(frame.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(width, 60)
    with atomic_target(out) as tmp:
        wb.save(tmp)
    return out


def _csv_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


def write_csv(frame: pd.DataFrame, out: Path) -> Path:
    """UTF-8 with BOM (Excel opens Vietnamese correctly), formula-neutralised; atomic write."""
    with atomic_target(out) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([cell_text(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            writer.writerow([_csv_text(c) for c in map(_cell, row)])
    return out
