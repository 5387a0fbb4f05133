"""The regex and JSON decoders turn raw text lines into raw columns (all text) that the transform step maps to ECS;
``RegexSQL`` compiles the regex decoder to RE2 SQL that the batch workspace runs instead.

They never drop a line silently: every line either yields a row or a (line index, reason) failure.
"""

from __future__ import annotations

import re

from soc import fastcols
from soc.ingest.decoded import Decoded, columns_of, group_order
from soc.ingest.jsontext import as_text, flat_object
from soc.ingest.lines import Multiline
from soc.ingest.parser_spec import Parser
from soc.store.duck import ident, literal
from soc.store.workspace import Workspace


class RegexDecoder:
    """Tries each pattern in order (named groups → raw columns); the first that matches wins."""

    def __init__(self, parser: Parser):
        self.parser = parser
        self.multiline = Multiline.from_option(parser.options.get("multiline"))
        flags = re.DOTALL if self.multiline else 0
        self.compiled = [re.compile(p.regex, flags) for p in parser.patterns]
        names: list[str] = []
        for rx in self.compiled:
            for n in rx.groupindex:
                if n not in names:
                    names.append(n)
        self.names = names
        # For each pattern, the position of each of its groups in the union of names.
        self.slots = [[names.index(n) for n in group_order(rx)] for rx in self.compiled]

    def tail_start(self, lines: list[bytes]) -> int | None:
        """Where the chunk's last, maybe unfinished, event starts (multi-line parsers only)."""
        return self.multiline.tail_start(lines) if self.multiline else None

    def decode(self, lines: list[str]) -> Decoded:
        if self.multiline is not None:  # match each joined event (``.`` spans its lines), report its first line
            groups = self.multiline.group(lines)
            out = self._decode_lines([text for _, text, _ in groups])
            out.originals = [groups[j][1] for j in out.rows]
            out.rows = [groups[j][0] for j in out.rows]
            out.failures = [(groups[j][0], reason) for j, reason in out.failures]
            return out
        return self._decode_lines(lines)

    def _decode_lines(self, lines: list[str]) -> Decoded:
        out = Decoded()
        if len(self.compiled) == 1 and self.slots[0] == list(range(len(self.names))):
            return self._decode_single(lines, out)
        width = len(self.names)
        # Pattern 0 (the common shape) takes the first slots in order: its groups tuple, padded, is the row.
        first_match = self.compiled[0].match
        first_in_order = self.slots[0] == list(range(len(self.slots[0])))
        pad = (None,) * (width - len(self.slots[0]))
        others = list(enumerate(self.compiled))[1:]
        rows: list[tuple] = []
        append_row, append_idx, append_pat = rows.append, out.rows.append, out.pattern.append
        for i, line in enumerate(lines):
            m = first_match(line)
            if m is not None and first_in_order:
                append_row(m.groups() + pad)
                append_idx(i)
                append_pat(0)
                continue
            for p, rx in ([(0, self.compiled[0])] if m is not None else []) + others:
                m = rx.match(line)
                if m is not None:
                    row: list[str | None] = [None] * width
                    for slot, value in zip(self.slots[p], m.groups(), strict=True):
                        row[slot] = value
                    append_row(tuple(row))
                    append_idx(i)
                    append_pat(p)
                    break
            else:
                out.failures.append((i, f"no pattern of parser '{self.parser.name}' matches"))
        out.columns = columns_of(self.names, rows)
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
        out.columns = columns_of(self.names, rows)
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
        self.required = [(k, tuple(k.split("|"))) for k in parser.detect_keys]  # "a|b": either key will do
        self._single = frozenset(k for k, alts in self.required if len(alts) == 1)  # checked in one set test
        self._either = [alts for _, alts in self.required if len(alts) > 1]

    def _object(self, line: str) -> dict | str:
        flat = flat_object(line, text_values=False)  # fastcols.columns converts the values a column takes
        if isinstance(flat, str):
            return flat
        if flat.keys() >= self._single and all(any(alt in flat for alt in alts) for alts in self._either):
            return flat
        missing = [k for k, alts in self.required if not any(alt in flat for alt in alts)]
        if missing:
            return f"JSON object lacks {', '.join(missing)} (parser '{self.parser.name}')"
        return flat

    def decode(self, lines: list[str]) -> Decoded:
        out = Decoded()
        docs: list[dict] = []
        obj, failures = self._object, out.failures
        for i, line in enumerate(lines):
            doc = obj(line)
            if isinstance(doc, str):
                failures.append((i, doc))
                continue
            docs.append(doc)
            out.rows.append(i)
        out.pattern = [0] * len(docs)
        out.columns = dict(zip(self.names, fastcols.columns(docs, self.names, as_text), strict=True))
        return out

    def score(self, lines: list[str]) -> float:
        if not lines:
            return 0.0
        return sum(1 for line in lines if isinstance(self._object(line), dict)) / len(lines)


class RegexSQL:
    """The regex decoder run inside DuckDB (RE2, vectorised, multi-threaded) instead of a Python loop.

    Same patterns, same first-match-wins order; a group that did not take part is NULL as in Python. Parsers whose
    patterns RE2 cannot compile (look-arounds, back-references) fall back to :class:`RegexDecoder`.
    """

    def __init__(self, parser: Parser):
        self.parser = parser
        self.patterns = [p.regex for p in parser.patterns]
        self.groups = [group_order(re.compile(p)) for p in self.patterns]
        self.names: list[str] = []
        for g in self.groups:
            self.names += [n for n in g if n not in self.names]

    @staticmethod
    def supported(parser: Parser, workspace: Workspace) -> bool:
        """Whether RE2 compiles every pattern of ``parser`` (else: the Python decoder)."""
        return all(workspace.regex_supported(p.regex) for p in parser.patterns)

    def pattern_sql(self, column: str) -> str:
        """Index of the first pattern matching ``column`` (NULL: none)."""
        whens = " ".join(f"WHEN regexp_matches({column}, {literal(p)}) THEN {i}" for i, p in enumerate(self.patterns))
        return f"CASE {whens} END"

    def tagged_sql(self, relation: str) -> str:
        """``relation`` (raw lines in ``_original``) with ``_pattern``, the index of the pattern each line matches."""
        return f"SELECT *, {self.pattern_sql('_original')} AS _pattern FROM {relation}"

    @staticmethod
    def unmatched_sql(tagged: str) -> str:
        """The ``_i`` of the lines of ``tagged`` no pattern matches."""
        return f"SELECT _i FROM {tagged} WHERE _pattern IS NULL"

    def matched_relation(self, tagged: str) -> str:
        """The matched lines of ``tagged`` with their groups as raw columns, as a relation for the mapping."""
        return f"({self.columns_sql('_original', f'(SELECT * FROM {tagged} WHERE _pattern IS NOT NULL)')})"

    def columns_sql(self, column: str, relation: str) -> str:
        """``relation`` (with ``_pattern``) plus one ``raw.<group>`` text column per named group."""
        structs = []
        for i, (p, names) in enumerate(zip(self.patterns, self.groups, strict=True)):
            lst = "[" + ", ".join(literal(n) for n in names) + "]"
            structs.append(f"CASE WHEN _pattern = {i} THEN regexp_extract({column}, {literal(p)}, {lst}) END AS _s{i}")
        cols = []
        for n in self.names:
            parts = [f"_s{i}[{literal(n)}]" for i, g in enumerate(self.groups) if n in g]
            value = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
            cols.append(f"nullif({value}, '') AS {ident('raw.' + n)}")
        inner = f"SELECT *, {', '.join(structs)} FROM {relation}"
        drop = ", ".join(f"_s{i}" for i in range(len(self.patterns)))
        return f"SELECT * EXCLUDE ({drop}), {', '.join(cols)} FROM ({inner})"
