"""What the embedded store knows of each (immutable) event file: its rows and its ``event.ingested`` and
``@timestamp`` ranges, so an incremental scan opens only the files that can hold new events. Never changes events.

The manifest is ``<data_dir>/event_files.jsonl``, one JSON line per file (appended at write; a file another version
or compaction wrote is read once and added). A lost or stale line only costs reading a file again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from soc.store.duck import connect, literal

MANIFEST = "event_files.jsonl"
Span = tuple[datetime, datetime] | None


@dataclass(frozen=True)
class FileRange:
    """One event file: rows, and the (min, max) of ``event.ingested`` and ``@timestamp`` (None: unknown/empty)."""

    rows: int
    ingested: Span
    timestamp: Span


def _iso(span: Span) -> list[str] | None:
    """A span as JSON; None (unknown: the file is read when asked) where DuckDB handed back a time Python cannot
    hold (a year before 1 or after 9999 reads as text)."""
    if span is None or not all(isinstance(t, datetime) for t in span):
        return None
    return [span[0].isoformat(), span[1].isoformat()]


def _span(value: list[str] | None) -> Span:
    return None if not value else (datetime.fromisoformat(value[0]), datetime.fromisoformat(value[1]))


def time_span(low: object, high: object) -> Span:
    """(low, high) when both are times Python can hold; None (unknown) otherwise — DuckDB hands back a year
    before 1 or after 9999 (a mangled log line) as text."""
    return (low, high) if isinstance(low, datetime) and isinstance(high, datetime) else None



class FileManifest:
    """The manifest of one data directory (writers append lines; readers add files they had to read)."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / MANIFEST

    def load(self) -> dict[str, FileRange]:
        out: dict[str, FileRange] = {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return out
        for line in text.splitlines():
            try:
                d = json.loads(line)
                out[d["file"]] = FileRange(int(d["rows"]), _span(d["ingested"]), _span(d["timestamp"]))
            except (ValueError, KeyError, TypeError, IndexError):
                continue  # a torn last line (a crash mid-write): the file is read again
        return out

    def add(self, entries: Mapping[str, FileRange]) -> None:
        """Append ``entries`` (one write: lines of concurrent writers never interleave)."""
        if not entries:
            return
        text = "".join(json.dumps({"file": f, "rows": r.rows, "ingested": _iso(r.ingested),
                                   "timestamp": _iso(r.timestamp)}) + "\n" for f, r in entries.items())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)

    def ranges(self, files: Iterable[str]) -> dict[str, FileRange]:
        """The range of every file (real path strings); files the manifest lacks are read once and added."""
        files = list(files)
        known = self.load()
        unknown = [f for f in files if f not in known]
        if unknown:
            found = read_ranges(unknown)
            self.add(found)
            known.update(found)
        return {f: known[f] for f in files}


def read_ranges(files: list[str]) -> dict[str, FileRange]:
    """Rows and ranges of ``files`` read from the files themselves (one pass over two columns)."""
    con = connect()
    try:
        src = f"read_parquet([{', '.join(literal(f) for f in files)}], filename = true, union_by_name = true)"
        present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        cols = [f'min("{c}"), max("{c}")' if c in present else "NULL, NULL" for c in ("event.ingested", "@timestamp")]
        rows = con.execute(f"SELECT filename, count(*), {', '.join(cols)} FROM {src} GROUP BY filename").fetchall()
    finally:
        con.close()
    out = {f: FileRange(0, None, None) for f in files}
    for name, count, ing_lo, ing_hi, ts_lo, ts_hi in rows:
        out[name] = FileRange(int(count), time_span(ing_lo, ing_hi), time_span(ts_lo, ts_hi))
    return out
