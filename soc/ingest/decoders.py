"""Decoders turn raw text lines into raw columns (all text) that the transform step maps to ECS.

They never drop a line silently: every line either yields a row or a (line index, reason) failure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from soc.ecs import flatten
from soc.ingest.parser import Parser


@dataclass
class Decoded:
    """Columnar output of a decoder: ``rows`` holds line indexes into the input, ``columns`` raw text values."""

    rows: list[int] = field(default_factory=list)
    pattern: list[int] = field(default_factory=list)
    columns: dict[str, list[str | None]] = field(default_factory=dict)
    failures: list[tuple[int, str]] = field(default_factory=list)


class RegexDecoder:
    """Tries each pattern in order (named groups → raw columns); the first that matches wins."""

    def __init__(self, parser: Parser):
        self.parser = parser
        self.compiled = [re.compile(p.regex) for p in parser.patterns]
        names: list[str] = []
        for rx in self.compiled:
            for n in rx.groupindex:
                if n not in names:
                    names.append(n)
        self.names = names
        # For each pattern, the position of each of its groups in the union of names.
        self.slots = [[names.index(n) for n in _group_order(rx)] for rx in self.compiled]

    def decode(self, lines: list[str]) -> Decoded:
        out = Decoded()
        if len(self.compiled) == 1 and self.slots[0] == list(range(len(self.names))):
            return self._decode_single(lines, out)
        width = len(self.names)
        rows: list[list[str | None]] = []
        for i, line in enumerate(lines):
            for p, rx in enumerate(self.compiled):
                m = rx.match(line)
                if m is not None:
                    row: list[str | None] = [None] * width
                    for slot, value in zip(self.slots[p], m.groups(), strict=True):
                        row[slot] = value
                    rows.append(row)
                    out.rows.append(i)
                    out.pattern.append(p)
                    break
            else:
                out.failures.append((i, f"no pattern of parser '{self.parser.name}' matches"))
        out.columns = _columns(self.names, rows)
        return out

    def _decode_single(self, lines: list[str], out: Decoded) -> Decoded:
        match = self.compiled[0].match
        rows: list[tuple] = []
        append_row, append_idx = rows.append, out.rows.append
        for i, line in enumerate(lines):
            m = match(line)
            if m is None:
                out.failures.append((i, f"no pattern of parser '{self.parser.name}' matches"))
            else:
                append_row(m.groups())
                append_idx(i)
        out.pattern = [0] * len(rows)
        out.columns = _columns(self.names, rows)
        return out

    def score(self, lines: list[str]) -> float:
        if not lines:
            return 0.0
        hits = sum(1 for line in lines if any(rx.match(line) for rx in self.compiled))
        return hits / len(lines)


class JsonDecoder:
    """One JSON object per line; nested objects are flattened to dotted keys, values kept as text."""

    def __init__(self, parser: Parser):
        self.parser = parser
        self.names = parser.raw_columns()
        self.required = parser.detect_keys

    def _object(self, line: str) -> dict | str:
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            return f"invalid JSON: {exc.msg} at column {exc.colno}"
        if not isinstance(doc, dict):
            return "JSON value is not an object"
        flat = flatten(doc) if any(isinstance(v, dict) for v in doc.values()) else doc
        missing = [k for k in self.required if not any(alt in flat for alt in k.split("|"))]
        if missing:
            return f"JSON object lacks {', '.join(missing)} (parser '{self.parser.name}')"
        return flat

    def decode(self, lines: list[str]) -> Decoded:
        out = Decoded()
        rows: list[list[str | None]] = []
        for i, line in enumerate(lines):
            doc = self._object(line)
            if isinstance(doc, str):
                out.failures.append((i, doc))
                continue
            rows.append([_text(doc.get(n)) for n in self.names])
            out.rows.append(i)
        out.pattern = [0] * len(rows)
        out.columns = _columns(self.names, rows)
        return out

    def score(self, lines: list[str]) -> float:
        if not lines:
            return 0.0
        return sum(1 for line in lines if isinstance(self._object(line), dict)) / len(lines)


def _group_order(rx: re.Pattern) -> list[str]:
    by_index = {i: n for n, i in rx.groupindex.items()}
    if len(by_index) != rx.groups:
        raise ValueError(f"pattern {rx.pattern!r}: use only named groups (?P<name>…) or (?:…)")
    return [by_index[i] for i in range(1, rx.groups + 1)]


def _columns(names: list[str], rows: list) -> dict[str, list]:
    if not rows:
        return {n: [] for n in names}
    return {n: list(col) for n, col in zip(names, zip(*rows, strict=True), strict=True)}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def decoder_for(parser: Parser) -> RegexDecoder | JsonDecoder:
    if parser.decoder == "regex":
        return RegexDecoder(parser)
    if parser.decoder == "json":
        return JsonDecoder(parser)
    raise ValueError(f"parser '{parser.name}': decoder '{parser.decoder}' is not implemented")
