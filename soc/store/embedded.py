"""Event store on one machine: immutable Parquet partitions ``events/dataset=<d>/day=<YYYY-MM-DD>/*.parquet``.

Files are written to a temporary name and renamed, so readers in other processes (TUI, scans) never see half a file.
Writers serialise on a file lock. Event ids are deterministic, and a batch never stores an id its partition holds.
It never changes a stored file (compaction, ``soc.store.compact``, swaps whole partitions).
"""

from __future__ import annotations

import fcntl
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from soc import ecs
from soc.store import events_api, value_index
from soc.store.compact import compact
from soc.store.detection import EmbeddedDetection
from soc.store.duck import connect, ident, literal
from soc.store.events_api import EventBatch
from soc.store.file_ranges import FileManifest, FileRange, time_span
from soc.store.indicator_sql import hits_sql, observed_sql
from soc.store.search_sql import where
from soc.store.seen_sql import seen_before as seen_before_sql
from soc.store.types import EventPage
from soc.store.workspace import Workspace, WorkspaceBatch

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _part_name(value: str) -> str:
    return _SAFE.sub("_", value) or "_"


class EventStore(events_api.EventStore):
    """Append-only event storage under ``<data_dir>/events`` read through a DuckDB view named ``events``."""

    kind = "embedded"
    query_language = "duckdb"

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "events"
        self._ranges: dict[str, tuple | None] = {}  # real path of an (immutable) file → its @timestamp range
        self.manifest = FileManifest(self.data_dir)  # each file's rows and event.ingested/@timestamp ranges

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

    def append(self, batch: EventBatch) -> int:
        """Store the rows of ``batch`` (ECS columns); return rows stored. The caller holds :meth:`write_lock`.

        A batch that lives in a workspace is copied from there to Parquet (no copy through Python); any other is
        read as Arrow. Rows whose ``event.id`` is already stored in their partition are skipped; ids must be unique
        within the batch (the ingest transform guarantees it).
        """
        if isinstance(batch, WorkspaceBatch):
            return self._append(batch.workspace, batch.relation)
        with Workspace() as ws:
            ws.register("soc_batch", batch.to_arrow())
            return self._append(ws, "soc_batch")

    def _append(self, ws: Workspace, relation: str) -> int:
        """Store the rows of ``relation`` (a relation over ``ws``'s tables with ECS columns).

        An id is looked for only in the partition's files whose @timestamp range meets the rows' (the same line
        parses to the same time): a large log of one day no longer makes each chunk read every id the day holds so
        far.
        """
        has_ingested = "event.ingested" in {r[0] for r in ws.rows(f"DESCRIBE SELECT * FROM {relation}")}
        ingested = 'min("event.ingested"), max("event.ingested")' if has_ingested else "NULL, NULL"
        parts = ws.rows(  # each partition the rows fall in, with their @timestamp and event.ingested ranges
            f'SELECT "event.dataset", strftime("@timestamp", \'%Y-%m-%d\') AS day, min("@timestamp"), '
            f'max("@timestamp"), {ingested} FROM {relation} GROUP BY 1, 2'
        )
        stored = 0
        written: dict[str, FileRange] = {}
        for dataset, day, ts_lo, ts_hi, ing_lo, ing_hi in parts:
            span = list(time_span(ts_lo, ts_hi) or (None, None))  # unknown: every file of the partition is read
            ing_lo, ing_hi = time_span(ing_lo, ing_hi) or (None, None)
            dataset = dataset or "unknown"
            day = day or "undated"
            where = (
                f'coalesce("event.dataset", \'unknown\') = {literal(dataset)} AND '
                f'coalesce(strftime("@timestamp", \'%Y-%m-%d\'), \'undated\') = {literal(day)}'
            )
            existing = self._meeting(ws, self.partition_files(dataset, day), span)
            anti = ""
            if existing:
                files = ", ".join(literal(p) for p in existing)
                anti = f' AND "event.id" NOT IN (SELECT "event.id" FROM read_parquet([{files}]))'
            folder = self._partition(dataset, day)
            final = folder / f"part-{uuid.uuid4().hex}.parquet"
            tmp = folder / f".{final.name}.tmp"
            count = ws.rows(
                f"COPY (SELECT * FROM {relation} WHERE {where}{anti}) TO {literal(str(tmp))} "
                "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
            )[0][0]
            if count:
                os.replace(tmp, final)
                value_index.write(ws.rows, final)  # the values a hunt matches, without reading the events
                stored += count
                self._ranges[str(final.resolve())] = tuple(span) if None not in span else None
                written[str(final.resolve())] = FileRange(
                    count, (ing_lo, ing_hi) if ing_lo is not None and ing_hi is not None else None,
                    tuple(span) if None not in span else None)
            else:
                tmp.unlink(missing_ok=True)
        self.manifest.add(written)
        return stored

    def _meeting(self, ws: Workspace, files: list[Path], span: list) -> list[str]:
        """The files (real paths) whose @timestamp range meets ``span``; all of them when a range is unknown."""
        real = [str(p.resolve()) for p in files]
        unknown = [f for f in real if f not in self._ranges]
        if unknown:  # written by another process or run: read once (a file never changes)
            listed = ", ".join(literal(f) for f in unknown)
            for name, low, high in ws.rows(
                f'SELECT filename, min("@timestamp"), max("@timestamp") FROM read_parquet([{listed}], '
                "filename = true, union_by_name = true) GROUP BY filename"
            ):
                self._ranges[name] = time_span(low, high)
        if None in span:
            return real
        low, high = span
        return [f for f in real if (r := self._ranges.get(f)) is None or (r[0] <= high and r[1] >= low)]

    # -- history for the enrichers and the scans -------------------------------------------------------------
    def seen_before(self, candidates: pa.Table, keys: Mapping[str, str], where: str, fields: Sequence[str] = ()
                    ) -> pa.Table:
        """The rows of ``candidates`` an earlier stored event matching ``where`` already has (see the contract)."""
        con = self.open_events(need=fields, name="soc_stored_events")  # an empty view on an empty store
        try:
            return seen_before_sql(con, candidates, keys, where)
        finally:
            con.close()

    def detection(self, fields: Iterable[str]) -> events_api.DetectionRun:
        """A scan's view of every stored event with ``fields`` present (``soc.store.detection``): each window
        opens only the files whose ranges can hold its events."""
        return EmbeddedDetection(self, list(fields))

    def file_ranges(self, files: Iterable[str]) -> dict[str, FileRange]:
        """Rows and ``event.ingested`` / ``@timestamp`` ranges of event files (real paths), from the manifest."""
        return self.manifest.ranges(files)

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
        return self.view_over(con or connect(), [str(p) for p in self.files(datasets)], need, name)

    def view_over(self, con: duckdb.DuckDBPyConnection, files: Sequence[str], need: Iterable[str] = (),
                  name: str = "events") -> duckdb.DuckDBPyConnection:
        """Create (or replace) view ``name`` over the event files ``files`` as :meth:`open_events` does."""
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

    def indicator_hits(self, indicators: pa.Table, fields: Mapping[str, Sequence[str]], since: datetime | None,
                       until: datetime | None, ids_per_group: int = 100) -> list[dict[str, Any]]:
        """Stored events holding an indicator (see the contract): one DuckDB query (``soc.store.indicator_sql``)."""
        if not indicators.num_rows:
            return []
        names = [f for names in fields.values() for f in names]
        files = self.files()
        if not files:
            return []
        con = self.open_events(need=[*names, "url.domain", "observer.name"])
        try:
            src = ", ".join(literal(str(p)) for p in files)
            stored = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet([{src}], union_by_name = true)"
                                                ).fetchall()}
            fields = {k: [f for f in names if f in stored] for k, names in fields.items()}  # no event has the rest
            names = [f for names in fields.values() for f in names]
            con.register("soc_indicators", indicators)
            # the hits are grouped and sorted by the query itself: no need to keep scan order in the materialised steps
            con.execute("SET preserve_insertion_order = false")
            lists = [f for f in names if ecs.is_array(f)]
            window, params = [], {}
            if since is not None:
                window.append('"@timestamp" >= $lo')
                params["lo"] = _naive_utc(since)
            if until is not None:
                window.append('"@timestamp" < $hi')
                params["hi"] = _naive_utc(until)
            in_window = " WHERE " + " AND ".join(window) if window else ""
            # the values to match: from the files' value indexes, and by reading the files that have none
            merged, indexed, unindexed = value_index.split(value_index.runner(con), self.root, files, names)
            values = [value_index.known_sql(self.root, merged, indexed, fields)] if (merged or indexed) and names \
                else []
            if unindexed or not values:
                self.view_over(con, unindexed, [*names, "url.domain"], name="soc_unindexed")
                pairs = [(kind, f) for kind, fs in fields.items() for f in fs]
                values.append(observed_sql(f"(SELECT * FROM soc_unindexed{in_window})", pairs, lists) if pairs else
                              "SELECT NULL AS kind, NULL AS raw WHERE false")
            return _rows(con.execute(hits_sql("SELECT * FROM events" + in_window, "soc_indicators", fields, lists,
                                              ids_per_group, " UNION ALL ".join(values)), params),
                         keep_empty=True)
        finally:
            con.close()

    def compact(self, min_files: int = 8) -> Any:
        """Merge partitions holding at least ``min_files`` files (``soc.store.compact``)."""
        return compact(self, min_files=min_files)

    def count(self) -> int:
        con = self.open_events()
        try:
            return con.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            con.close()

    def dump(self, order_by: str) -> list[dict[str, Any]]:
        """Every stored event with every field (NULL where it has none), ordered by ``order_by`` (small stores:
        parser samples, tests)."""
        con = self.open_events(need=[order_by])
        try:
            return _rows(con.execute(f"SELECT * FROM events ORDER BY {ident(order_by)}"), keep_empty=True)
        finally:
            con.close()

    # -- reading for the analyst and the reports -------------------------------------------------------------
    def by_ids(self, event_ids: Sequence[str], columns: Sequence[str] | None = None,
               limit: int | None = None) -> list[dict[str, Any]]:
        """The stored events of ``event_ids``, oldest first; without ``columns``, every non-empty field."""
        ids = [str(i) for i in event_ids]
        if not ids:
            return []
        con = self.open_events(need=columns or ())
        try:
            shown = ", ".join(ident(c) for c in columns) if columns else "*"
            sql = f'SELECT {shown} FROM events WHERE "event.id" IN (SELECT unnest($ids)) ORDER BY "@timestamp"'
            params: dict[str, Any] = {"ids": ids}
            if limit is not None:
                sql += " LIMIT $n"
                params["n"] = int(limit)
            return _rows(con.execute(sql, params), keep_empty=columns is not None)
        finally:
            con.close()

    def around(self, fields: Sequence[str], value: str, lo: datetime | None, hi: datetime | None,
               limit: int) -> list[dict[str, Any]]:
        """Events holding ``value`` in any of ``fields`` (``related.*`` lists: as an element), in ``[lo, hi]``
        (naive or aware UTC), oldest first."""
        con = self.open_events(need=fields)
        try:
            conds = []
            for f in fields:
                conds.append(f"list_contains({ident(f)}, $v)" if f.startswith("related.")
                             else f"CAST({ident(f)} AS VARCHAR) = $v")
            sql = f"SELECT * FROM events WHERE ({' OR '.join(conds)})"
            params: dict[str, Any] = {"v": value, "n": int(limit)}
            if lo is not None and hi is not None:
                sql += ' AND "@timestamp" BETWEEN $lo AND $hi'
                params |= {"lo": _naive_utc(lo), "hi": _naive_utc(hi)}
            return _rows(con.execute(sql + ' ORDER BY "@timestamp" LIMIT $n', params))
        finally:
            con.close()

    def search(self, query: Any, columns: Sequence[str], limit: int,
               after: tuple[datetime, str] | None = None) -> EventPage:
        """Events matching a parsed search (``soc.searchlang.Query``), newest first (then by ``event.id``), at most
        ``limit``; ``after`` is a page's ``next_after``: the page that follows it. Raises ``QueryError`` for a
        field no event has."""
        con = self.open_events()
        try:
            present = {r[0]: str(r[1]) for r in con.execute("DESCRIBE events").fetchall()}
            sql, params = where(query, present)
            if after is not None:  # keyset paging: deep pages cost what the first one costs
                sql = f'({sql}) AND ("@timestamp" < $after_ts OR ("@timestamp" = $after_ts AND "event.id" < $after_id))'
                params |= {"after_ts": _naive_utc(after[0]), "after_id": after[1]}
            shown = ", ".join(ident(c) for c in dict.fromkeys(("event.id", "@timestamp", *columns)))
            params["n"] = int(limit) + 1
            cur = con.execute(f'SELECT {shown} FROM events WHERE {sql} ORDER BY "@timestamp" DESC, "event.id" DESC '
                              "LIMIT $n", params)
            rows = _rows(cur, keep_empty=True)
        finally:
            con.close()
        return EventPage.of(rows, limit)

    def counts_by_day(self, days: Sequence[tuple[str, datetime, datetime]],
                      unknown_system: str) -> list[tuple[str, str, str, int]]:
        """Events per (local day, dataset, system) for the windows ``(day, UTC start, UTC end)``."""
        if not days:
            return []
        con = self.open_events()
        try:
            bounds = pa.table({"day": [d for d, _, _ in days], "lo": [_naive_utc(lo) for _, lo, _ in days],
                               "hi": [_naive_utc(hi) for _, _, hi in days]})
            con.register("report_days", bounds)
            # Local-day boundaries as a table: exact for any zone offset, no ICU time-zone extension needed.
            rows = con.execute(
                "SELECT d.day, coalesce(e.\"event.dataset\", 'unknown') AS dataset, "
                'coalesce(e."soc.system", ?) AS system, count(*) AS events '
                'FROM events e JOIN report_days d ON e."@timestamp" >= d.lo AND e."@timestamp" < d.hi '
                'WHERE e."@timestamp" >= ? AND e."@timestamp" < ? GROUP BY ALL',
                [unknown_system, bounds["lo"][0].as_py(), max(bounds["hi"].to_pylist())],
            ).fetchall()
        finally:
            con.close()
        return [(d, ds, sy, int(n)) for d, ds, sy, n in rows]


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _rows(cur: duckdb.DuckDBPyConnection, keep_empty: bool = False) -> list[dict[str, Any]]:
    """Rows as flat ECS dicts; NULL and empty-list fields left out unless ``keep_empty``."""
    names = [d[0] for d in cur.description]
    if keep_empty:
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return [{n: v for n, v in zip(names, row, strict=True) if v is not None and v != []} for row in cur.fetchall()]
