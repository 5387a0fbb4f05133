"""A report as a renderer-neutral document: header data (Decree 30/2020 fields) and a list of blocks.

Report builders produce a :class:`Document`; the DOCX, PDF and Markdown renderers only lay it out. Nothing here
reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Fields:
    """Label/value rows of a form (e.g. Mẫu 03 fields); ``required`` labels are marked with *."""

    rows: list[tuple[str, str]]


@dataclass
class Table:
    frame: pd.DataFrame
    caption: str = ""
    right: frozenset[int] = frozenset()  # columns of numbers, aligned right
    total_row: bool = False  # the last row sums the others (shown bold)


@dataclass
class Image:
    png: bytes
    caption: str = ""
    width_cm: float = 15.0


@dataclass
class Callout:
    """A prominent boxed statement (e.g. the 72-hour notification deadline)."""

    text: str


Block = Heading | Para | Bullets | Fields | Table | Image | Callout


@dataclass
class Document:
    kind: str  # "BÁO CÁO", "THÔNG BÁO" …
    symbol: str  # "BC", "TB" … for "Số: …/BC-<agency_short>"
    subject: str  # the "V/v" / subject line under the title
    issued: date  # local date of the document
    profile: dict[str, Any]
    blocks: list[Block] = field(default_factory=list)
    form: str = ""  # the ministry form this document fills, if any

    @property
    def number_line(self) -> str:
        number = self.profile.get("number")
        n = f"{int(number):02d}" if isinstance(number, int) else (number or "      ")
        return f"Số: {n}/{self.symbol}-{self.profile.get('agency_short', '')}"

    @property
    def place_date(self) -> str:
        d = self.issued
        day = f"{d.day:02d}" if d.day < 10 else str(d.day)
        month = f"{d.month:02d}" if d.month < 3 else str(d.month)  # Decree 30: 01, 02 take a leading zero
        return f"{self.profile.get('place', '')}, ngày {day} tháng {month} năm {d.year}"


NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def vn_number(n: float | int, decimals: int = 0) -> str:
    """12345.6 → '12.345,6' (Vietnamese grouping)."""
    text = f"{n:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
