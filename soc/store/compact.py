"""Compaction of event partitions: many small Parquet files (one per cron ingest) merged into one per partition.

A compacted partition ``day=<d>`` becomes a symbolic link to a generation folder ``.gen-<id>``; the link is swapped
atomically (rename), so a reader sees either the old files or the merged one, never both or neither. Readers list
real paths (``EventStore.files``), so a query already running keeps its generation; old generations are removed
only after a grace period. The first compaction of a plain folder swaps it for a link in two renames (a window of
microseconds in which the partition looks empty). Holds the store's write lock, so no ingest writes meanwhile.
Never changes an event: rows are copied as they are.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from soc.store import value_index
from soc.store.duck import connect, literal

if TYPE_CHECKING:  # the embedded store calls compact(); the type only names it
    from soc.store.embedded import EventStore

GRACE_SECONDS = 3600


@dataclass
class CompactSummary:
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    removed_generations: int = 0

    def __str__(self) -> str:
        return (f"{self.partitions} partition(s) compacted: {self.files_before} files → {self.files_after}; "
                f"{self.removed_generations} old generation(s) removed")


def _gc(dataset_dir: Path, grace: float, summary: CompactSummary) -> None:
    now = time.time()
    live = {p.resolve() for p in dataset_dir.glob("day=*") if p.is_symlink()}
    for old in dataset_dir.glob(".gen-*"):
        if old.resolve() not in live and now - old.stat().st_mtime > grace:
            shutil.rmtree(old, ignore_errors=True)
            summary.removed_generations += 1
    for old in dataset_dir.glob(".old-*"):
        if now - old.stat().st_mtime > grace:
            shutil.rmtree(old, ignore_errors=True)
            summary.removed_generations += 1


def compact(store: EventStore, min_files: int = 8, min_age: float = 3600, grace: float = GRACE_SECONDS
            ) -> CompactSummary:
    """Merge partitions holding at least ``min_files`` files, none written in the last ``min_age`` seconds."""
    summary = CompactSummary()
    if not store.root.is_dir():
        return summary
    with store.write_lock():
        for dataset_dir in sorted(store.root.glob("dataset=*")):
            for part in sorted(p for p in dataset_dir.glob("day=*") if p.is_dir()):
                files = sorted(part.glob("*.parquet"))
                if len(files) < min_files or any(time.time() - f.stat().st_mtime < min_age for f in files):
                    continue
                gen = dataset_dir / f".gen-{uuid.uuid4().hex}"
                gen.mkdir()
                merged = gen / f"part-{uuid.uuid4().hex}.parquet"
                con = connect()
                src = ", ".join(literal(str(f.resolve())) for f in files)
                con.execute(f"COPY (SELECT * FROM read_parquet([{src}], union_by_name = true, hive_partitioning = "
                            f"false) ORDER BY \"@timestamp\") TO {literal(str(merged))} "
                            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)").fetchall()
                value_index.write(value_index.runner(con), merged)
                con.close()
                link = dataset_dir / f".link-{uuid.uuid4().hex}"
                link.symlink_to(gen.name)
                retired = part.resolve()
                if not part.is_symlink():  # first compaction: the plain folder steps aside
                    retired = dataset_dir / f".old-{part.name}-{uuid.uuid4().hex}"
                    part.rename(retired)
                os.replace(link, part)
                os.utime(retired)  # the grace period runs from now, when readers stop being sent there
                summary.partitions += 1
                summary.files_before += len(files)
                summary.files_after += 1
            _gc(dataset_dir, grace, summary)
        con = connect()  # one index of every event file's values for the hunts
        value_index.merge(value_index.runner(con), store.root, store.files())
        con.close()
    return summary
