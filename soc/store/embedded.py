"""Event store on one machine: immutable Parquet partitions ``events/dataset=<d>/day=<YYYY-MM-DD>/*.parquet``.

Files are written to a temporary name and renamed, so readers in other processes (TUI, scans) never see half a file.
Writers serialise on a file lock. Event ids are deterministic, and a batch never stores an id its partition holds.
"""

from __future__ import annotations

import fcntl
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from soc import ecs
from soc.store.duck import connect, ident, literal

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _part_name(value: str) -> str:
    return _SAFE.sub("_", value) or "_"


class EventStore:
    """Append-only event storage under ``<data_dir>/events`` read through a DuckDB view named ``events``."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "events"
        self._ranges: dict[str, tuple | None] = {}  # real path of an (immutable) file → its @timestamp range

    # -- writing -------------------------------------------------------------------------------------------
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serialise writers (two `soc ingest` at once never store the same id twice)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "ingest.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _partition(self, dataset: str, day: str) -> Path:
        """The partition folder, created as a link to a generation folder (so compaction can swap it atomically)."""
        dataset_dir = self.root / f"dataset={_part_name(dataset)}"
        folder = dataset_dir / f"day={day}"
        if not folder.exists():
            dataset_dir.mkdir(parents=True, exist_ok=True)
            gen = dataset_dir / f".gen-{uuid.uuid4().hex}"
            gen.mkdir()
            folder.symlink_to(gen.name)
        return folder

    def partition_files(self, dataset: str, day: str) -> list[Path]:
        folder = self.root / f"dataset={_part_name(dataset)}" / f"day={day}"
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []

    def append(self, con: duckdb.DuckDBPyConnection, relation: str) -> int:
        """Store the rows of ``relation`` (a table/view name in ``con`` with ECS columns); return rows stored.

        Rows whose ``event.id`` is already stored in their partition are skipped; ids must be unique within the
        relation (the ingest transform guarantees it). The caller holds :meth:`write_lock`. An id is looked for
        only in the partition's files whose @timestamp range meets the rows' (the same line parses to the same
        time): a large log of one day no longer makes each chunk read every id the day holds so far.
        """
        parts = con.execute(  # each partition the rows fall in, with their @timestamp range
            f'SELECT "event.dataset", strftime("@timestamp", \'%Y-%m-%d\') AS day, min("@timestamp"), '
            f'max("@timestamp") FROM {relation} GROUP BY 1, 2'
        ).fetchall()
        stored = 0
        for dataset, day, *span in parts:
            dataset = dataset or "unknown"
            day = day or "undated"
            where = (
                f'coalesce("event.dataset", \'unknown\') = {literal(dataset)} AND '
                f'coalesce(strftime("@timestamp", \'%Y-%m-%d\'), \'undated\') = {literal(day)}'
            )
            existing = self._meeting(con, self.partition_files(dataset, day), span)
            anti = ""
            if existing:
                files = ", ".join(literal(p) for p in existing)
                anti = f' AND "event.id" NOT IN (SELECT "event.id" FROM read_parquet([{files}]))'
            folder = self._partition(dataset, day)
            final = folder / f"part-{uuid.uuid4().hex}.parquet"
            tmp = folder / f".{final.name}.tmp"
            count = con.execute(
                f"COPY (SELECT * FROM {relation} WHERE {where}{anti}) TO {literal(str(tmp))} "
                "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
            ).fetchone()[0]
            if count:
                os.replace(tmp, final)
                stored += count
                self._ranges[str(final.resolve())] = tuple(span) if None not in span else None
            else:
                tmp.unlink(missing_ok=True)
        return stored

    def _meeting(self, con: duckdb.DuckDBPyConnection, files: list[Path], span: list) -> list[str]:
        """The files (real paths) whose @timestamp range meets ``span``; all of them when a range is unknown."""
        real = [str(p.resolve()) for p in files]
        unknown = [f for f in real if f not in self._ranges]
        if unknown:  # written by another process or run: read once (a file never changes)
            listed = ", ".join(literal(f) for f in unknown)
            for name, low, high in con.execute(
                f'SELECT filename, min("@timestamp"), max("@timestamp") FROM read_parquet([{listed}], '
                "filename = true, union_by_name = true) GROUP BY filename"
            ).fetchall():
                self._ranges[name] = (low, high) if low is not None else None
        if None in span:
            return real
        low, high = span
        return [f for f in real if (r := self._ranges.get(f)) is None or (r[0] <= high and r[1] >= low)]

    # -- reading -------------------------------------------------------------------------------------------
    def files(self, datasets: Iterable[str] | None = None) -> list[Path]:
        """Every event file, as real paths (a compacted partition is a link to its current generation; a reader
        keeps reading the generation it listed even if compaction swaps the link meanwhile)."""
        if not self.root.is_dir():
            return []
        if datasets is None:
            return sorted(p.resolve() for p in self.root.glob("dataset=*/day=*/*.parquet"))
        out: list[Path] = []
        for d in datasets:
            out.extend(sorted(p.resolve() for p in self.root.glob(f"dataset={_part_name(d)}/day=*/*.parquet")))
        return out

    def open_events(
        self,
        con: duckdb.DuckDBPyConnection | None = None,
        need: Iterable[str] = (),
        datasets: Iterable[str] | None = None,
        name: str = "events",
    ) -> duckdb.DuckDBPyConnection:
        """Create (or replace) view ``name`` over stored events, with every registered ECS field present.

        Fields absent from the files (and any extra ``need`` fields) appear as typed NULL columns, so a rule or
        query naming them runs instead of failing.
        """
        con = con or connect()
        files = self.files(datasets)
        wanted = dict(ecs.FIELDS)
        for f in need:
            wanted.setdefault(f, ecs.field_type(f))
        if files:
            src = f"read_parquet([{', '.join(literal(str(p)) for p in files)}], union_by_name = true, hive_partitioning = false)"
            present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
            missing = [f"NULL::{t} AS {ident(n)}" for n, t in wanted.items() if n not in present]
            select = "SELECT *" + (", " + ", ".join(missing) if missing else "") + f" FROM {src}"
        else:
            cols = ", ".join(f"NULL::{t} AS {ident(n)}" for n, t in wanted.items())
            select = f"SELECT {cols} WHERE false"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {select}")
        return con

    def count(self) -> int:
        con = self.open_events()
        return con.execute("SELECT count(*) FROM events").fetchone()[0]
