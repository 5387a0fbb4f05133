"""What a parser is, as data: a decoder name, its patterns and options, and the ECS field mapping (``Parser``).

Decoders and the transform read it; ``soc.ingest.parser`` loads and validates it from YAML. Nothing here runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TYPES = {"string", "ip", "int", "long", "double", "timestamp", "list"}


class ParserError(Exception):
    """A parser definition that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class FieldSpec:
    """How one ECS field is produced: from a raw column (with a type) or from a SQL expression."""

    target: str
    source: tuple[str, ...] = ()  # raw columns, first non-empty wins
    type: str = "string"
    format: str | tuple[str, ...] | None = None  # timestamp: strptime format(s), "iso8601" or "epoch"
    timezone: str | None = None  # timestamp without offset: zone it was written in (default: config timezone)
    year: str | None = None  # "infer" for syslog timestamps without a year
    zone_from: str | None = None  # timestamp: raw column holding the zone (offset or abbreviation: soc.ingest.zones)
    expr: str | None = None  # SQL over the raw columns and the already mapped fields


@dataclass(frozen=True)
class Pattern:
    regex: str
    set: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    required: tuple[str, ...] = ()  # ECS fields a line this pattern matches must fill, or it is dead-lettered


@dataclass(frozen=True)
class Parser:
    name: str
    dataset: str
    module: str
    description: str
    decoder: str
    patterns: tuple[Pattern, ...]
    fields: tuple[FieldSpec, ...]
    constants: dict[str, Any]
    null_values: tuple[str, ...]
    detect_keys: tuple[str, ...]
    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()  # ECS fields every line must fill, or it is dead-lettered with their names

    @property
    def samples_dir(self) -> Path:
        return self.path.parent / "samples" / self.name

    @property
    def checks_required(self) -> bool:
        """Whether lines are checked for ``required`` fields (of the parser or of a pattern)."""
        return bool(self.required) or any(p.required for p in self.patterns)

    def raw_columns(self) -> list[str]:
        """Every raw column the mapping reads (for the json decoder: the keys to pull out)."""
        cols: list[str] = list(self.options.get("keys", []))
        for spec in self.fields:
            for c in spec.source:
                if c not in cols:
                    cols.append(c)
        return cols
