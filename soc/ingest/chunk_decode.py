"""The Python half of a chunk — decoder → raw Arrow columns — run here or in worker processes.

Decoders written in Python (kv, CEF, JSON, multi-line regex) hold the GIL, so one process decodes at most one chunk
at a time while DuckDB maps and stores the previous one. On a large file ``DecodePool`` decodes the next chunks in
``[ingest] decode_workers`` processes and hands them back in order: checkpoints, dead letters
and storage stay sequential, exactly as without the pool. Stateful decoders (W3C ``#Fields``) never use it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from soc import fastcols
from soc.ingest.decoded import Decoded
from soc.ingest.jsontext import as_text
from soc.ingest.parser import Parser
from soc.ingest.records import RecordChunk
from soc.ingest.registry import decoder_for

STATEFUL_DECODERS = frozenset({"w3c"})  # state carried from one chunk to the next: decoded in order, here
MIN_BYTES = 16 << 20  # files smaller than this are decoded here: starting workers would cost more than it saves


@dataclass
class Lines:
    """What a decoder needs of a chunk (no raw bytes: they stay with the caller for dead letters)."""

    texts: list[str]
    line_numbers: list[int]
    offsets: list[int]
    failures: list[tuple[int, str]]  # index into texts, reason (lines already refused: too long, not UTF-8)


def text_array(values: list | pa.Array) -> pa.Array:
    """A raw text column: a decoder's list as Arrow text (all-null when no event of the chunk has it, common: parsers
    map many optional keys), an Arrow array as it is."""
    return values if isinstance(values, pa.Array) else fastcols.text_column(values)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a chunk's decoding allocates ~10^5 dicts that make no cycles, and
    collecting them as they come (all still alive) cost a fifth of the decoding time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def raw_table(decoder: Any, lines: Lines) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Run ``decoder`` over the chunk's good lines: the raw columns as an Arrow table, and every failure."""
    bad = {i for i, _ in lines.failures}
    good_idx = [i for i in range(len(lines.texts)) if i not in bad] if bad else range(len(lines.texts))
    good = [lines.texts[i] for i in good_idx] if bad else lines.texts
    with gc_paused():
        decoded: Decoded = safe_decode(decoder, good)
    failures = list(lines.failures) + [(good_idx[j], reason) for j, reason in decoded.failures]
    idx = [good_idx[j] for j in decoded.rows] if (bad or decoded.failures) else decoded.rows
    if len(idx) == len(lines.texts):
        numbers, offsets, originals = lines.line_numbers, lines.offsets, lines.texts
    else:
        numbers = [lines.line_numbers[i] for i in idx]
        offsets = [lines.offsets[i] for i in idx]
        originals = [lines.texts[i] for i in idx]
    if decoded.originals is not None:
        originals = decoded.originals
    cols: dict[str, pa.Array] = {
        "_i": fastcols.int_column(idx),
        "_pattern": fastcols.int_column(decoded.pattern, "i"),
        "_line": fastcols.int_column(numbers),
        "_offset": fastcols.int_column(offsets),
        "_original": fastcols.text_column(originals),
    }
    for name, values in decoded.columns.items():
        cols[f"raw.{name}"] = text_array(values)
    return pa.table(cols), failures


def safe_decode(decoder: Any, lines: list[str]) -> Decoded:
    """``decoder.decode(lines)``; when it raises, the lines that make it raise are found by halving and become
    failures with the error, the others are decoded: no line stops its chunk."""
    try:
        return decoder.decode(lines)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder bug one line triggers: that line is dead-lettered
        if len(lines) == 1:
            name = getattr(getattr(decoder, "parser", None), "name", "?")
            return Decoded(failures=[(0, f"decoder error: {type(exc).__name__}: {exc} (parser '{name}')")])
    half = len(lines) // 2
    return _merged(safe_decode(decoder, lines[:half]), safe_decode(decoder, lines[half:]), half)


def _merged(first: Decoded, second: Decoded, shift: int) -> Decoded:
    """Two decodings of consecutive line ranges as one (``second``'s indexes moved by ``shift``)."""
    out = Decoded(rows=first.rows + [i + shift for i in second.rows], pattern=first.pattern + second.pattern,
                  failures=first.failures + [(i + shift, r) for i, r in second.failures])
    for name in dict.fromkeys([*first.columns, *second.columns]):
        parts = [text_array(d.columns[name]) if name in d.columns else pa.nulls(len(d.rows), pa.string())
                 for d in (first, second)]
        out.columns[name] = pa.concat_arrays([p.cast(pa.string()) for p in parts])
    if first.originals is not None or second.originals is not None:
        out.originals = ((first.originals or [None] * len(first.rows))
                         + (second.originals or [None] * len(second.rows)))
    return out


_WORKER_DECODERS: dict[tuple[str, str], Any] = {}


def _decode_in_worker(parser: Parser, lines: Lines) -> tuple[pa.Table, list[tuple[int, str]]]:
    key = (parser.name, str(parser.path))
    if key not in _WORKER_DECODERS:
        _WORKER_DECODERS[key] = decoder_for(parser)
    return raw_table(_WORKER_DECODERS[key], lines)


def _to_file(folder: str, fn: Any, *args: Any) -> str:
    """Run ``fn(*args)`` in a worker and write its value to a file of ``folder``; return the file's path."""
    value = fn(*args)
    fd, path = tempfile.mkstemp(dir=folder, suffix=".pickle")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def record_table(rc: RecordChunk, names: list[str]) -> pa.Table:
    """A record decoder's chunk as the engine's raw table: ``_i``, ``_pattern``, ``_line``/``_offset`` (the
    records' positions), ``_original`` and ``raw.<name>`` per name."""
    n = len(rc.records)
    cols: dict[str, pa.Array] = {
        "_i": fastcols.int_column(range(n)),
        "_pattern": fastcols.int_column([0] * n, "i"),
        "_line": fastcols.int_column(rc.positions),
        "_offset": fastcols.int_column(rc.positions),
        "_original": fastcols.text_column(rc.originals),
    }
    for name, values in zip(names, fastcols.columns(rc.records, names, as_text), strict=True):
        cols[f"raw.{name}"] = values
    return pa.table(cols)


class DecodePool:
    """Worker processes (spawned: the parent runs DuckDB threads, which must not be forked) started on first use.

    ``[ingest] decode_workers`` (default: one per CPU but one; 0: decode in the ingesting process) and
    ``decode_min_bytes`` (default 16 MiB: smaller files are decoded in the ingesting process). Text lines use the
    workers from two on (with one, the ingesting process would only wait instead of decoding); record decoders that
    can (EVTX) from one on, on a machine of two CPUs or more: their decoding thread would otherwise hold the GIL that
    DuckDB's client takes between tasks. A program that ingests through the library must guard its entry point with
    ``if __name__ == "__main__":`` (spawned workers import it again), as every multiprocessing program does.
    """

    def __init__(self, raw: dict[str, Any]):
        opts = raw.get("ingest", {}) or {}
        workers = opts.get("decode_workers")
        # default: every CPU but one, which the ingesting process needs for DuckDB (mapping, storing)
        self.workers = int(workers) if workers is not None else max(1, (os.cpu_count() or 1) - 1)
        self.min_bytes = int(opts.get("decode_min_bytes", MIN_BYTES))
        self._executor: ProcessPoolExecutor | None = None
        self._folder: str | None = None  # where workers write the values they hand back

    def wanted(self, parser: Parser, size: int | None) -> bool:
        """Whether a file of ``size`` bytes read by ``parser`` is worth decoding in the workers."""
        return (self.workers > 1 and size is not None and size >= self.min_bytes
                and parser.decoder not in STATEFUL_DECODERS)

    def wanted_records(self, size: int) -> bool:
        """Whether a file of ``size`` bytes read by a record decoder with ``read_in_workers`` is worth it."""
        return self.workers >= 1 and (os.cpu_count() or 1) >= 2 and size >= self.min_bytes

    def submit(self, parser: Parser, lines: Lines) -> Future | None:
        """The chunk handed to a worker, or None when the workers cannot run (decode it here then)."""
        return self.submit_call(_decode_in_worker, parser, lines)

    def submit_call(self, fn: Any, *args: Any) -> Future | None:
        """``fn(*args)`` (a module-level function) run by a worker, or None when the workers cannot run; its value
        is read with :meth:`result`."""
        if self.workers < 1:
            return None
        try:
            if self._executor is None:
                self._folder = tempfile.mkdtemp(prefix="soc-decode-")
                self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            return self._executor.submit(_to_file, self._folder, fn, *args)
        except (BrokenProcessPool, OSError):
            self.disable()
            return None

    @staticmethod
    def result(job: Future) -> Any:
        """The value of a :meth:`submit_call` job. Workers hand values back through a file, not the executor's
        pipe: a worker killed while writing a large value to the pipe (the OOM killer) leaves the executor waiting
        for the rest forever; a killed writer of a file only breaks the pool (BrokenProcessPool)."""
        path = job.result()
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        finally:
            os.unlink(path)

    def disable(self) -> None:
        """Workers that died (or could not start, e.g. a program read from stdin): decode here from now on."""
        self.workers = 0
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._folder is not None:  # values of jobs nobody read (an error stopped the run)
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
