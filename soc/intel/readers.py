"""Reading indicator files: STIX 2.1 bundles, MISP event JSON, plain CSV/TXT lists (defanged values allowed).

Each reader returns the indicators it could read and, for every entry it could not, the line and the reason; it
never stops at a bad entry and never stores anything (``soc.intel.load`` hands the result to the store).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soc.intel import normalise
from soc.intel.model import Indicator, make


@dataclass
class Problem:
    line: int
    reason: str
    text: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" + (f" ({self.text[:80]!r})" if self.text else "")


@dataclass
class Read:
    fmt: str  # stix | misp | csv | txt
    indicators: list[Indicator] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warning: str = ""  # the reference the file itself gives (bundle report name, MISP event info)
    source: str = ""

    def add(self, line: int, kind: str, raw: str, **meta: Any) -> None:
        try:
            self.indicators.append(make(kind, raw, **{k: v for k, v in meta.items() if v}))
        except ValueError as exc:
            self.problems.append(Problem(line, f"{kind}: {exc}", str(raw)))


def read_file(path: Path) -> Read:
    """Read ``path`` by its content: JSON with ``objects`` (STIX), with ``Event`` (MISP), else CSV or one per line."""
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            out = Read("json")
            out.problems.append(Problem(exc.lineno, f"not valid JSON: {exc.msg}"))
            return out
        if isinstance(doc, dict) and "objects" in doc:
            return read_stix(doc, text)
        return read_misp(doc, text)
    first = stripped.splitlines()[0] if stripped else ""
    if "," in first or ";" in first or "\t" in first:
        return read_csv(text)
    return read_txt(text)


def _line_of(text: str, needle: str, default: int) -> int:
    at = text.find(needle) if needle else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else default


# -- STIX 2.1 ----------------------------------------------------------------------------------------------------
TLP_IDS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",  # TLP 2.0
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}
_COMPARISON = re.compile(r"([a-z0-9-]+):([\w.'\-]+)\s*(=|ISSUBSET)\s*'((?:[^'\\]|\\.)*)'", re.IGNORECASE)
_STIX_KINDS = {"ipv4-addr": "ip", "ipv6-addr": "ip", "domain-name": "domain", "url": "url", "email-addr": "email",
               "file": "hash", "email-message": "email"}


def read_stix(doc: dict[str, Any], text: str = "") -> Read:
    out = Read("stix", warning=str(doc.get("id") or ""))
    objects = [o for o in doc.get("objects") or [] if isinstance(o, dict)]
    names = {o.get("id"): o.get("name") for o in objects if o.get("type") == "identity"}
    marks = dict(TLP_IDS)
    for o in objects:
        if o.get("type") == "marking-definition":
            tlp = (o.get("definition") or {}).get("tlp") or str(o.get("name") or "").lower().removeprefix("tlp:")
            if tlp:
                marks[o.get("id")] = str(tlp).lower()
    reports = [o for o in objects if o.get("type") == "report" and o.get("name")]
    if reports:
        out.warning = str(reports[0]["name"])
    for n, o in enumerate(objects, 1):
        if o.get("type") != "indicator":
            continue
        line = _line_of(text, f'"{o.get("id")}"', n)
        if o.get("pattern_type", "stix") != "stix":
            out.problems.append(Problem(line, f"pattern type {o.get('pattern_type')!r} is not read (only stix)"))
            continue
        pattern = str(o.get("pattern") or "")
        found = _COMPARISON.findall(pattern)
        if not found:
            out.problems.append(Problem(line, "no comparison of a known object type in the pattern", pattern))
            continue
        tlp = next((marks[m] for m in o.get("object_marking_refs") or [] if m in marks), "")
        meta = {"valid_from": o.get("valid_from"), "valid_until": o.get("valid_until"), "tlp": tlp,
                "source": names.get(o.get("created_by_ref")) or "", "label": str(o.get("name") or "")}
        if o.get("revoked"):
            continue  # withdrawn by its producer
        for obj_type, path, _op, value in found:
            kind = _STIX_KINDS.get(obj_type.lower())
            if kind is None or (kind == "hash" and not path.lower().startswith("hashes")) or (
                    obj_type.lower() == "email-message" and "from_ref" not in path.lower()):
                out.problems.append(Problem(line, f"{obj_type}:{path} is not an indicator kind matched here",
                                            value))
                continue
            out.add(line, kind, value.replace("\\'", "'").replace("\\\\", "\\"), **meta)
    return out


# -- MISP ----------------------------------------------------------------------------------------------------------
_MISP_KINDS = {
    "ip-src": "ip", "ip-dst": "ip", "ip-src|port": "ip", "ip-dst|port": "ip", "domain": "domain",
    "hostname": "domain", "domain|ip": "domain", "hostname|port": "domain", "url": "url", "uri": "url",
    "md5": "hash", "sha1": "hash", "sha256": "hash", "filename|md5": "hash", "filename|sha1": "hash",
    "filename|sha256": "hash", "email-src": "email", "email": "email", "email-reply-to": "email",
}


def _misp_tlp(tags: Any) -> str:
    for tag in tags or []:
        name = str((tag or {}).get("name") or "").lower()
        if name.startswith("tlp:"):
            return name.removeprefix("tlp:")
    return ""


def _misp_value(mtype: str, value: str) -> str:
    if mtype.startswith("filename|"):
        return value.split("|", 1)[-1]
    if "|" in mtype:  # ip-dst|port, domain|ip, hostname|port: the first part
        return value.split("|", 1)[0]
    return value


def read_misp(doc: Any, text: str = "") -> Read:
    events = doc if isinstance(doc, list) else (doc.get("response") if isinstance(doc, dict) and "response" in doc
                                                 else [doc])
    out = Read("misp")
    for wrapped in events:
        event = wrapped.get("Event", wrapped) if isinstance(wrapped, dict) else None
        if not isinstance(event, dict) or not ("Attribute" in event or "Object" in event):
            out.problems.append(Problem(1, "not a MISP event (no Event with Attribute) nor a STIX bundle"))
            continue
        out.warning = out.warning or str(event.get("info") or event.get("uuid") or "")
        out.source = out.source or str((event.get("Orgc") or {}).get("name") or "")
        event_tlp = _misp_tlp(event.get("Tag"))
        attributes = list(event.get("Attribute") or [])
        for obj in event.get("Object") or []:
            attributes.extend((obj or {}).get("Attribute") or [])
        for n, attr in enumerate(attributes, 1):
            mtype, value = str(attr.get("type") or ""), str(attr.get("value") or "")
            kind = _MISP_KINDS.get(mtype)
            line = _line_of(text, f'"{attr.get("uuid")}"' if attr.get("uuid") else json.dumps(value), n)
            if kind is None:
                continue  # comments, filenames, text: not indicators we match
            if attr.get("to_ids") is False:
                continue  # the producer marked it not for detection
            until = attr.get("last_seen") if attr.get("decay_until") is None else attr.get("decay_until")
            out.add(line, kind, _misp_value(mtype, value), tlp=_misp_tlp(attr.get("Tag")) or event_tlp,
                    valid_from=attr.get("first_seen"), valid_until=until, label=str(attr.get("comment") or ""),
                    source=out.source)
    return out


# -- plain lists -------------------------------------------------------------------------------------------------
_COLUMNS = {
    "value": ("value", "indicator", "ioc", "giá trị", "chỉ số", "dấu hiệu", "ioc value"),
    "kind": ("type", "kind", "loại", "kiểu"),
    "label": ("description", "comment", "mô tả", "ghi chú", "label"),
    "tlp": ("tlp",),
    "valid_from": ("valid_from", "first_seen", "từ ngày"),
    "valid_until": ("valid_until", "expires", "expiry", "last_seen", "hết hạn", "đến ngày"),
}
_TYPE_WORDS = {
    "ip": "ip", "ipv4": "ip", "ipv6": "ip", "ip-src": "ip", "ip-dst": "ip", "cidr": "ip", "địa chỉ ip": "ip",
    "domain": "domain", "hostname": "domain", "domain-name": "domain", "tên miền": "domain", "url": "url",
    "link": "url", "uri": "url", "md5": "hash", "sha1": "hash", "sha-1": "hash", "sha256": "hash",
    "sha-256": "hash", "hash": "hash", "email": "email", "email-src": "email", "email-addr": "email",
}


def read_txt(text: str) -> Read:
    out = Read("txt")
    for n, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip() if not line.lstrip().startswith("hxxp") else line.strip()
        if value:
            out.add(n, normalise.guess_kind(normalise.refang(value)), value)
    return out


def read_csv(text: str) -> Read:
    out = Read("csv")
    sample = text[:4096]
    delimiter = max((",", ";", "\t"), key=sample.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return out
    header = [c.strip().lower() for c in rows[0]]
    where = {name: next((i for i, h in enumerate(header) if h in words), None) for name, words in _COLUMNS.items()}
    start = 1
    if where["value"] is None:  # no header: the first cell of each row is the value
        where, start = {"value": 0, "kind": None}, 0
    for n, row in enumerate(rows[start:], start + 1):
        cell = {name: (row[i].strip() if i is not None and i < len(row) else "") for name, i in where.items()}
        value = cell.pop("value", "")
        if not value or value.startswith("#"):
            continue
        word = cell.pop("kind", "").lower()
        kind = _TYPE_WORDS.get(word) or normalise.guess_kind(normalise.refang(value))
        if word and word not in _TYPE_WORDS:
            out.problems.append(Problem(n, f"unknown type {word!r} (known: {', '.join(sorted(_TYPE_WORDS))})",
                                        value))
            continue
        out.add(n, kind, value, **cell)
    return out
