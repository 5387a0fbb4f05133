"""Log sources: files (plain or .gz), directories, stdin — read as raw byte lines from a checkpointed offset.

A source never decodes or parses; it yields ``RawLine`` records and knows how far it got, so an interrupted ingest
resumes where the last stored chunk ended.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from soc.ingest.registry import fingerprint_span
from soc.store.types import Checkpoint

FINGERPRINT_BYTES = 1024


class SourceError(Exception):
    """A path that cannot be read; the message names it and the reason."""


@dataclass
class Input:
    """One thing to read: a file path, or ``-`` for stdin."""

    path: str
    is_stdin: bool = False

    @property
    def is_gzip(self) -> bool:
        return self.path.endswith(".gz")

    @property
    def label(self) -> str:
        return "<stdin>" if self.is_stdin else self.path


@dataclass
class Chunk:
    """Consecutive raw lines: line ``first_line + i`` starts at byte ``offsets[i]``; ``end`` is the next offset."""

    first_line: int
    offsets: list[int]
    lines: list[bytes]  # without the line terminator
    end: int


def expand(paths: list[str | Path]) -> list[Input]:
    """Files as given, directories walked recursively (hidden entries skipped), ``-`` as stdin."""
    out: list[Input] = []
    for p in paths:
        s = str(p)
        if s == "-":
            out.append(Input("-", is_stdin=True))
            continue
        path = Path(s)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        out.append(Input(str(Path(root, name).resolve())))
        elif path.is_file():
            out.append(Input(str(path.resolve())))
        else:
            raise SourceError(f"{s}: no such file or directory")
    return out


def _fingerprint_span(fh: BinaryIO) -> tuple[int, int]:
    """(offset, length) of the bytes that identify a file: its first bytes, unless its record decoder says otherwise
    (an EVTX log: its first record, as the headers before it change on every write)."""
    return fingerprint_span(fh.read(16), fh) or (0, FINGERPRINT_BYTES)


def fingerprint(path: str) -> str:
    """Hash of the identifying bytes of a file: tells a rotated/truncated file from the one we checkpointed.
    ``<length>:<sha1>`` from the start, ``<length>@<offset>:<sha1>`` elsewhere."""
    with open(path, "rb") as fh:
        start, length = _fingerprint_span(fh)
        fh.seek(start)
        head = fh.read(length)
    where = f"@{start}" if start else ""
    return f"{len(head)}{where}:{hashlib.sha1(head).hexdigest()}"


def _same_file(cp: Checkpoint, path: str, inode: int, size: int) -> bool:
    if cp.inode != inode or not cp.fingerprint:
        return False
    span, _, digest = cp.fingerprint.partition(":")
    n, _, start = span.partition("@")
    with open(path, "rb") as fh:
        fh.seek(int(start or 0))
        head = fh.read(int(n))
    return hashlib.sha1(head).hexdigest() == digest and size >= cp.offset


def start_position(inp: Input, cp: Checkpoint | None) -> tuple[int, int, Checkpoint]:
    """Where to resume reading (offset, lines already read) and the checkpoint to keep updating."""
    if inp.is_stdin:
        return 0, 0, Checkpoint("<stdin>", None, None, 0, 0)
    st = os.stat(inp.path)
    if cp is not None and _same_file(cp, inp.path, st.st_ino, _size(inp, st.st_size)):
        return cp.offset, cp.line_no, Checkpoint(inp.path, st.st_ino, cp.fingerprint, cp.offset, cp.line_no)
    return 0, 0, Checkpoint(inp.path, st.st_ino, None, 0, 0)


def _size(inp: Input, size: int) -> int:
    return 1 << 62 if inp.is_gzip else size  # a .gz offset counts decompressed bytes


def open_stream(inp: Input) -> BinaryIO:
    try:
        if inp.is_stdin:
            return sys.stdin.buffer
        if inp.is_gzip:
            return gzip.open(inp.path, "rb")  # type: ignore[return-value]
        return open(inp.path, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise SourceError(f"{inp.label}: cannot open: {exc.strerror}") from exc


def read_chunks(stream: BinaryIO, offset: int, line_no: int, size: int) -> Iterator[Chunk]:
    """Chunks of ``size`` raw lines from ``offset``; a last line without a newline is read too."""
    if offset:
        stream.seek(offset)
    offsets: list[int] = []
    lines: list[bytes] = []
    first = line_no + 1
    for data in stream:
        offsets.append(offset)
        offset += len(data)
        if data[-1:] == b"\n":
            data = data[:-2] if data[-2:] == b"\r\n" else data[:-1]
        lines.append(data)
        if len(lines) >= size:
            yield Chunk(first, offsets, lines, offset)
            first += len(lines)
            offsets, lines = [], []
    if lines:
        yield Chunk(first, offsets, lines, offset)
