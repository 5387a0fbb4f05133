"""Per event file, the distinct values of the fields indicators are looked for in: a small Parquet file beside it
(``part-….parquet.values-<tag>``), written when the event file is, so a hunt matches values without a first scan;
compaction merges them into one store-wide index (``.values-<tag>`` at the events root, naming the files it covers).
Never changes events; a file without an index (older, or written by other means) is only read in full instead.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import duckdb

from soc import ecs
from soc.store.duck import literal
from soc.store.indicator_sql import observed_sql

# where a provincial data centre's logs hold each indicator kind (firewall/VPN/proxy/web/DNS/mail/endpoint);
# soc.intel.table.FIELDS is this mapping
FIELDS: dict[str, tuple[str, ...]] = {
    "ip": ("source.ip", "destination.ip", "client.ip", "server.ip", "source.nat.ip", "destination.nat.ip"),
    "domain": ("url.domain", "destination.domain", "dns.question.name", "tls.client.server_name"),
    "url": ("url.full", "url.original"),
    "hash": ("file.hash.md5", "file.hash.sha1", "file.hash.sha256", "process.hash.md5", "process.hash.sha1",
             "process.hash.sha256"),
    "email": ("email.from.address", "email.sender.address"),
}
INDEXED = sorted({f for names in FIELDS.values() for f in names})
# an index names the fields it covers: another list of fields is another index (the old one is not used)
SUFFIX = ".values-" + hashlib.sha1(",".join(INDEXED).encode()).hexdigest()[:8]


def index_of(event_file: str | Path) -> Path:
    return Path(str(event_file) + SUFFIX)


def write(rows: Callable[[str], list[tuple]], event_file: str | Path) -> None:
    """Write the index of ``event_file`` (rows ``field, raw``: each indexed field's distinct observed values);
    ``rows`` runs a DuckDB statement (a workspace's ``rows``, :func:`runner` of a connection)."""
    src = f"read_parquet({literal(str(event_file))}, hive_partitioning = false)"
    present = {r[0] for r in rows(f"DESCRIBE SELECT * FROM {src}")}
    pairs = [(f, f) for f in INDEXED if f in present]
    if "url.original" in present and "url.domain" not in present:  # url.original is composed with it
        src = f"(SELECT *, NULL::VARCHAR AS \"url.domain\" FROM {src})"
    values = (f"SELECT kind AS field, raw::VARCHAR AS raw FROM ({observed_sql(src, pairs, _lists(present))})"
              if pairs else "SELECT NULL::VARCHAR AS field, NULL::VARCHAR AS raw WHERE false")
    final = index_of(event_file)
    tmp = final.with_name(f".{final.name}.tmp")
    rows(f"COPY ({values}) TO {literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd)")
    os.replace(tmp, final)


def runner(con: duckdb.DuckDBPyConnection) -> Callable[[str], list[tuple]]:
    return lambda sql: con.execute(sql).fetchall()


def merged_of(root: Path) -> Path:
    return root / SUFFIX


def merge(rows: Callable[[str], list[tuple]], root: Path, files: Iterable[str | Path]) -> int:
    """Bring the store-wide index up to the event files ``files``: the values of those it does not cover yet that
    have their own index are added to it (deduplicated), and it names the files of ``files`` it covers then (a
    file gone from the store leaves its values behind, which only match nothing). Return how many files it covers."""
    names = [str(f) for f in files]
    final = merged_of(root)
    covered = _covered(rows, final)
    keep = [f for f in names if f in covered]
    new = [f for f in names if f not in covered and index_of(f).is_file()]
    if not new and len(keep) == len(covered):
        return len(keep)
    tmp = final.with_name(f"{final.name}.{os.getpid()}.tmp")
    listed = ", ".join(literal(str(p)) for p in [*(index_of(f) for f in new), *([final] if keep else [])])
    values = (f"SELECT DISTINCT field, raw FROM read_parquet([{listed}])" if listed else
              "SELECT NULL::VARCHAR AS field, NULL::VARCHAR AS raw WHERE false")
    rows(f"COPY ({values}) TO {literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd, "
         f"KV_METADATA {{covers: {literal(json.dumps(keep + new))}}})")
    os.replace(tmp, final)
    return len(keep) + len(new)


def split(rows: Callable[[str], list[tuple]], root: Path, files: Iterable[str | Path], fields: Iterable[str]
          ) -> tuple[bool, list[str], list[str]]:
    """``files`` as (whether the store-wide index covers some of them, those it does not cover that have their
    own index, the others) for a hunt in ``fields``."""
    names = [str(f) for f in files]
    if not set(fields) <= set(INDEXED):
        return False, [], names
    covered = _covered(rows, merged_of(root))
    own = [f for f in names if f not in covered and index_of(f).is_file()]
    have = covered | set(own)
    return bool(covered & set(names)), own, [f for f in names if f not in have]


def known_sql(root: Path, merged: bool, files: Sequence[str], fields: Mapping[str, Sequence[str]]) -> str:
    """The indexed values (the store-wide index when ``merged``, and the own indexes of ``files``) for ``fields``
    (kind → fields) as rows ``kind, raw``."""
    pairs = ", ".join(f"({literal(kind)}, {literal(f)})" for kind, names in fields.items() for f in names)
    listed = [literal(str(merged_of(root)))] if merged else []
    listed += [literal(str(index_of(f))) for f in files]
    return (f"SELECT k.kind, v.raw FROM read_parquet([{', '.join(listed)}]) v "
            f"JOIN (VALUES {pairs}) k(kind, field) ON v.field = k.field")


def _covered(rows: Callable[[str], list[tuple]], merged: Path) -> set[str]:
    """The event files the store-wide index ``merged`` covers (none when there is none or it cannot be read)."""
    if not merged.is_file():
        return set()
    try:
        found = rows(f"SELECT value FROM parquet_kv_metadata({literal(str(merged))}) WHERE key = 'covers'")
        return set(json.loads(bytes(found[0][0]).decode())) if found else set()
    except (duckdb.Error, ValueError, IndexError):  # a torn or foreign file: read the events instead
        return set()


def _lists(present: Iterable[str]) -> list[str]:
    return [f for f in present if f in INDEXED and ecs.is_array(f)]

