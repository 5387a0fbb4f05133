"""Record decoder ``pcap``: packet captures (pcap/pcapng) → protocol event records, streamed through tshark.

tshark is found through pyshark (see ``tshark.py``); packets are read as a stream of field rows and assembled into
records by ``events.Assembler``. Positions are frame numbers: a record's position is the frame being read when it
was completed, so a resumed read replays the capture (flows need it) and skips what it had already handed over.
A capture cut short or damaged ends with a failure (dead letter) after the events read before the damage. It never
stores a secret: records carry masked passwords only, and ``event.original`` is a JSON summary of the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from soc.ingest.readahead import read_ahead
from soc.ingest.records import RecordChunk

PACKETS_PER_CHUNK = 50_000  # hand over at least this often, so the progress bar moves on quiet captures


class PcapDecoder:
    def read(self, path: str, start: int, chunk: int, options: dict[str, Any]) -> Iterator[RecordChunk]:
        """Chunks of records; tshark and the assembly run in a thread one chunk ahead, so they keep going while
        the engine stores the previous chunk (at most one chunk waits: memory stays bounded)."""
        # imported here: pyshark, slow to import, is needed only when a capture is read
        from soc.ingest.pcap.tshark import SEGMENT_PACKETS, stream

        rows, error = stream(path, int(options.get("segment_packets", SEGMENT_PACKETS)))  # may raise: no tshark
        yield from read_ahead(lambda: self._chunks(rows, error, path, start, chunk, options), "pcap-decoder",
                              join_timeout=120)

    def _chunks(self, rows, error, path: str, start: int, chunk: int, options: dict[str, Any]) -> Iterator[RecordChunk]:
        from soc.ingest.pcap.events import Assembler  # with tshark's field lists: only for captures

        asm = Assembler(options)
        last = 0
        done = 0  # packets read since the last chunk
        size = 0  # their bytes in the file (classic pcap: 16-byte record headers), for the progress bar
        for parts in rows:
            try:
                asm.packet(parts)
            except (ValueError, IndexError) as exc:  # a row tshark printed oddly: skip the packet, keep going
                asm.out.append((asm.frame, {"_failure": f"packet {parts[0] if parts else '?'}: {exc}"}))
            last = asm.frame
            done += 1
            size += 16 + int(parts[2] or 0)
            if len(asm.out) >= chunk or done >= PACKETS_PER_CHUNK:
                yield self._chunk(asm, start, last, size)
                done = size = 0
        problem = error()
        asm.frame = last + 1
        asm.expire(None)
        rc = self._chunk(asm, start, last + 1, size)
        if problem:
            rc.failures.append((last + 1, f"capture damaged after frame {last}: {problem}", f"{path}: {problem}"))
        yield rc

    @staticmethod
    def _chunk(asm, start: int, end: int, size: int) -> RecordChunk:
        out = RecordChunk([], [], [], end)
        for pos, rec in asm.out:
            if pos <= start:
                continue  # handed over by an earlier run
            if "_failure" in rec:
                out.failures.append((pos, rec["_failure"], rec["_failure"]))
                continue
            out.records.append(rec)
            out.positions.append(pos)
            out.originals.append(json.dumps({k: v for k, v in rec.items() if v is not None}, ensure_ascii=False,
                                            separators=(",", ":")))
        asm.out.clear()
        out.progress = size  # type: ignore[attr-defined]  # bytes of the capture read for this chunk
        return out


DECODER = PcapDecoder()
