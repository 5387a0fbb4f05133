"""The personal-data enricher: counts validated Vietnamese identifiers in an ingested batch into ``soc.pii.*``.

A regexp prefilter in the batch workspace (RE2) selects the few rows that could hold an identifier; only those are validated in Python
(soc.enrich.pii), and the same query tells Python which of their texts may hold a number (pii.MAYBE_NUMBER_RE2).
Writes ``soc.pii.types``, ``soc.pii.count``, ``soc.pii.distinct`` and masked ``soc.pii.examples``; it never writes
a clear identifier into a ``soc.pii`` field. With ``[pii] redact = true`` it also masks the identifiers inside the
scanned text columns and ``event.original`` (off by default: see README).

Configuration (``soc.toml``)::

    [pii]
    enabled = true
    fields = ["url.original", "http.request.body.content", ...]   # columns to scan (those present in a batch)
    types = ["cccd", "phone", ...]                                 # identifier types to report
    redact = false
    examples = 3
    [pii.systems."Cổng dịch vụ công"]                              # per system name or system type
    fields = ["url.original", "http.response.body.content"]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

import pyarrow as pa

from soc import fastcols
from soc.config import Config, ConfigError
from soc.enrich import pii
from soc.store.duck import ident, literal
from soc.store.workspace import MappedBatch, Workspace

DEFAULT_FIELDS = (
    "url.original",
    "url.query",
    "http.request.body.content",
    "http.response.body.content",
    "message",
    "db.statement",
    "email.subject",
)
# RE2 prefilter (no lookarounds in RE2): a bounded run of 9–12 or 15–19 digits (not the 13-digit millisecond
# timestamps common in URLs; a %XX escape may precede it), an e-mail, digit groups separated like a phone/card
# number, a health-insurance code.
PREFILTER = (r"(^|[^0-9]|%[0-9A-Fa-f]{2})([0-9]{9,12}|[0-9]{15,19})([^0-9]|$)|@|%40"
             r"|[0-9]{2,4}[ .\-][0-9]{3,4}[ .\-][0-9]{3,4}|[A-Z]{2}[0-9]{13}")
OUT_COLUMNS = {
    "soc.pii.types": "VARCHAR[]",
    "soc.pii.count": "BIGINT",
    "soc.pii.distinct": "BIGINT",
    "soc.pii.examples": "VARCHAR[]",
}
SYSTEM_COLUMNS = ("soc.system", "soc.system_type")


@dataclass(frozen=True)
class PiiSettings:
    enabled: bool = True
    fields: tuple[str, ...] = DEFAULT_FIELDS
    types: tuple[str, ...] = pii.TYPES
    redact: bool = False
    examples: int = 3


def _settings(raw: dict[str, Any], base: PiiSettings, where: str) -> PiiSettings:
    unknown = set(raw.get("types", ())) - set(pii.TYPES)
    if unknown:
        raise ConfigError(f"{where}: unknown personal-data type(s) {sorted(unknown)} (known: {', '.join(pii.TYPES)})")
    return PiiSettings(
        enabled=bool(raw.get("enabled", base.enabled)),
        fields=tuple(raw.get("fields", base.fields)),
        types=tuple(raw.get("types", base.types)),
        redact=bool(raw.get("redact", base.redact)),
        examples=int(raw.get("examples", base.examples)),
    )


def settings(cfg: Config) -> tuple[PiiSettings, dict[str, PiiSettings]]:
    """The global ``[pii]`` settings and the per-system overrides (keyed by system name or type)."""
    raw = cfg.raw.get("pii", {}) or {}
    where = f"{cfg.source or 'config'} [pii]"
    base = _settings(raw, PiiSettings(), where)
    systems = {str(k): _settings(v, base, f"{where}.systems.{k}") for k, v in (raw.get("systems", {}) or {}).items()}
    return base, systems


# The OUT_COLUMNS values of one event (tuples: the garbage collector stops tracking them, unlike lists).
Summary = tuple[tuple[str, ...], int, int, tuple[str, ...]]


def summarise(texts: Sequence[str | None], s: PiiSettings, today: date | None = None,
              maybe_number: Sequence[bool | None] | None = None) -> Summary | None:
    """The ``soc.pii.*`` values (OUT_COLUMNS order) for one event's texts (a text contained in another, like
    url.query in url.original, is not counted twice), or None when there is no identifier. ``maybe_number`` holds
    the texts' number hints (see _number_hint), if known."""
    hints = maybe_number or (None,) * len(texts)
    if len(texts) == 1:
        matches = pii.find(texts[0], s.types, today, maybe_number=hints[0])
    else:
        # A text without "@" where DuckDB saw no number has no identifier, nor has any part of it (a url.query it
        # holds): leaving it out before _outermost changes nothing.
        present = [(t, h) for t, h in zip(texts, hints, strict=True) if t and (h is not False or "@" in t)]
        matches = [m for t, h in _outermost(present) for m in pii.find(t, s.types, today, maybe_number=h)]
    if not matches:
        return None
    if len(matches) == 1:
        m = matches[0]
        return (m.type,), 1, 1, (pii.mask(m.value, m.type),)[: s.examples]
    distinct = dict.fromkeys((m.type, m.value) for m in matches)
    examples = tuple(dict.fromkeys(pii.mask(v, k) for k, v in distinct))[: s.examples]
    return tuple(sorted({m.type for m in matches})), len(matches), len(distinct), examples


def _outermost(texts: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """``texts`` (with their hints) without those contained in another one or equal to an earlier one."""
    if len(texts) < 2:
        return texts
    inner = {i for i, (t, _) in enumerate(texts) for j, (o, _) in enumerate(texts)
             if i != j and t in o and (len(o) > len(t) or j < i)}
    return [x for i, x in enumerate(texts) if i not in inner] if inner else texts


def _number_hint(column: str) -> str:
    """SQL: whether the column's text may hold a number candidate, NULL when only Python can tell (pii.find)."""
    text = f"CAST({ident(column)} AS VARCHAR)"
    return (f"CASE WHEN NOT regexp_matches({text}, {literal(pii.UNDECIDED_RE2)}) "
            f"THEN regexp_matches({text}, {literal(pii.MAYBE_NUMBER_RE2)}) END")


@dataclass(frozen=True)
class _Plan:
    """One settings and where its texts and their number hints sit in a row of the prefilter query."""

    settings: PiiSettings
    fields: tuple[str, ...]  # the settings' fields present in the batch, in the settings' order
    texts: Callable[[tuple], tuple]
    hints: Callable[[tuple], tuple]


def _plan(s: PiiSettings, scan: list[str], first: int) -> _Plan:
    """The plan for rows laid out as rowid, the system columns, the ``scan`` texts (from ``first``), their hints."""
    fields = tuple(f for f in s.fields if f in scan)
    at = [first + scan.index(f) for f in fields]
    return _Plan(s, fields, _picker(at), _picker([i + len(scan) for i in at]))


def _picker(positions: list[int]) -> Callable[[tuple], tuple]:
    """``row -> tuple(row[i] for i in positions)``, a slice when the positions follow each other."""
    start = positions[0] if positions else 0
    if positions == list(range(start, start + len(positions))):
        return itemgetter(slice(start, start + len(positions)))
    return itemgetter(*positions)


def enrich(batch: MappedBatch) -> None:
    """Add ``soc.pii.*`` to the rows of the batch that carry validated identifiers (the enricher entry point)."""
    base, per_system = settings(batch.cfg)
    if not base.enabled and not any(s.enabled for s in per_system.values()):
        return
    ws, table = batch.workspace, batch.table
    columns = set(ws.columns(table))
    wanted = list(dict.fromkeys(f for s in (base, *per_system.values()) if s.enabled for f in s.fields))
    scan = [c for c in wanted if c in columns]
    if not scan:
        return
    sys_cols = [c for c in SYSTEM_COLUMNS if c in columns]
    where = " OR ".join(f"regexp_matches(CAST({ident(c)} AS VARCHAR), {literal(PREFILTER)})" for c in scan)
    select = ["rowid", *(f"CAST({ident(c)} AS VARCHAR)" for c in [*sys_cols, *scan]), *map(_number_hint, scan)]
    rows = ws.select(table, select, where)
    if not rows:
        return
    today = date.today()
    first = 1 + len(sys_cols)
    plans = {name: _plan(s, scan, first) for name, s in per_system.items()}
    base_plan = _plan(base, scan, first)
    rids: list[int] = []
    summaries: list[Summary] = []
    redacted: list[dict[str, str | None]] = []
    row_types: list[tuple[str, ...]] = []
    for row in rows:
        plan = next((plans[v] for v in row[1:first] if v in plans), base_plan) if plans else base_plan
        s = plan.settings
        if not s.enabled:
            continue
        summary = summarise(plan.texts(row), s, today, plan.hints(row))
        if summary is None:
            continue
        rids.append(row[0])
        summaries.append(summary)
        redacted.append({f: pii.redact(t, s.types, today) for f, t in zip(plan.fields, plan.texts(row), strict=True)}
                        if s.redact else {})
        row_types.append(s.types)
    if rids:
        _store(ws, table, columns, rids, summaries, redacted, row_types, today)


# DuckDB updates a list column by rewriting the whole row (most of the enricher's SQL time on mail logs): a list
# column the batch lacks is added as text, updated in place (items joined by _STAGED_SEP, which type names and masked
# values never hold), then turned into lists.
_STAGED_SEP = "\x1f"


def _store(ws: Workspace, table: str, columns: set[str], rids: list[int], summaries: list[Summary],
           redacted: list[dict[str, str | None]], row_types: list[tuple[str, ...]], today: date) -> None:
    """Write the summaries (and the redacted texts) into the rows ``rids`` of ``table``."""
    staged = [k for k, t in OUT_COLUMNS.items() if t.endswith("[]") and k not in columns]
    for name, ftype in OUT_COLUMNS.items():
        ws.add_column(table, name, "VARCHAR" if name in staged else ftype)
    arrays = {
        "rid": fastcols.int_column(rids),
        **{k: _array([v[i] for v in summaries], t, k in staged) for i, (k, t) in enumerate(OUT_COLUMNS.items())},
    }
    sets = {k: f"u.{ident(k)}" for k in OUT_COLUMNS}
    text_columns = sorted({f for r in redacted for f in r})
    if text_columns and "event.original" in columns:
        originals = dict(ws.select(table, ["rowid", '"event.original"'],
                                   rowids=[rid for rid, r in zip(rids, redacted, strict=True) if r]))
        for rid, r, types in zip(rids, redacted, row_types, strict=True):
            if r and "event.original" not in r:
                r["event.original"] = pii.redact(originals.get(rid), types, today)
        text_columns.append("event.original")
    for i, column in enumerate(dict.fromkeys(text_columns)):
        arrays[f"r{i}"] = fastcols.text_column([r.get(column) for r in redacted])
        sets[column] = f"coalesce(u.r{i}, {ident(table)}.{ident(column)})"
    # One UPDATE: DuckDB rewrites rows whose list columns change, so their rowids do not survive a second one.
    ws.update_from(table, pa.table(arrays), sets, f"{ident(table)}.rowid = u.rid")
    for name in staged:
        column, ftype = ident(name), OUT_COLUMNS[name]
        split = f"string_split({column}, {literal(_STAGED_SEP)})"
        items = f"CASE WHEN {column} = '' THEN CAST([] AS {ftype}) ELSE {split} END"
        ws.retype(table, name, ftype, items)


def _array(values: list, ftype: str, staged: bool) -> pa.Array:
    """The update column for one of OUT_COLUMNS (a staged list column as joined text)."""
    if not ftype.endswith("[]"):
        return fastcols.int_column(values)
    if staged:
        return fastcols.text_column([_STAGED_SEP.join(v) for v in values])
    return pa.array(values, pa.list_(pa.string()))
