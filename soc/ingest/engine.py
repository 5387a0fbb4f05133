"""Ingest orchestration: source → decode → ECS transform (DuckDB) → event store, with checkpoints and dead letters.

Per chunk the order is: store events, then move the checkpoint. A crash in between re-reads the chunk next time and
the deterministic ``event.id`` makes the store skip what it already holds — no loss, no duplicates.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from soc.config import Config
from soc.enrich import enrich_batch, enrichment_columns
from soc.ingest import fastcols, records
from soc.ingest.chunk_decode import DecodePool, Lines, raw_table, record_table
from soc.ingest.deadletter import DeadLetter
from soc.ingest.decoders import RegexSQL, decoder_for
from soc.ingest.detect import detect, detect_binary
from soc.ingest.parser import Parser, get_parser, path_parsers
from soc.ingest.records import is_record_decoder
from soc.ingest.sources import (
    Chunk,
    Input,
    SourceError,
    expand,
    fingerprint,
    open_stream,
    read_chunks,
    start_position,
)
from soc.ingest.transform import build_query
from soc.store import EventStore, StateDB
from soc.store.duck import connect, ident, literal


@dataclass
class FileResult:
    path: str
    parser: str | None
    read: int = 0
    stored: int = 0
    deadlettered: int = 0
    skipped: int = 0


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)
    deadletter_path: Path | None = None

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def stored(self) -> int:
        return sum(f.stored for f in self.files)

    @property
    def deadlettered(self) -> int:
        return sum(f.deadlettered for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.files)

    def __str__(self) -> str:
        text = (
            f"{len(self.files)} file(s): {self.read} lines read, {self.stored} events stored, "
            f"{self.deadlettered} dead-lettered, {self.skipped} skipped (already ingested)"
        )
        if self.deadlettered and self.deadletter_path:
            text += f" — dead letters in {self.deadletter_path}"
        return text


@dataclass
class Prepared:
    """A chunk decoded and transformed into the DuckDB table ``batch`` (ECS columns + ``_i``)."""

    texts: list[str]
    line_numbers: list[int]
    offsets: list[int]
    raw: list[bytes]
    failures: list[tuple[int, str]]  # index into texts/raw, reason


class Ingestor:
    """Reads inputs into the store; one DuckDB connection and one dead-letter file per run."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.store = EventStore(cfg.data_dir)
        self.state = StateDB(cfg.data_dir / "state.db")
        self.dead = DeadLetter(cfg.data_dir)
        # One DuckDB thread by default: a chunk's statements are too small to split (more threads measured slower:
        # nginx_combined 60 k → 86 k lines/s, EVTX 4.2 → 3.8 s CPU per 100 k records on 2 cores); 0 = every core
        self.con = connect(threads=int((cfg.raw.get("ingest", {}) or {}).get("duckdb_threads", 1)))
        self.reference: datetime | None = None  # "now" for year inference; None = the real time
        self._re2: dict[str, RegexSQL | None] = {}
        self._decoders: dict[str, object] = {}  # per file (reset in ingest)
        self.pool = DecodePool(cfg.raw)  # worker processes for large files, started on first use
        self.path_parsers = path_parsers(cfg.raw)

    def close(self) -> None:
        self.pool.close()
        self.dead.close()
        self.con.close()
        self.state.close()

    # -- decoding --------------------------------------------------------------------------------------------
    def _texts(self, chunk: Chunk) -> Prepared:
        """Bytes → text; over-long and non-UTF-8 lines become failures (kept for the dead-letter file)."""
        limit = self.cfg.max_line_bytes
        texts: list[str] = []
        failures: list[tuple[int, str]] = []
        for i, data in enumerate(chunk.lines):
            if len(data) > limit:
                failures.append((i, f"line too long ({len(data)} bytes > max_line_bytes {limit})"))
                texts.append("")
                continue
            try:
                texts.append(data.decode("utf-8"))
            except UnicodeDecodeError as exc:
                failures.append((i, f"invalid UTF-8 at byte {exc.start}"))
                texts.append("")
        numbers = list(range(chunk.first_line, chunk.first_line + len(chunk.lines)))
        return Prepared(texts, numbers, chunk.offsets, chunk.lines, failures)

    def _sql_regex(self, parser: Parser) -> RegexSQL | None:
        if parser.decoder != "regex" or parser.options.get("multiline"):  # joining lines needs the Python decoder
            return None
        if parser.name not in self._re2:
            self._re2[parser.name] = RegexSQL(parser) if RegexSQL.supported(parser, self.con) else None
        return self._re2[parser.name]

    def _decoder(self, parser: Parser):
        if parser.name not in self._decoders:  # one decoder per file: stateful ones (w3c #Fields) keep state
            self._decoders[parser.name] = decoder_for(parser)
        return self._decoders[parser.name]

    def _hold_tail(self, parser: Parser, chunk: Chunk, prep: Prepared) -> tuple[Chunk, Prepared, Chunk | None]:
        """Split off the chunk's last event when the parser joins lines: its continuation may open the next chunk.
        The checkpoint stops before the held lines until they are stored with the next chunk."""
        if self._sql_regex(parser) is not None:
            return chunk, prep, None
        tail = getattr(self._decoder(parser), "tail_start", None)
        k = tail(chunk.lines) if tail else None
        if k is None:
            return chunk, prep, None
        head = Chunk(chunk.first_line, chunk.offsets[:k], chunk.lines[:k], chunk.offsets[k])
        held = Chunk(chunk.first_line + k, chunk.offsets[k:], chunk.lines[k:], chunk.end)
        kept = Prepared(prep.texts[:k], prep.line_numbers[:k], prep.offsets[:k], prep.raw[:k],
                        [(i, r) for i, r in prep.failures if i < k])
        return head, kept, held

    def decode(self, parser: Parser, prep: Prepared) -> tuple[pa.Table, list[tuple[int, str]]]:
        """Python half of a chunk: run the decoder, return raw columns as an Arrow table and the failures.

        For regex parsers RE2 can run, only the lines are handed over: DuckDB does the matching in ``to_ecs``.
        """
        bad = {i for i, _ in prep.failures}
        if self._sql_regex(parser) is not None:
            idx = [i for i in range(len(prep.texts)) if i not in bad] if bad else range(len(prep.texts))
            return pa.table({
                "_i": fastcols.int_column(idx),
                "_line": fastcols.int_column([prep.line_numbers[i] for i in idx] if bad else prep.line_numbers),
                "_offset": fastcols.int_column([prep.offsets[i] for i in idx] if bad else prep.offsets),
                "_original": fastcols.text_column([prep.texts[i] for i in idx] if bad else prep.texts),
            }), list(prep.failures)
        return raw_table(self._decoder(parser), Lines(prep.texts, prep.line_numbers, prep.offsets, prep.failures))

    def to_ecs(self, parser: Parser, table: pa.Table, path: str) -> tuple[int, list[tuple[int, str]]]:
        """DuckDB half of a chunk: map raw columns to ECS into table ``batch``; return (rows, undated lines)."""
        self.con.register("raw_in", table)
        unmatched: list[tuple[int, str]] = []
        source = "raw_in"
        sql_regex = self._sql_regex(parser)
        if sql_regex is not None:
            self.con.execute("CREATE OR REPLACE TEMP TABLE decoded AS SELECT *, "
                             f"{sql_regex.pattern_sql('_original')} AS _pattern FROM raw_in").fetchall()
            reason = f"no pattern of parser '{parser.name}' matches"
            unmatched = [(i, reason) for (i,) in
                         self.con.execute("SELECT _i FROM decoded WHERE _pattern IS NULL").fetchall()]
            source = f"({sql_regex.columns_sql('_original', '(SELECT * FROM decoded WHERE _pattern IS NOT NULL)')})"
        now = datetime.now(UTC)
        reference = self.reference or now.astimezone(ZoneInfo(self.cfg.timezone)).replace(tzinfo=None)
        query = build_query(parser, self.cfg, f"(SELECT *, {literal(path)} AS _path FROM {source})",
                            reference, now.strftime("%Y-%m-%d %H:%M:%S.%f"))
        extra = "".join(f", {expr} AS {ident(name)}" for name, expr in enrichment_columns(self.cfg).items())
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE batch AS SELECT *{extra} FROM ({query})").fetchall()
        self.con.unregister("raw_in")
        undated = self.con.execute('SELECT _i FROM batch WHERE "@timestamp" IS NULL').fetchall()
        if undated:
            self.con.execute('DELETE FROM batch WHERE "@timestamp" IS NULL').fetchall()
        enrich_batch(self.con, "batch", self.cfg)
        rows = self.con.execute("SELECT count(*) FROM batch").fetchall()[0][0]  # fetchall: no result left open
        return rows, unmatched + [(i, "timestamp missing or not in the parser's format") for (i,) in undated]

    def transform(self, parser: Parser, prep: Prepared, path: str) -> tuple[int, list[tuple[int, str]]]:
        """Decode + map to ECS into table ``batch``; return (rows, failures by index)."""
        table, failures = self.decode(parser, prep)
        rows, undated = self.to_ecs(parser, table, path)
        return rows, failures + undated

    # -- one input ---------------------------------------------------------------------------------------------
    def ingest(self, inp: Input, parser_name: str | None, on_progress=None) -> FileResult:
        """Read one input from its checkpoint. Decoding (Python) of chunk n+1 overlaps storing (DuckDB) chunk n."""
        self._decoders = {}
        cp = None if inp.is_stdin else self.state.checkpoint(inp.path)
        offset, line_no, checkpoint = start_position(inp, cp)
        if not inp.is_stdin and checkpoint.fingerprint is None:
            checkpoint.fingerprint = fingerprint(inp.path)
        if parser_name is None and not inp.is_stdin:
            path = os.path.abspath(inp.path)
            parser_name = next((name for pattern, name in self.path_parsers if fnmatchcase(path, pattern)), None)
        parser = get_parser(parser_name) if parser_name else None
        if parser is None and not inp.is_stdin:
            with open(inp.path, "rb") as fh:
                found = detect_binary(fh.read(16))
            parser = get_parser(found.parser) if found else None
        if parser is not None and is_record_decoder(parser.decoder):
            return self._ingest_records(inp, parser, offset, checkpoint, on_progress)
        result = FileResult(inp.label, parser.name if parser else None)
        pending: Future | None = None
        # chunks decoded (a table) or being decoded by the pool (a future), stored in reading order
        decoding: deque[tuple[Future | tuple, Prepared, Chunk, Parser]] = deque()
        size = None if inp.is_stdin or inp.is_gzip else os.path.getsize(inp.path) - offset

        def store_ready(keep: int) -> None:
            nonlocal pending
            while len(decoding) > keep:
                job, prep_, chunk_, parser_ = decoding.popleft()
                try:
                    table, failures = self.pool.result(job) if isinstance(job, Future) else job
                except BrokenProcessPool:  # a worker died: this chunk (and the next ones) are decoded here
                    self.pool.disable()
                    table, failures = self.decode(parser_, prep_)
                if pending:
                    pending.result()  # one chunk stored at a time, in order: memory stays bounded
                pending = worker.submit(self._store, inp, parser_, prep_, chunk_, table, failures, checkpoint,
                                        result, on_progress)

        with open_stream(inp) as stream, ThreadPoolExecutor(max_workers=1) as worker:
            try:
                carry: Chunk | None = None  # the last event of the previous chunk, maybe continued in this one
                for chunk, last in _with_last(read_chunks(stream, offset, line_no, self.cfg.chunk_lines)):
                    if carry is not None:
                        chunk, carry = _joined(carry, chunk), None
                    prep = self._texts(chunk)
                    if parser is None:
                        found = detect([t for t in prep.texts if t])
                        if found is None:
                            store_ready(0)
                            if pending:
                                pending.result()
                            self._dead_all(inp, prep, "no parser recognises this file (use --parser NAME)")
                            result.read += len(prep.texts)
                            result.deadlettered += len(prep.texts)
                            self._advance(inp, checkpoint, chunk, None)
                            continue
                        parser = get_parser(found.parser)
                        result.parser = parser.name
                    if not last:
                        chunk, prep, carry = self._hold_tail(parser, chunk, prep)
                        if not prep.texts:  # the whole chunk is one unfinished event: read on
                            continue
                    result.read += len(prep.texts)
                    job = None
                    if self._sql_regex(parser) is None and self.pool.wanted(parser, size):
                        job = self.pool.submit(parser, Lines(prep.texts, prep.line_numbers, prep.offsets,
                                                             prep.failures))
                    if job is not None:
                        decoding.append((job, prep, chunk, parser))
                        store_ready(self.pool.workers)
                    else:
                        decoding.append((self.decode(parser, prep), prep, chunk, parser))
                        store_ready(0)
                store_ready(0)
            finally:
                for job, *_ in decoding:  # an error stopped the run: what was not stored is read again next time
                    if isinstance(job, Future):
                        job.cancel()
                if pending:
                    pending.result()
        return result

    def _ingest_records(self, inp: Input, parser: Parser, start: int, checkpoint, on_progress) -> FileResult:
        """Binary/structured files (EVTX, pcap …): the decoder yields records; mapping and storage as for lines."""
        if inp.is_stdin:
            raise SourceError(f"parser '{parser.name}' reads files, not stdin")
        decoder = records.load(parser.decoder)
        result = FileResult(inp.label, parser.name)
        names = parser.raw_columns()
        options = dict(parser.options)
        if hasattr(decoder, "read_in_workers") and self.pool.wanted_records(os.path.getsize(inp.path)):
            chunks = decoder.read_in_workers(inp.path, start, self.cfg.chunk_lines, options, self.pool, names)
        else:
            chunks = decoder.read(inp.path, start, self.cfg.chunk_lines, options)
        for rc in chunks:
            table = rc.table if rc.table is not None else record_table(rc, names)
            n = table.num_rows
            rows, undated = self.to_ecs(parser, table, inp.label) if n else (0, [])
            originals = table.column("_original")
            failures = [(rc.positions[i], reason, originals[i].as_py()) for i, reason in undated] + rc.failures
            for pos, reason, raw in sorted(failures, key=lambda f: f[0]):
                self.dead.add(inp.label, pos, pos, reason, raw, parser.name)
            self.dead.flush()
            with self.store.write_lock():
                stored = self.store.append(self.con, "(SELECT * EXCLUDE (_i) FROM batch)") if rows else 0
            result.read += n + len(rc.failures)
            result.stored += stored
            result.skipped += rows - stored
            result.deadlettered += len(failures)
            checkpoint.offset = rc.end
            checkpoint.line_no += n + len(rc.failures)
            self.state.save_checkpoint(checkpoint, parser.name)
            if on_progress:
                on_progress(getattr(rc, "progress", 0))  # bytes read, when the decoder knows them
        return result

    def _store(self, inp: Input, parser: Parser, prep: Prepared, chunk: Chunk, table: pa.Table,
               failures: list[tuple[int, str]], checkpoint, result: FileResult, on_progress) -> None:
        rows, undated = self.to_ecs(parser, table, inp.label)
        failures = sorted(failures + undated)
        for i, reason in failures:
            self.dead.add(inp.label, prep.line_numbers[i], prep.offsets[i], reason, prep.raw[i], parser.name)
        self.dead.flush()
        with self.store.write_lock():
            stored = self.store.append(self.con, "(SELECT * EXCLUDE (_i) FROM batch)") if rows else 0
        result.stored += stored
        result.skipped += rows - stored
        result.deadlettered += len(failures)
        self._advance(inp, checkpoint, chunk, parser.name)
        if on_progress:
            on_progress(chunk.end - chunk.offsets[0])

    def _dead_all(self, inp: Input, prep: Prepared, reason: str) -> None:
        for i, data in enumerate(prep.raw):
            self.dead.add(inp.label, prep.line_numbers[i], prep.offsets[i], reason, data, None)
        self.dead.flush()

    def _advance(self, inp: Input, checkpoint, chunk: Chunk, parser: str | None) -> None:
        if inp.is_stdin:
            return
        checkpoint.offset = chunk.end
        checkpoint.line_no = chunk.first_line + len(chunk.lines) - 1
        self.state.save_checkpoint(checkpoint, parser)


def _with_last(chunks: Iterator[Chunk]) -> Iterator[tuple[Chunk, bool]]:
    """Each chunk with whether it is the input's last."""
    prev = next(chunks, None)
    for chunk in chunks:
        yield prev, False
        prev = chunk
    if prev is not None:
        yield prev, True


def _joined(first: Chunk, second: Chunk) -> Chunk:
    return Chunk(first.first_line, first.offsets + second.offsets, first.lines + second.lines, second.end)


def ingest_paths(
    cfg: Config, paths: list[str | Path], parser: str | None = None, progress: bool = False
) -> IngestSummary:
    """Ingest files, directories (recursively), .gz files and ``-`` (stdin); return what happened."""
    inputs = expand(paths)
    ingestor = Ingestor(cfg)
    summary = IngestSummary(deadletter_path=ingestor.dead.path)
    try:
        if progress:
            from soc.ingest.progress import ingest_with_progress

            summary.files = ingest_with_progress(ingestor, inputs, parser)
        else:
            summary.files = [ingestor.ingest(inp, parser) for inp in inputs]
    finally:
        ingestor.close()
    return summary


def parse_lines(
    cfg: Config, lines: list[str], parser: str, reference: datetime | None = None
) -> tuple[duckdb.DuckDBPyConnection, str, list]:
    """Parse raw lines into a DuckDB table ``batch`` of ECS columns without storing them (samples, tests).

    ``reference`` fixes "now" (local time) for year inference so samples give the same result every year.
    """
    ingestor = Ingestor(cfg)
    ingestor.reference = reference
    data = [line.encode("utf-8") for line in lines]
    offsets, pos = [], 0
    for d in data:
        offsets.append(pos)
        pos += len(d) + 1
    prep = ingestor._texts(Chunk(1, offsets, data, pos))
    _, failures = ingestor.transform(get_parser(parser), prep, "<lines>")
    ingestor.dead.close()
    ingestor.state.close()
    return ingestor.con, "batch", [(prep.line_numbers[i], reason) for i, reason in failures]
