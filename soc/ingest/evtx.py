"""Record decoder ``evtx``: Windows ``.evtx`` files → flat Winlogbeat-shaped records, through pyevtx-rs (``evtx``).

Chunk headers are read here first (64 KiB each): chunks already handed over (last record id <= the checkpoint) are
never parsed again, the others are parsed in record-id order (a full log wraps around) a batch at a time, so memory
stays bounded on multi-gigabyte archives. Positions are EventRecordIDs. A damaged chunk header or a record the
parser rejects becomes a failure (dead letter with chunk, byte offset and reason); it never stops the file.
Records keep Winlogbeat's names (``winlog.event_id``, ``winlog.event_data.<Name>`` …) so the windows_json mapping
and the Sigma Windows pipeline apply unchanged; ``event.original`` is the record as JSON. Every EventData and
UserData field, whatever its name, is also handed over as written in one JSON object ``winlog.event_data`` (the
parser stores it as a map column: fields no parser lists in advance stay searchable by rules).
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, BinaryIO

from soc.ingest.chunk_decode import gc_paused, record_table
from soc.ingest.jsontext import loads
from soc.ingest.readahead import read_ahead
from soc.ingest.records import DecoderUnavailable, RecordChunk

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
CHUNK_SIZE = 0x10000
CHUNK_HEADER = 0x200
MAX_ERRORS = 10_000  # parser errors in one batch before the rest of it is given up (reported as lost records)
MAX_BATCH_CHUNKS = 512  # 32 MiB of file parsed at once, whatever the engine's chunk size: memory stays bounded
RECORD_NUMBER = re.compile(r"record number (\d+)")
CHUNK_NUMBER = re.compile(r"chunk number (\d+)")


FIRST_RECORD = 4096 + CHUNK_HEADER  # after the file header and the first chunk's header, both rewritten as Windows appends


def fingerprint_span(fh: BinaryIO) -> tuple[int, int] | None:
    """The bytes that identify a log across appends (soc.ingest.records.fingerprint_span): its first record."""
    fh.seek(FIRST_RECORD)
    rec = fh.read(8)
    if rec[:4] != b"**\x00\x00":
        return None
    return FIRST_RECORD, min(int.from_bytes(rec[4:8], "little"), CHUNK_SIZE - CHUNK_HEADER)


@dataclass(frozen=True)
class ChunkInfo:
    """One 64 KiB chunk of the file, as its header describes it."""

    offset: int  # byte offset in the file
    first_id: int
    last_id: int


def scan(fh: BinaryIO, size: int) -> tuple[int, list[ChunkInfo], list[tuple[int, int, str]]]:
    """(header block size, usable chunks in record order, damaged chunks as (estimated first record id, byte
    offset, reason)). Every 64 KiB block after the file header is looked at, whatever the header's chunk count
    says (a log not closed cleanly counts one chunk short); unused zeroed blocks are ignored."""
    head = fh.read(128)
    if len(head) < 128 or not head.startswith(FILE_MAGIC):
        raise ValueError("not an EVTX file (no ElfFile header)")
    block = struct.unpack_from("<H", head, 40)[0] or 0x1000
    good: list[ChunkInfo] = []
    bad: list[tuple[int, int, str]] = []
    previous = 0  # last record id of the chunk before, in file order: a damaged chunk's records follow it
    for offset in range(block, size, CHUNK_SIZE):
        fh.seek(offset)
        ch = fh.read(48)
        if ch.startswith(CHUNK_MAGIC) and len(ch) == 48:
            first, last = struct.unpack_from("<QQ", ch, 8)
            if 0 < first <= last and last - first <= CHUNK_SIZE // 24:  # a record takes at least 24 bytes
                good.append(ChunkInfo(offset, first, last))
                previous = last
                continue
            reason = f"chunk header damaged (record numbers {first}..{last})"
        elif not ch.strip(b"\x00"):
            continue
        else:
            reason = f"chunk signature missing (found {ch[:8]!r})"
        bad.append((previous + 1, offset, reason))
    good.sort(key=lambda c: c.first_id)  # a wrapped log: the oldest records are not at the start of the file
    return block, good, bad


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return _text(value.get("#text"))
    if isinstance(value, list):
        return "\n".join(t for t in (_text(v) for v in value) if t is not None)
    return str(value)


def _attr(node: Any, name: str) -> str | None:
    return _text(node["#attributes"].get(name)) if isinstance(node, dict) and "#attributes" in node else None


def flatten_py(doc: dict[str, Any], written: str | None = None) -> dict[str, Any]:
    """An evtx JSON document (``{"Event": {"System": …, "EventData": …}}``) → Winlogbeat's flat names.

    ``flatten`` is this in C (soc/ingest/_winlog.c) when the extension is built, else this function."""
    event = doc.get("Event") or {}
    system = event.get("System") or {}
    provider = system.get("Provider")
    execution = system.get("Execution")
    out: dict[str, Any] = {
        "@timestamp": _attr(system.get("TimeCreated"), "SystemTime") or written,
        "winlog.event_id": _text(system.get("EventID")),
        "winlog.channel": _text(system.get("Channel")),
        "winlog.provider_name": _attr(provider, "Name"),
        "winlog.provider_guid": _attr(provider, "Guid"),
        "winlog.computer_name": _text(system.get("Computer")),
        "winlog.record_id": _text(system.get("EventRecordID")),
        "winlog.level": _text(system.get("Level")),
        "winlog.task": _text(system.get("Task")),
        "winlog.opcode": _text(system.get("Opcode")),
        "winlog.keywords": _text(system.get("Keywords")),
        "winlog.version": _text(system.get("Version")),
        "winlog.process.pid": _attr(execution, "ProcessID"),
        "winlog.process.thread.id": _attr(execution, "ThreadID"),
        "winlog.user.identifier": _attr(system.get("Security"), "UserID"),
    }
    data = event.get("EventData")
    if isinstance(data, dict):
        unnamed = data.get("Data")
        for name, value in data.items():
            if name not in ("Data", "Binary", "#attributes"):
                out[f"winlog.event_data.{name}"] = _text(value)
        if unnamed is not None:  # <Data> without Name: Winlogbeat calls them param1, param2 …
            for i, value in enumerate(unnamed if isinstance(unnamed, list) else [unnamed], start=1):
                out[f"winlog.event_data.param{i}"] = _text(value)
        if data.get("Binary"):
            out["winlog.event_data.Binary"] = _text(data["Binary"])
    user = event.get("UserData")
    if isinstance(user, dict):  # one element (e.g. LogFileCleared) holding the fields
        for element in user.values():
            if isinstance(element, dict):
                for name, value in element.items():
                    if name != "#attributes":
                        out[f"winlog.user_data.{name}"] = _text(value)
    return out


try:
    if os.environ.get("SOC_PURE_PYTHON"):
        raise ImportError("SOC_PURE_PYTHON is set")
    from soc.ingest._winlog import flatten as _flatten_c
except ImportError:  # no compiler at install time
    _flatten_c = None


EVENT_DATA = "winlog.event_data."
USER_DATA = "winlog.user_data."
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def all_fields(flat: dict[str, Any]) -> str:
    """Every EventData and UserData field of a flat record as one JSON object of text values, as written (an
    EventData field wins over a UserData field of the same name); a name with spaces is also given without them,
    and unnamed values (param1, param2 …) also as one ``Data`` text, as SigmaHQ names those fields."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if key.startswith(USER_DATA):
            out.setdefault(key[len(USER_DATA):], value)
        elif key.startswith(EVENT_DATA):
            out[key[len(EVENT_DATA):]] = value
    for name in [n for n in out if " " in n]:  # Defender's "Threat Name": SigmaHQ rules write ThreatName
        out.setdefault(name.replace(" ", ""), out[name])
    if "param1" in out and "Data" not in out:  # unnamed <Data> (classic providers): SigmaHQ rules test Data
        params = [out[f"param{i}"] for i in range(1, len(out) + 1) if f"param{i}" in out]
        out["Data"] = "\n".join(v for v in params if v is not None)
    return _json(out)


def flatten(doc: dict[str, Any], written: str | None = None) -> dict[str, Any]:
    """An evtx JSON document → Winlogbeat's flat names (see flatten_py), plus ``winlog.event_data``: every
    EventData/UserData field as JSON (:func:`all_fields`)."""
    flat = flatten_py(doc, written) if _flatten_c is None or not isinstance(doc, dict) else _flatten_c(doc, written)
    flat["winlog.event_data"] = all_fields(flat)
    return flat


class EvtxDecoder:
    def read(self, path: str, start: int, chunk: int, options: dict[str, Any]) -> Iterator[RecordChunk]:
        """Records with an EventRecordID above ``start``, in batches of about ``chunk`` records. Parsing runs in a
        thread one batch ahead, so it goes on while the engine maps and stores the previous batch."""
        _require_evtx()
        yield from read_ahead(lambda: self._chunks(path, start, chunk, options), "evtx-decoder")

    def read_in_workers(self, path: str, start: int, chunk: int, options: dict[str, Any], pool: Any,
                        names: list[str]) -> Iterator[RecordChunk]:
        """As :meth:`read`, each batch parsed (and made the raw Arrow table of ``names``) by a process of ``pool``
        (soc.ingest.chunk_decode.DecodePool), batches handed back in order. The first batch is parsed here while
        the workers start; if they cannot run or die, the rest is parsed here too."""
        _require_evtx()
        yield from self._chunks(path, start, chunk, options, pool, names)

    def _chunks(self, path: str, start: int, chunk: int, options: dict[str, Any], pool: Any = None,
                names: list[str] | None = None) -> Iterator[RecordChunk]:
        with open(path, "rb") as fh:
            plan = _plan(fh, path, start, chunk)
            if isinstance(plan, RecordChunk):
                yield plan
                return
            block, batches, damaged = plan
            fh.seek(0)
            header = fh.read(block)
            size = fh.seek(0, io.SEEK_END)

            def here(batch: list[ChunkInfo]) -> RecordChunk:
                return _batch(fh, size, path, header, batch, start, options)

            parsed = (map(here, batches) if pool is None
                      else _from_workers(pool, batches, here, path, block, start, options, names or []))
            end = start
            for rc in parsed:
                end = rc.end = max(end, rc.end)
                yield rc
            yield RecordChunk([], [], [], max([end, *(pos for pos, _, _ in damaged)]), damaged)


def _from_workers(pool: Any, batches: list[list[ChunkInfo]], here: Callable[[list[ChunkInfo]], RecordChunk],
                  path: str, block: int, start: int, options: dict[str, Any], names: list[str]
                  ) -> Iterator[RecordChunk]:
    """The batches parsed by the pool's workers, ``pool.workers`` of them ahead, in order; the first one (while the
    workers start) and those the workers could not take or died on are parsed ``here``."""
    jobs: deque[tuple[Future | None, list[ChunkInfo]]] = deque()
    for i, batch in enumerate(batches):
        jobs.append((pool.submit_call(_batch_in_worker, path, block, batch, start, options, names) if i else None,
                     batch))
        while len(jobs) > pool.workers or (jobs and i == len(batches) - 1):
            job, todo = jobs.popleft()
            rc = None
            if job is not None:
                try:
                    rc = pool.result(job)
                except BrokenProcessPool:  # a worker died: this batch and the next ones are parsed here
                    pool.disable()
            yield rc if rc is not None else here(todo)


def _require_evtx() -> None:
    try:
        import evtx  # noqa: F401 - the optional evtx package: imported when an .evtx file is read
    except ModuleNotFoundError as exc:
        raise DecoderUnavailable(f"decoder 'evtx' needs the evtx package (pip install evtx): {exc}") from exc


def _plan(fh: BinaryIO, path: str, start: int, chunk: int
          ) -> RecordChunk | tuple[int, list[list[ChunkInfo]], list[tuple[int, str, str]]]:
    """(header block size, the batches of chunks holding records after ``start``, damaged chunks as failures), or
    the one RecordChunk saying the file is not EVTX."""
    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    try:
        block, chunks, bad = scan(fh, size)
    except ValueError as exc:
        return RecordChunk([], [], [], start, [(start + 1, str(exc), f"{path}: {exc}")])
    damaged = [(pos, f"chunk at byte {off}: {reason}", f"{path}: chunk at byte {off}: {reason}")
               for pos, off, reason in bad if pos > start]  # reported once: the checkpoint moves past it
    batches: list[list[ChunkInfo]] = [[]]
    count = 0  # records the batch's chunk headers announce
    for info in (c for c in chunks if c.last_id > start):
        if len(batches[-1]) >= MAX_BATCH_CHUNKS or count >= chunk:
            batches.append([])
            count = 0
        batches[-1].append(info)
        count += info.last_id - info.first_id + 1
    return block, [b for b in batches if b], damaged


def _batch_in_worker(path: str, block: int, batch: list[ChunkInfo], start: int, options: dict[str, Any],
                     names: list[str]) -> RecordChunk:
    """One batch parsed in a worker process, handed back as the engine's raw table (no record dicts to pickle)."""
    with open(path, "rb") as fh:
        header = fh.read(block)
        rc = _batch(fh, fh.seek(0, io.SEEK_END), path, header, batch, start, options)
    rc.table = record_table(rc, names)
    rc.records, rc.originals = [], []
    return rc


def _batch(fh: BinaryIO, size: int, path: str, header: bytes, batch: list[ChunkInfo], start: int,
           options: dict[str, Any]) -> RecordChunk:
    """Parse some chunks (the file header put before them, as the parser wants a whole file)."""
    import evtx  # the optional evtx package: imported when an .evtx file is read

    parts = [header]
    for info in batch:
        fh.seek(info.offset)
        parts.append(data := fh.read(CHUNK_SIZE))
        if len(data) < CHUNK_SIZE:  # a file cut short: the records before the cut still parse
            parts.append(bytes(CHUNK_SIZE - len(data)))
    out = RecordChunk([], [], [], max(c.last_id for c in batch))
    out.progress = CHUNK_SIZE * len(batch)  # type: ignore[attr-defined]  # bytes read, for the progress bar
    parser = evtx.PyEvtxParser(io.BytesIO(b"".join(parts)), number_of_threads=int(options.get("threads", 0)),
                               ansi_codec=options.get("ansi_codec", "windows-1252"),
                               validate_checksums=bool(options.get("validate_checksums", False)), indent=False)
    with gc_paused():  # ~10^4 records as dicts, no cycles among them
        _read_records(parser.records_json(), batch, path, start, out)
    seen = set(out.positions) | {pos for pos, _, _ in out.failures}
    for info in batch:  # records a chunk header announces that were neither handed over nor reported
        missing = [i for i in range(max(info.first_id, start + 1), info.last_id + 1) if i not in seen]
        if missing:
            why = "the file ends inside this chunk" if info.offset + CHUNK_SIZE > size else "not found"
            reason = f"chunk at byte {info.offset}: records {missing[0]}..{missing[-1]} lost ({why})"
            out.failures.append((missing[0], reason, f"{path}: {reason}"))
    return out


def _read_records(records: Any, batch: list[ChunkInfo], path: str, start: int, out: RecordChunk) -> None:
    """The parser's records after ``start`` into ``out`` (flat Winlogbeat names), its errors as failures."""
    errors = 0
    while errors < MAX_ERRORS:
        try:
            rec = next(records)
        except StopIteration:
            break
        except RuntimeError as exc:  # one record or chunk the parser rejects; it goes on with the next one
            errors += 1
            pos, info = _locate(str(exc), batch)
            reason = f"chunk at byte {info.offset}: {exc}"
            out.failures.append((pos, reason, f"{path}: {reason}"))
            continue
        rid = rec["event_record_id"]
        if rid <= start:
            continue  # handed over by an earlier run
        text = rec["data"]
        try:
            flat = flatten(loads(text), rec.get("timestamp", "").removesuffix(" UTC") or None)
        except (ValueError, AttributeError, TypeError, RecursionError) as exc:
            out.failures.append((rid, f"record {rid}: unreadable JSON from the parser: {exc}", text))
            continue
        out.records.append(flat)
        out.positions.append(rid)
        out.originals.append(text)


def _locate(message: str, batch: list[ChunkInfo]) -> tuple[int, ChunkInfo]:
    """The EventRecordID a parser error is about (its record number, else its chunk's first record) and the chunk
    (the parser numbers chunks within the batch it was given)."""
    if m := RECORD_NUMBER.search(message):
        rid = int(m.group(1))
        return rid, next((c for c in batch if c.first_id <= rid <= c.last_id), batch[0])
    if (m := CHUNK_NUMBER.search(message)) and int(m.group(1)) < len(batch):
        info = batch[int(m.group(1))]
        return info.first_id, info
    return batch[0].first_id, batch[0]


DECODER = EvtxDecoder()
