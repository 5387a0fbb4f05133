"""Ingest orchestration: source → decode → ECS transform (batch workspace) → event store, with checkpoints and
dead letters. The enrichers come from the caller (``soc.enrich.pipeline`` wires the shipped ones).

Per chunk the order is: store events, then move the checkpoint. A crash in between re-reads the chunk next time and
the deterministic ``event.id`` makes the store skip what it already holds — no loss, no duplicates.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from soc.config import Config
from soc.ingest.autodetect import detect, detect_binary
from soc.ingest.chunk_decode import DecodePool, Lines, record_table
from soc.ingest.deadletter import DeadLetter
from soc.ingest.mapper import ChunkMapper, Prepared
from soc.ingest.parser import Parser, get_parser, path_parsers
from soc.ingest.registry import is_record_decoder, record_decoder
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
from soc.store.registry import open_store
from soc.store.workspace import NO_ENRICHERS, Enrichers


@dataclass
class FileResult:
    path: str
    parser: str | None
    read: int = 0
    stored: int = 0
    deadlettered: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # dead-letter reason → lines
    confidence: float | None = None  # auto-detection: share of the first lines the parser read (None: not detected)

    def dead(self, reason: str, n: int = 1) -> None:
        self.deadlettered += n
        self.reasons[reason] += n

    @property
    def nothing_stored(self) -> bool:
        """Lines were read, none is stored or was stored before: the file gave nothing."""
        return self.read > 0 and self.stored == 0 and self.skipped == 0


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


class Ingestor:
    """Reads inputs into the store; one batch workspace and one dead-letter file per run."""

    def __init__(self, cfg: Config, enrichers: Enrichers = NO_ENRICHERS):
        self.cfg = cfg
        self.enrichers = enrichers
        self.store = open_store(cfg)
        self.events = self.store.events
        self.state = self.store.state
        self.dead = DeadLetter(cfg.data_dir)
        self.mapper = ChunkMapper(cfg, self.events, enrichers)
        self.pool = DecodePool(cfg.raw)  # worker processes for large files, started on first use
        self.path_parsers = path_parsers(cfg.raw)

    def close(self) -> None:
        self.pool.close()
        self.dead.close()
        self.mapper.close()
        self.store.close()

    # -- one input ---------------------------------------------------------------------------------------------
    def ingest(self, inp: Input, parser_name: str | None, on_progress=None) -> FileResult:
        """Read one input from its checkpoint. Decoding (Python) of chunk n+1 overlaps storing (DuckDB) chunk n."""
        self.mapper.decoders = {}
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
                    table, failures = self.mapper.decode(parser_, prep_)
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
                    prep = self.mapper.texts(chunk)
                    if parser is None:
                        found = detect([t for t in prep.texts if t], enrichers=self.enrichers)
                        if found is None:
                            store_ready(0)
                            if pending:
                                pending.result()
                            reason = "no parser recognises this file (use --parser NAME)"
                            self._dead_all(inp, prep, reason)
                            result.read += len(prep.texts)
                            result.dead(reason, len(prep.texts))
                            self._advance(inp, checkpoint, chunk, None)
                            continue
                        parser = get_parser(found.parser)
                        result.parser, result.confidence = parser.name, found.confidence
                    if not last:
                        chunk, prep, carry = self.mapper.hold_tail(parser, chunk, prep)
                        if not prep.texts:  # the whole chunk is one unfinished event: read on
                            continue
                    result.read += len(prep.texts)
                    job = None
                    if self.mapper.sql_regex(parser) is None and self.pool.wanted(parser, size):
                        job = self.pool.submit(parser, Lines(prep.texts, prep.line_numbers, prep.offsets,
                                                             prep.failures))
                    if job is not None:
                        decoding.append((job, prep, chunk, parser))
                        store_ready(self.pool.workers)
                    else:
                        decoding.append((self.mapper.decode(parser, prep), prep, chunk, parser))
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
        decoder = record_decoder(parser.decoder)
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
            rows, undated = self.mapper.to_ecs(parser, table, inp.label) if n else (0, [])
            originals = table.column("_original")
            failures = [(rc.positions[i], reason, originals[i].as_py()) for i, reason in undated] + rc.failures
            for pos, reason, raw in sorted(failures, key=lambda f: f[0]):
                self.dead.add(inp.label, pos, pos, reason, raw, parser.name)
                result.reasons[reason] += 1
            self.dead.flush()
            with self.events.write_lock():
                stored = self.events.append(self.mapper.batch()) if rows else 0
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
        rows, undated = self.mapper.to_ecs(parser, table, inp.label)
        failures = sorted(failures + undated)
        ends = _event_ends(parser, table, failures, len(prep.raw))
        joined = _joined_originals(table) if failures else {}
        for i, reason in failures:
            raw = joined.get(i) or (b"\n".join(prep.raw[i:ends[i]]) if i in ends else prep.raw[i])
            self.dead.add(inp.label, prep.line_numbers[i], prep.offsets[i], reason, raw, parser.name)
            result.reasons[reason] += 1
        self.dead.flush()
        with self.events.write_lock():
            stored = self.events.append(self.mapper.batch()) if rows else 0
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


def _event_ends(parser: Parser, table: pa.Table, failures: list[tuple[int, str]], n: int) -> dict[int, int]:
    """For a parser that joins lines: where each failed event's lines end (its continuation lines go to the dead
    letter with it, not lost); empty for the others."""
    if not parser.options.get("multiline") or not failures:
        return {}
    starts = sorted(set(table.column("_i").to_pylist()) | {i for i, _ in failures}) + [n]
    after = dict(zip(starts, starts[1:], strict=False))
    return {i: after[i] for i, _ in failures if after[i] > i + 1}


def _joined_originals(table: pa.Table) -> dict[int, str]:
    """Line index → text of the decoded events made of several lines (a ModSecurity record, a stack trace): a
    dead letter of one keeps all its lines."""
    if "_original" not in table.column_names or not table.num_rows:
        return {}
    several = pc.match_substring(table.column("_original"), "\n")
    if not pc.any(several).as_py():
        return {}
    picked = table.filter(several)
    return dict(zip(picked.column("_i").to_pylist(), picked.column("_original").to_pylist(), strict=True))


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


def ingest_paths(cfg: Config, paths: list[str | Path], parser: str | None = None, progress: bool = False,
                 enrichers: Enrichers = NO_ENRICHERS) -> IngestSummary:
    """Ingest files, directories (recursively), .gz files and ``-`` (stdin) with ``enrichers``; return what
    happened (``soc.enrich.pipeline.ingest_paths``: with the shipped enrichers)."""
    inputs = expand(paths)
    ingestor = Ingestor(cfg, enrichers)
    summary = IngestSummary(deadletter_path=ingestor.dead.path)
    try:
        if progress:
            from soc.ingest.progress import ingest_with_progress  # rich's progress bar: only on a terminal

            summary.files = ingest_with_progress(ingestor, inputs, parser)
        else:
            summary.files = [ingestor.ingest(inp, parser) for inp in inputs]
    finally:
        ingestor.close()
    return summary
