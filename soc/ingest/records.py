"""Record decoders: binary or structured files read as records rather than text lines (EVTX, pcap, …).

A record decoder lives in its own module (listed in ``RECORD_DECODERS`` with the magic bytes that identify its
files) exposing ``DECODER``, an object with::

    read(path: str, start: int, chunk: int, options: dict) -> Iterator[RecordChunk]

and optionally ``read_in_workers(path, start, chunk, options, pool, names)``: the same chunks, decoded by the
processes of ``pool`` (soc.ingest.chunk_decode.DecodePool) into ``RecordChunk.table`` (the raw columns ``names``).

Records are flat dicts of raw values (text or None); the parser YAML maps them to ECS exactly as for JSON lines.
``start``/``RecordChunk.end`` are the decoder's own resumable position (record number or byte offset), stored as
the file's checkpoint. Modules are imported only when a file needs them (pyshark is slow to import).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

# decoder name → (module, magic prefixes of its files)
RECORD_DECODERS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "evtx": ("soc.ingest.evtx", (b"ElfFile\x00",)),
    "pcap": ("soc.ingest.pcap", (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                                 b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")),
}


@dataclass
class RecordChunk:
    """Decoded records: ``records[i]`` was found at ``positions[i]``; ``originals[i]`` is its raw text form."""

    records: list[dict[str, Any]]
    positions: list[int]
    originals: list[str]
    end: int  # where to resume after this chunk
    failures: list[tuple[int, str, bytes | str]] = field(default_factory=list)  # position, reason, raw
    table: Any = None  # the records (and originals) already as the engine's raw Arrow table, made by a worker


class DecoderUnavailable(Exception):
    """The decoder's module or its system dependency (e.g. tshark) is missing; the message says what to install."""


def is_record_decoder(name: str) -> bool:
    return name in RECORD_DECODERS


def load(name: str) -> Any:
    module, _ = RECORD_DECODERS[name]
    try:
        return importlib.import_module(module).DECODER
    except ModuleNotFoundError as exc:
        raise DecoderUnavailable(f"decoder '{name}' is not available: {exc}") from exc


def sniff(head: bytes) -> str | None:
    """The record decoder whose magic bytes start ``head``, if any."""
    for name, (_, magics) in RECORD_DECODERS.items():
        if any(head.startswith(m) for m in magics):
            return name
    return None


def fingerprint_span(head: bytes, fh: Any) -> tuple[int, int] | None:
    """(offset, length) of the bytes identifying a file of a record decoder whose module defines
    ``fingerprint_span(fh)`` (files whose first bytes are rewritten as they grow); None: use the first bytes."""
    name = sniff(head)
    if name is None:
        return None
    span = getattr(importlib.import_module(RECORD_DECODERS[name][0]), "fingerprint_span", None)
    return span(fh) if span is not None else None
