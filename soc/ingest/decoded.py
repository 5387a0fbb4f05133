"""What a text decoder hands back: raw columns (all text) of the lines it read, and a reason for each line it
could not read. Shared by every decoder; it decodes nothing itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa


@dataclass
class Decoded:
    """Columnar output of a decoder: ``rows`` holds line indexes into the input, ``columns`` raw text values
    (a list, or an Arrow text array when :mod:`soc.fastcols` built it)."""

    rows: list[int] = field(default_factory=list)
    pattern: list[int] = field(default_factory=list)
    columns: dict[str, list[str | None] | pa.Array] = field(default_factory=dict)
    failures: list[tuple[int, str]] = field(default_factory=list)
    originals: list[str] | None = None  # per row, the event's text when lines were joined (multi-line)

    def values(self, name: str) -> list[str | None]:
        """Column ``name`` as a Python list."""
        column = self.columns[name]
        return column.to_pylist() if isinstance(column, pa.Array) else column


def group_order(rx: re.Pattern) -> list[str]:
    by_index = {i: n for n, i in rx.groupindex.items()}
    if len(by_index) != rx.groups:
        raise ValueError(f"pattern {rx.pattern!r}: use only named groups (?P<name>…) or (?:…)")
    return [by_index[i] for i in range(1, rx.groups + 1)]


def columns_of(names: list[str], rows: list) -> dict[str, list]:
    if not rows:
        return {n: [] for n in names}
    return {n: list(col) for n, col in zip(names, zip(*rows, strict=True), strict=True)}
