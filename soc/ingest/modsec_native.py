"""ModSecurity audit log decoder: the native Serial format (2.x ``--1a2b3c4d-A--`` … ``--1a2b3c4d-Z--`` and 3.x
``---Xg7mPmpX---A--`` boundaries) and the JSON format (one transaction per line), one transaction = one event.

A native record becomes the same raw columns as the 2.x JSON format (``transaction.*``, ``request.*``,
``response.*``, ``audit_data.*``) so ``parsers/modsecurity.yml`` maps both the same way. It never drops a line: a
record cut short (no Z before the next A or the end of the input) is reported line by line as failures.
"""

from __future__ import annotations

import json
import re
from typing import Any

from soc.ingest.decoded import Decoded, columns_of
from soc.ingest.decoders import JsonDecoder
from soc.ingest.jsontext import as_text
from soc.ingest.parser_spec import Parser

TAIL_SCAN = 20_000  # lines looked back for the last record's start when a chunk ends
# v2: --<8 hex>-<letter>--   v3: ---<8 alphanumerics>---<letter>--
BOUNDARY = re.compile(r"^-{2,3}([0-9A-Za-z]{8,})-{1,3}([A-Z])--\s*$")
# Section A: [timestamp] unique_id client_ip client_port server_ip server_port
_HEADER_A = re.compile(r"^\[([^\]]+)\] (\S+) (\S+) (\d+) (\S+) (\d+)")
_TRAILER_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): ?(.*)$")
_HEADERS = {"host": "Host", "user-agent": "User-Agent", "referer": "Referer"}


class _Record:
    """One native transaction being read: its boundary id, first line index, lines and sections."""

    def __init__(self, uid: str, first: int):
        self.uid = uid
        self.first = first
        self.indexes: list[int] = [first]
        self.lines: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self.current: list[str] | None = None

    def add(self, i: int, line: str) -> None:
        self.indexes.append(i)
        self.lines.append(line)


def _section_a(lines: list[str], doc: dict[str, Any]) -> None:
    for line in lines:
        m = _HEADER_A.match(line)
        if m:
            ts, uid, cip, cport, sip, sport = m.groups()
            doc["transaction.time"] = re.sub(r" --(\d{4})$", r" -\1", ts)  # 2.7 wrote "--0400" for -0400
            doc["transaction.transaction_id"] = uid
            doc["transaction.remote_address"], doc["transaction.remote_port"] = cip, cport
            doc["transaction.local_address"], doc["transaction.local_port"] = sip, sport
            return


def _headers(lines: list[str]) -> tuple[str | None, dict[str, str]]:
    """First line (request or status line) and the headers we keep, by canonical name."""
    first, found = None, {}
    for line in lines:
        if first is None:
            if line.strip():
                first = line.strip()
            continue
        if not line.strip():
            break
        name, sep, value = line.partition(":")
        canon = _HEADERS.get(name.strip().lower())
        if sep and canon and canon not in found:
            found[canon] = value.strip()
    return first, found


def _section_h(lines: list[str], doc: dict[str, Any]) -> None:
    messages: list[str] = []
    for line in lines:
        m = _TRAILER_KEY.match(line)
        if m is None:
            if messages and line.strip():  # a message wrapped over lines by whoever copied the file
                messages[-1] += " " + line.strip()
            continue
        key, value = m.groups()
        if key in ("Message", "ModSecurity"):  # 2.x "Message: …", 3.x "ModSecurity: …"
            messages.append(value)
        elif key == "Action" and value.startswith("Intercepted"):
            doc["audit_data.action.intercepted"] = "true"
        elif key == "Engine-Mode":
            doc["audit_data.engine_mode"] = value.strip('"')
        elif key in ("Producer", "Server", "Apache-Handler"):
            doc[f"audit_data.{key.lower().replace('-', '_')}"] = value
    if messages:
        doc["audit_data.messages"] = json.dumps(messages, ensure_ascii=False)
        if ("audit_data.action.intercepted" not in doc and doc.get("audit_data.engine_mode") != "DETECTION_ONLY"
                and any(m.startswith("Access denied") for m in messages)):
            doc["audit_data.action.intercepted"] = "true"  # 3.x writes no Action line


def record_fields(sections: dict[str, list[str]]) -> dict[str, Any]:
    """Raw columns (named as in the 2.x JSON format) of one native record."""
    doc: dict[str, Any] = {}
    _section_a(sections.get("A", []), doc)
    request_line, headers = _headers(sections.get("B", []))
    if request_line:
        doc["request.request_line"] = request_line
    for name, value in headers.items():
        doc[f"request.headers.{name}"] = value
    status_line, _ = _headers(sections.get("F", []))
    if status_line:
        parts = status_line.split()
        doc["response.protocol"] = parts[0]
        if len(parts) > 1 and parts[1].isdigit():
            doc["response.status"] = parts[1]
    _section_h(sections.get("H", []), doc)
    return doc


class ModsecDecoder:
    """Native Serial records and JSON lines of a ModSecurity audit log (decoder ``modsec``)."""

    def __init__(self, parser: Parser):
        self.parser = parser
        self.json = JsonDecoder(parser)
        self.names = parser.raw_columns()

    def tail_start(self, lines: list[bytes]) -> int | None:
        """Index of the line opening the chunk's last native record (section A): the rest of the record may be in
        the next chunk. None for JSON records, or when no record opens within the last ``TAIL_SCAN`` lines."""
        for i in range(len(lines) - 1, max(-1, len(lines) - 1 - TAIL_SCAN), -1):
            if lines[i][:2] == b"--":
                m = BOUNDARY.match(lines[i].decode("utf-8", "replace"))
                if m and m.group(2) == "A":
                    return i
        return None

    def decode(self, lines: list[str]):
        out = Decoded()
        rows: list[list[str | None]] = []
        originals: list[str] = []
        name = self.parser.name
        rec: _Record | None = None

        def emit(first: int, doc: dict[str, Any], text: str) -> None:
            rows.append([as_text(doc.get(n)) for n in self.names])
            out.rows.append(first)
            originals.append(text)

        def truncated(r: _Record, why: str) -> None:
            out.failures.append((r.first, f"truncated ModSecurity record {r.uid}: no Z section before {why} "
                                           f"(parser '{name}')"))
            out.failures.extend((i, f"part of truncated ModSecurity record {r.uid} (parser '{name}')")
                                for i in r.indexes[1:])

        for i, line in enumerate(lines):
            m = BOUNDARY.match(line)
            if rec is not None:
                if m is None or (m.group(1) == rec.uid and m.group(2) not in "AZ"):
                    rec.add(i, line)
                    if m is not None:
                        rec.current = rec.sections.setdefault(m.group(2), [])
                    elif rec.current is not None:
                        rec.current.append(line)
                    continue
                if m.group(1) == rec.uid and m.group(2) == "Z":
                    rec.add(i, line)
                    emit(rec.first, record_fields(rec.sections), "\n".join([lines[rec.first], *rec.lines]))
                    rec = None
                    continue
                truncated(rec, f"line {i - rec.first + 1} of the record starts another one")
                rec = None
            if m is not None and m.group(2) == "A":
                rec = _Record(m.group(1), i)
                rec.current = rec.sections.setdefault("A", [])
            elif not line.strip():
                continue  # blank line between records
            elif line.lstrip().startswith("{"):
                doc = self.json._object(line)
                if isinstance(doc, str):
                    out.failures.append((i, doc))
                else:
                    emit(i, doc, line)
            else:
                out.failures.append((i, f"line outside a ModSecurity record (no A section before it) "
                                        f"(parser '{name}')"))
        if rec is not None:
            truncated(rec, "the end of the input")
        out.failures.sort()
        out.pattern = [0] * len(rows)
        out.columns = columns_of(self.names, rows)
        out.originals = originals
        return out

    def score(self, lines: list[str]) -> float:
        """Share of lines read as records; a record cut by the end of the sample counts as neither, and a sample
        that is only the start of one record (longer than the sample) counts when it opens with A's header."""
        if not lines:
            return 0.0
        d = self.decode(lines)
        end = [i for i, reason in d.failures if "before the end of the input" in reason]
        stop = end[0] if end else len(lines)
        if not d.rows:
            opens = end and not any(x.strip() for x in lines[:stop]) and stop + 1 < len(lines)
            return 1.0 if opens and _HEADER_A.match(lines[stop + 1]) else 0.0
        bad = sum(1 for i, _ in d.failures if i < stop)
        return 1.0 - bad / stop
