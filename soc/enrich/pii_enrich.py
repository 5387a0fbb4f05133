"""The personal-data enricher: counts validated Vietnamese identifiers in an ingested batch into ``soc.pii.*``.

A DuckDB regexp prefilter selects the few rows that could hold an identifier; only those are validated in Python
(soc.enrich.pii). Writes ``soc.pii.types``, ``soc.pii.count``, ``soc.pii.distinct`` and masked
``soc.pii.examples``; it never writes a clear identifier into a ``soc.pii`` field. With ``[pii] redact = true`` it
also masks the identifiers inside the scanned text columns and ``event.original`` (off by default: see README).

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

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from soc.config import Config, ConfigError
from soc.enrich import pii
from soc.store.duck import ident, literal

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


def summarise(texts: list[str | None], s: PiiSettings, today: date | None = None) -> dict[str, Any] | None:
    """The ``soc.pii.*`` values for one event's texts (a text contained in another, like url.query in
    url.original, is not counted twice), or None when there is no identifier."""
    present = [t for t in texts if t]
    present = [t for i, t in enumerate(present)
               if not any(t in o and (len(o) > len(t) or j < i) for j, o in enumerate(present) if j != i)]
    matches = [m for t in present for m in pii.find(t, s.types, today)]
    if not matches:
        return None
    distinct = list(dict.fromkeys((m.type, m.value) for m in matches))
    examples = list(dict.fromkeys(pii.mask(v, k) for k, v in distinct))[: s.examples]
    return {
        "soc.pii.types": sorted({m.type for m in matches}),
        "soc.pii.count": len(matches),
        "soc.pii.distinct": len(distinct),
        "soc.pii.examples": examples,
    }


def enrich(con: duckdb.DuckDBPyConnection, table: str, cfg: Config) -> None:
    """Add ``soc.pii.*`` to the rows of ``table`` that carry validated identifiers (the enricher entry point)."""
    base, per_system = settings(cfg)
    if not base.enabled and not any(s.enabled for s in per_system.values()):
        return
    columns = {r[0] for r in con.execute(f"DESCRIBE {ident(table)}").fetchall()}
    wanted = list(dict.fromkeys(f for s in (base, *per_system.values()) if s.enabled for f in s.fields))
    scan = [c for c in wanted if c in columns]
    if not scan:
        return
    sys_cols = [c for c in SYSTEM_COLUMNS if c in columns]
    where = " OR ".join(f"regexp_matches(CAST({ident(c)} AS VARCHAR), {literal(PREFILTER)})" for c in scan)
    select = ", ".join(f"CAST({ident(c)} AS VARCHAR)" for c in [*sys_cols, *scan])
    rows = con.execute(f"SELECT rowid, {select} FROM {ident(table)} WHERE {where}").fetchall()
    if not rows:
        return
    today = date.today()
    out: dict[str, list] = {"rid": [], **{k: [] for k in OUT_COLUMNS}}
    redacted: list[dict[str, str | None]] = []
    row_types: list[tuple[str, ...]] = []
    for row in rows:
        rid, systems, texts = row[0], row[1:1 + len(sys_cols)], dict(zip(scan, row[1 + len(sys_cols):], strict=True))
        s = next((per_system[v] for v in systems if v in per_system), base)
        if not s.enabled:
            continue
        summary = summarise([texts.get(f) for f in s.fields], s, today)
        if summary is None:
            continue
        out["rid"].append(rid)
        for k in OUT_COLUMNS:
            out[k].append(summary[k])
        redacted.append({f: pii.redact(texts[f], s.types, today) for f in s.fields if f in texts} if s.redact else {})
        row_types.append(s.types)
    if not out["rid"]:
        return
    for name, ftype in OUT_COLUMNS.items():
        con.execute(f"ALTER TABLE {ident(table)} ADD COLUMN IF NOT EXISTS {ident(name)} {ftype}")
    arrays = {
        "rid": pa.array(out["rid"], pa.int64()),
        **{k: pa.array(out[k], pa.list_(pa.string()) if t.endswith("[]") else pa.int64())
           for k, t in OUT_COLUMNS.items()},
    }
    sets = [f"{ident(k)} = u.{ident(k)}" for k in OUT_COLUMNS]
    text_columns = sorted({f for r in redacted for f in r})
    if text_columns and "event.original" in columns:
        originals = dict(con.execute(
            f'SELECT rowid, "event.original" FROM {ident(table)} WHERE rowid IN (SELECT unnest(?))',
            [[rid for rid, r in zip(out["rid"], redacted, strict=True) if r]],
        ).fetchall())
        for rid, r, types in zip(out["rid"], redacted, row_types, strict=True):
            if r and "event.original" not in r:
                r["event.original"] = pii.redact(originals.get(rid), types, today)
        text_columns.append("event.original")
    for i, column in enumerate(dict.fromkeys(text_columns)):
        arrays[f"r{i}"] = pa.array([r.get(column) for r in redacted], pa.string())
        sets.append(f"{ident(column)} = coalesce(u.r{i}, {ident(table)}.{ident(column)})")
    # One UPDATE: DuckDB rewrites rows whose list columns change, so their rowids do not survive a second one.
    con.register("_pii_update", pa.table(arrays))
    try:
        con.execute(f"UPDATE {ident(table)} SET {', '.join(sets)} FROM _pii_update u "
                    f"WHERE {ident(table)}.rowid = u.rid")
    finally:
        con.unregister("_pii_update")
