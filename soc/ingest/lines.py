"""Python line decoders beyond regex/json: key=value (``kv``), ArcSight ``cef`` and IIS ``w3c``, plus the two steps
every text decoder may use: the syslog header (:mod:`soc.ingest.syslog`) and Filebeat-style multi-line joining.

Multi-line (decoder option ``multiline: {pattern: REGEX, negate: false, max_lines: 500}``): a line that matches
``pattern`` (or, with ``negate: true``, one that does not) continues the event before it. The decoder returns one
row per event, indexed by the event's first line, with the joined text in ``Decoded.originals``; continuation lines
are consumed, neither rows nor failures. A continuation with no event before it in the chunk starts its own event.
These decoders never drop a line silently: every line is a row, part of a row, a header, or a failure with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, reduce

import pyarrow as pa
import pyarrow.compute as pc

from soc import fastcols
from soc.ingest import syslog
from soc.ingest.decoded import Decoded
from soc.ingest.jsontext import as_text, flat_object
from soc.ingest.parser_spec import Parser


@dataclass
class Multiline:
    pattern: re.Pattern
    negate: bool = False
    max_lines: int = 500

    @classmethod
    def from_option(cls, opt: dict | None) -> Multiline | None:
        if not opt:
            return None
        return cls(re.compile(opt["pattern"]), bool(opt.get("negate", False)), int(opt.get("max_lines", 500)))

    def tail_start(self, lines: list[bytes]) -> int | None:
        """Index of the line that starts the chunk's last event (its continuation lines may be in the next chunk);
        None when no event starts within the last ``max_lines`` lines (the event is cut there anyway)."""
        search, negate = self.pattern.search, self.negate
        for i in range(len(lines) - 1, max(-1, len(lines) - 1 - self.max_lines), -1):
            line = lines[i].decode("utf-8", "replace")
            if (search(line) is None) != negate:  # not a continuation: the last event starts here
                return i
        return None

    def group(self, lines: list[str]) -> list[tuple[int, str, int]]:
        """(first line index, joined text, lines joined) per event."""
        out: list[tuple[int, str, int]] = []
        search, negate, cap = self.pattern.search, self.negate, self.max_lines
        for i, line in enumerate(lines):
            cont = (search(line) is None) if negate else (search(line) is not None)
            if cont and out and out[-1][2] < cap:
                first, text, n = out[-1]
                out[-1] = (first, text + "\n" + line, n + 1)
            else:
                out.append((i, line, 1))
        return out


class LineDecoder:
    """Base of the Python decoders: header step, multi-line grouping, then :meth:`fields` on each event's text."""

    def __init__(self, parser: Parser):
        self.parser = parser
        opts = parser.options
        self.header = syslog.compiled(opts.get("syslog"))
        self.header_optional = opts.get("syslog") == "optional"
        self.multiline = Multiline.from_option(opts.get("multiline"))
        names = parser.raw_columns()
        if self.header is not None:
            names += [n for n in syslog.NAMES if n not in names]
        # ``join: {column: [a, b]}``: a column made of others joined by a space, when all are present
        self.join = {k: list(v) for k, v in (opts.get("join") or {}).items()}
        self.epoch_ms = tuple(opts.get("epoch_ms", ()))  # columns written in epoch milliseconds → seconds text
        self.names = names

    def fields(self, text: str) -> dict[str, str | None] | str | None:
        """Raw columns of one event, a failure reason (str), or None for a line that is not an event (a header)."""
        raise NotImplementedError

    def tail_start(self, lines: list[bytes]) -> int | None:
        """Where the chunk's last, maybe unfinished, event starts (multi-line parsers only)."""
        return self.multiline.tail_start(lines) if self.multiline else None

    def _event(self, text: str) -> dict | str | None:
        if self.header is None or (self.header_optional and text[:1] not in syslog.FIRST_CHARS):
            return self.fields(text)  # (a bare FortiGate ``date=…`` line: no need to try the header regex)
        m = self.header.match(text)
        if m is None:
            return "no syslog header"
        doc = self.fields(text[m.end():])
        if isinstance(doc, dict):
            doc.update(m.groupdict())  # header fields come from the header only
        return doc

    def decode(self, lines: list[str]) -> Decoded:
        out = Decoded()
        docs: list[dict] = []
        joined = self.multiline.group(lines) if self.multiline else None
        events = joined if joined is not None else ((i, line, 1) for i, line in enumerate(lines))
        originals: list[str] = []
        event, failures, rows = self._event, out.failures, out.rows
        for i, text, _ in events:
            doc = event(text)
            if doc is None:
                continue
            if isinstance(doc, str):
                failures.append((i, f"{doc} (parser '{self.parser.name}')"))
                continue
            docs.append(doc)
            rows.append(i)
            originals.append(text)
        names = self.read_names
        out.pattern = [0] * len(docs)
        out.columns = self._derive(dict(zip(names, fastcols.columns(docs, names, as_text), strict=True)))
        if joined is not None:
            out.originals = originals
        return out

    @cached_property
    def read_names(self) -> list[str]:
        """The columns read from each event: the parser's, then those only ``join`` uses."""
        return list(dict.fromkeys([*self.names, *(p for parts in self.join.values() for p in parts)]))

    def _derive(self, columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        """The parser's columns from those read: ``epoch_ms`` to seconds, then ``join``."""
        for name in self.epoch_ms:  # epoch milliseconds → seconds text
            if name in columns:
                columns[name] = _epoch_ms_to_seconds(columns[name])
        for name, parts in self.join.items():  # a column made of others joined by a space, when all are present
            if name in columns:
                columns[name] = _joined(columns[name], [columns[p] for p in parts])
        return {name: columns[name] for name in self.names}

    def score(self, lines: list[str]) -> float:
        if not lines:
            return 0.0
        d = self.decode(lines)
        return 1.0 - len(d.failures) / len(lines) if d.rows else 0.0


# Scalars taken from arrays: pa.scalar() of a Python value, like pa.array(), makes pyarrow import pandas
_FALSE = pa.Array.from_buffers(pa.bool_(), 1, [None, pa.py_buffer(b"\x00")])[0]
_EMPTY, _DOT, _SPACE = fastcols.text_column(["", ".", " "])


def _epoch_ms_to_seconds(values: pa.Array) -> pa.Array:
    """``1732412345678`` → ``1732412345.678``; other values as they are."""
    ms = pc.fill_null(pc.match_substring_regex(values, r"^[0-9]{13}$"), _FALSE)
    if not pc.any(ms).as_py():
        return values
    return pc.if_else(ms, pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, 10),
                                                      pc.utf8_slice_codeunits(values, 10), _DOT), values)


def _joined(was: pa.Array, parts: list[pa.Array]) -> pa.Array:
    """``parts`` joined by a space where every part is a non-empty text; ``was`` elsewhere."""
    present = reduce(pc.and_, (pc.fill_null(pc.not_equal(p, _EMPTY), _FALSE) for p in parts))
    if not pc.any(present).as_py():
        return was
    return pc.if_else(present, pc.binary_join_element_wise(*parts, _SPACE), was)


class KvDecoder(LineDecoder):
    """``key=value`` pairs (values optionally "quoted" with \\" escapes), after an optional ``head`` regex whose
    named groups become columns too. ``separator: ','`` for ``k=v, k2=v2`` (Keycloak); ``json_field: message`` reads
    a JSON line and parses that field as key=value (Keycloak JSON logging); ``require: [keys]`` for detection."""

    def __init__(self, parser: Parser):
        super().__init__(parser)
        opts = parser.options
        self.comma = opts.get("separator", " ") == ","
        self.head = re.compile(opts["head"]) if opts.get("head") else None
        self.json_field = opts.get("json_field")
        self.require = tuple(opts.get("require", ()))
        if self.head is not None:
            self.names += [n for n in self.head.groupindex if n not in self.names]

    def decode(self, lines: list[str]):
        """Plain ``key=value`` lines (no ``head``, ``json_field`` or multi-line): pairs go straight to Arrow columns
        (:func:`fastcols.kv_columns`), the syslog header's fields are set over them; else line by line."""
        if self.json_field or self.head is not None or self.multiline is not None:
            return super().decode(lines)
        out = Decoded()
        bodies: list[str] = []
        index: list[int] = []  # body → line
        headers: dict[int, tuple[str | None, ...]] = {}  # body → the header's groups
        for i, text in enumerate(lines):
            if self.header is None or (self.header_optional and text[:1] not in syslog.FIRST_CHARS):
                bodies.append(text)
            elif m := self.header.match(text):
                headers[len(bodies)] = tuple(m.groupdict().values())
                bodies.append(text[m.end():])
            else:
                out.failures.append((i, f"no syslog header (parser '{self.parser.name}')"))
                continue
            index.append(i)
        names = self.read_names
        rows, missing, arrays = fastcols.kv_columns(bodies, names, self.comma, list(self.require))
        out.failures += [(index[b], f"no {', '.join(keys)} key (parser '{self.parser.name}')") for b, keys in missing]
        out.failures.sort()
        columns = dict(zip(names, arrays, strict=True))
        if headers and rows:  # the header's fields (a kv key of the same name only where the line has no header)
            group_names = list(self.header.groupindex)
            absent = (None,) * len(group_names)
            per_row = [headers.get(b, absent) for b in rows]
            has = pc.cast(fastcols.int_column([b in headers for b in rows], "b"), pa.bool_())
            for name, values in zip(group_names, zip(*per_row, strict=True), strict=True):
                if name in columns:
                    columns[name] = pc.if_else(has, fastcols.text_column(list(values)), columns[name])
        out.rows = [index[b] for b in rows]
        out.pattern = [0] * len(rows)
        out.columns = self._derive(columns)
        return out

    def fields(self, text: str):
        doc: dict[str, str | None] = {}
        if self.json_field and text.startswith("{"):
            obj = flat_object(text)
            if isinstance(obj, str):
                return obj
            doc = obj
            if not doc.get(self.json_field):
                return f"JSON object lacks '{self.json_field}'"
            text = doc[self.json_field]
        elif self.head is not None:
            m = self.head.match(text)
            if m is None:
                return "line does not start as expected"
            doc = {k: v for k, v in m.groupdict().items() if v is not None}
            text = text[m.end():]
        pairs = fastcols.kv_pairs(text, self.comma)  # a later duplicate key wins
        if doc:
            doc.update(pairs)
        else:
            doc = pairs
        missing = [k for k in self.require if k not in doc]
        if missing:
            return f"no {', '.join(missing)} key"
        return doc


_CEF_HEADER = re.compile(r"CEF:(\d+)\|" + r"([^|\\]*(?:\\.[^|\\]*)*)\|" * 6)  # \-escapes, unrolled
_CEF_KEY = re.compile(r"(?:^| )([A-Za-z0-9_.\[\]-]+)=")
_CEF_HDR_NAMES = ("cef_version", "device_vendor", "device_product", "device_version", "device_event_class_id",
                  "name", "severity")
_CEF_ESC = re.compile(r"\\(.)")
_CEF_EXT_ESC = {"n": "\n", "r": "\r", "=": "=", "\\": "\\", "|": "|"}


class CefDecoder(LineDecoder):
    """ArcSight CEF: seven ``|``-separated header fields (``\\|`` and ``\\\\`` escaped) then ``key=value``
    extensions (``\\=``, ``\\\\``, ``\\n``, ``\\r`` escaped; a value runs up to the next unescaped `` key=``).
    Header fields become the columns ``cef_version … severity``; extension keys keep their CEF names."""

    def fields(self, text: str):
        start = text.find("CEF:")
        if start < 0:
            return "no CEF: header"
        m = _CEF_HEADER.match(text, start)
        if m is None:
            return "CEF header has fewer than 8 '|'-separated fields"
        doc: dict[str, str | None] = dict(zip(_CEF_HDR_NAMES, m.groups(), strict=True))
        if "\\" in m.group(0):
            doc = {k: _CEF_ESC.sub(r"\1", v) if "\\" in v else v for k, v in doc.items()}
        ext_text = text[m.end():]
        parts = _CEF_KEY.split(ext_text)  # ['', key1, value1, key2, value2, …]
        ext = dict(zip(parts[1::2], parts[2::2], strict=True))
        if "\\" in ext_text or "  " in ext_text or ext_text.endswith(" "):  # the rare slow path
            for k, value in ext.items():
                value = value.rstrip(" ")
                if "\\" in value:
                    value = _CEF_ESC.sub(lambda e: _CEF_EXT_ESC.get(e.group(1), "\\" + e.group(1)), value)
                ext[k] = value
        doc.update(ext)
        return doc


def w3c_column(name: str) -> str:
    """W3C field name → raw column: ``cs(User-Agent)`` → ``cs_user_agent``, ``cs-uri-stem`` → ``cs_uri_stem``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


# IIS's default field sets, used until a ``#Fields:`` directive is seen (a file resumed past its header, or logging
# configured without directives): the web server's, and the FTP service's (told apart by their number of values).
IIS_DEFAULT = ("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
               "cs(Referer) sc-status sc-substatus sc-win32-status time-taken").split()
IIS_FTP_DEFAULT = ("date time c-ip cs-username s-ip s-port cs-method cs-uri-stem sc-status sc-win32-status "
                   "sc-substatus x-session x-fullpath").split()
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


class W3cDecoder(LineDecoder):
    """W3C extended log: ``#Fields:`` sets the columns (and may change mid-file: the decoder keeps it across
    chunks of one file); other ``#`` directives are consumed; ``+`` stands for a space in ``cs(…)`` header fields.
    Before any ``#Fields:``, a line is read with the default field set of its number of values (IIS web or FTP)."""

    def __init__(self, parser: Parser):
        super().__init__(parser)
        configured = parser.options.get("default_fields")
        sets = [configured] if configured else [IIS_DEFAULT, IIS_FTP_DEFAULT]
        self.defaults = {len(names): self._layout(names) for names in sets}
        self.declared = False
        self.columns, self.plus = self.defaults[len(sets[0])]

    @staticmethod
    def _layout(names: list[str]) -> tuple[list[str], list[bool]]:
        return [w3c_column(n) for n in names], [n.startswith("cs(") for n in names]

    def fields(self, text: str):
        text = text.rstrip("\r")
        if text.startswith("#"):
            if text.startswith("#Fields:"):
                self.columns, self.plus = self._layout(text[8:].split())
                self.declared = True
                return None
            if re.match(r"#(Software|Version|Date|Start-Date|End-Date|Remark):", text):
                return None
            return "unknown W3C directive"
        values = text.split(" ")
        columns, plus = self.columns, self.plus
        if len(values) != len(columns):
            if self.declared or len(values) not in self.defaults:
                return f"{len(values)} values but #Fields declares {len(columns)}"
            columns, plus = self.defaults[len(values)]
        return {c: (v.replace("+", " ") if p else v) for c, v, p in zip(columns, values, plus, strict=True)}

    def score(self, lines: list[str]) -> float:
        # A file with IIS/W3C directives is W3C; without them, only lines that open with a date and time and have as
        # many values as a default field set: space-separated values alone are too common.
        if any(line.startswith(("#Software:", "#Fields:")) for line in lines[:20]):
            return super().score(lines)
        if not lines or not all(_DATE_TIME.match(line) and len(line.split(" ")) in self.defaults
                                for line in lines[:20]):
            return 0.0
        return super().score(lines)
