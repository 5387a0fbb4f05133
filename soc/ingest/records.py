"""Record decoders: binary or structured files read as records rather than text lines (EVTX, pcap, …).

A record decoder lives in its own module, named by a :class:`RecordDecoder` class in ``soc.ingest.registry``
(with the magic bytes that identify its files); the module exposes ``DECODER``, an object with::

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


class RecordDecoder:
    """A record decoder in the registry: the module that holds its ``DECODER`` (imported only when a file needs
    it) and the magic bytes that start its files."""

    module: str = ""
    magics: tuple[bytes, ...] = ()

    @classmethod
    def load(cls) -> Any:
        """The module's ``DECODER`` (ModuleNotFoundError when the module or what it needs is missing)."""
        return importlib.import_module(cls.module).DECODER

    @classmethod
    def recognises(cls, head: bytes) -> bool:
        """Whether a file starting with ``head`` is one of this decoder's."""
        return any(head.startswith(m) for m in cls.magics)

    @classmethod
    def fingerprint_span(cls, fh: Any) -> tuple[int, int] | None:
        """(offset, length) of the bytes identifying the file, when its module defines ``fingerprint_span(fh)``
        (files whose first bytes are rewritten as they grow); None: use the first bytes."""
        span = getattr(importlib.import_module(cls.module), "fingerprint_span", None)
        return span(fh) if span is not None else None


class EvtxRecords(RecordDecoder):
    """Windows event logs (.evtx)."""

    module = "soc.ingest.evtx"
    magics = (b"ElfFile\x00",)


class PcapRecords(RecordDecoder):
    """Packet captures (pcap, pcapng), through tshark."""

    module = "soc.ingest.pcap"
    magics = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
              b"\x0a\x0d\x0d\x0a")
