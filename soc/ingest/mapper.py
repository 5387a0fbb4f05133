"""One chunk of lines → ECS rows in the batch workspace: decode (Python, or RE2 in the workspace), map with the
parser's compiled query, drop undated rows, run the caller's enrichers. Stores nothing: the engine appends the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from soc import fastcols
from soc.config import Config
from soc.ingest.chunk_decode import Lines, raw_table
from soc.ingest.decoders import RegexSQL
from soc.ingest.parser import Parser, get_parser
from soc.ingest.registry import decoder_for
from soc.ingest.sources import Chunk
from soc.ingest.transform import MISSING, mapping_query
from soc.store.events_api import EventBatch, EventStore
from soc.store.registry import open_store
from soc.store.workspace import NO_ENRICHERS, Enrichers, MappedBatch, Workspace

BATCH = "batch"  # the workspace table holding the mapped chunk (ECS columns + ``_i``, the line's index)
UNDATED = "timestamp missing or not in the parser's format"


@dataclass
class Prepared:
    """A chunk's lines as text, ready to decode."""

    texts: list[str]
    line_numbers: list[int]
    offsets: list[int]
    raw: list[bytes]
    failures: list[tuple[int, str]]  # index into texts/raw, reason


def threads(cfg: Config) -> int:
    """``[ingest] duckdb_threads``: one by default. A chunk's statements are too small to split (more threads
    measured slower: nginx_combined 60 k → 86 k lines/s, EVTX 4.2 → 3.8 s CPU per 100 k records on 2 cores);
    0 = every core."""
    return int((cfg.raw.get("ingest", {}) or {}).get("duckdb_threads", 1))


class ChunkMapper:
    """Decodes chunks and maps them to ECS in one workspace, with the caller's enrichers."""

    def __init__(self, cfg: Config, events: EventStore, enrichers: Enrichers = NO_ENRICHERS):
        self.cfg = cfg
        self.events = events
        self.enrichers = enrichers
        self.workspace = Workspace(threads=threads(cfg))
        self.reference: datetime | None = None  # "now" for year inference; None = the real time
        self._re2: dict[str, RegexSQL | None] = {}
        self.decoders: dict[str, Any] = {}  # per file (the engine resets it for each input)

    def close(self) -> None:
        self.workspace.close()

    def texts(self, chunk: Chunk) -> Prepared:
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

    def sql_regex(self, parser: Parser) -> RegexSQL | None:
        """The parser's regex decoder as RE2 SQL, when the workspace can run it."""
        if parser.decoder != "regex" or parser.options.get("multiline"):  # joining lines needs the Python decoder
            return None
        if parser.name not in self._re2:
            self._re2[parser.name] = RegexSQL(parser) if RegexSQL.supported(parser, self.workspace) else None
        return self._re2[parser.name]

    def decoder(self, parser: Parser) -> Any:
        if parser.name not in self.decoders:  # one decoder per file: stateful ones (w3c #Fields) keep state
            self.decoders[parser.name] = decoder_for(parser)
        return self.decoders[parser.name]

    def hold_tail(self, parser: Parser, chunk: Chunk, prep: Prepared) -> tuple[Chunk, Prepared, Chunk | None]:
        """Split off the chunk's last event when the parser joins lines: its continuation may open the next chunk.
        The checkpoint stops before the held lines until they are stored with the next chunk."""
        if self.sql_regex(parser) is not None:
            return chunk, prep, None
        tail = getattr(self.decoder(parser), "tail_start", None)
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

        For regex parsers RE2 can run, only the lines are handed over: the workspace matches them in ``to_ecs``.
        """
        bad = {i for i, _ in prep.failures}
        if self.sql_regex(parser) is not None:
            idx = [i for i in range(len(prep.texts)) if i not in bad] if bad else range(len(prep.texts))
            return pa.table({
                "_i": fastcols.int_column(idx),
                "_line": fastcols.int_column([prep.line_numbers[i] for i in idx] if bad else prep.line_numbers),
                "_offset": fastcols.int_column([prep.offsets[i] for i in idx] if bad else prep.offsets),
                "_original": fastcols.text_column([prep.texts[i] for i in idx] if bad else prep.texts),
            }), list(prep.failures)
        return raw_table(self.decoder(parser), Lines(prep.texts, prep.line_numbers, prep.offsets, prep.failures))

    def to_ecs(self, parser: Parser, table: pa.Table, path: str) -> tuple[int, list[tuple[int, str]]]:
        """Workspace half of a chunk: map raw columns to ECS into table ``batch`` and enrich them; return (rows,
        lines that gave no row). A line the engine refuses to convert (an error raised by one value, not a NULL)
        does not stop the chunk: the lines that raise are found by halving and dead-lettered with the error."""
        try:
            return self._to_ecs(parser, table, path)
        except (MemoryError, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - a value the engine refuses (any kind), or a fault of the query
            refused = self._refused(parser, table, path, exc)
        keep = pa.array(sorted(set(range(table.num_rows)) - {row for row, _ in refused}), pa.int64())
        rows, failures = self._to_ecs(parser, table.take(keep), path)
        index = table.column("_i")
        return rows, sorted(failures + [(index[row].as_py(), reason) for row, reason in refused])

    def _refused(self, parser: Parser, table: pa.Table, path: str, exc: Exception) -> list[tuple[int, str]]:
        """(row, reason) of each row of ``table`` whose mapping raises; re-raises ``exc`` when the fault is not in
        the data (the query fails on no rows, or on no single row)."""
        try:
            self._to_ecs(parser, table.slice(0, 0), path)
        except Exception:  # noqa: BLE001 - fails without data: the parser's query itself is wrong
            raise exc from None
        refused: list[tuple[int, str]] = []
        todo = [(0, table.num_rows)]
        while todo:
            start, n = todo.pop()
            try:
                self._to_ecs(parser, table.slice(start, n), path)
            except (MemoryError, OSError):
                raise
            except Exception as err:  # noqa: BLE001 - this part holds a refused value
                if n == 1:
                    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                    refused.append((start, f"value refused by the converter: {first} (parser '{parser.name}')"))
                else:
                    todo += [(start + n // 2, n - n // 2), (start, n // 2)]
        if not refused:
            raise exc
        return refused

    def _to_ecs(self, parser: Parser, table: pa.Table, path: str) -> tuple[int, list[tuple[int, str]]]:
        ws = self.workspace
        ws.register("raw_in", table)
        try:
            unmatched: list[tuple[int, str]] = []
            source = "raw_in"
            sql_regex = self.sql_regex(parser)
            if sql_regex is not None:
                ws.create("decoded", sql_regex.tagged_sql("raw_in"))
                reason = f"no pattern of parser '{parser.name}' matches"
                unmatched = [(i, reason) for (i,) in ws.rows(sql_regex.unmatched_sql("decoded"))]
                source = sql_regex.matched_relation("decoded")
            now = datetime.now(UTC)
            reference = self.reference or now.astimezone(ZoneInfo(self.cfg.timezone)).replace(tzinfo=None)
            ws.create(BATCH, mapping_query(parser, self.cfg, source, path, reference,
                                           now.strftime("%Y-%m-%d %H:%M:%S.%f"), self.enrichers.column_sql(self.cfg)))
        finally:
            ws.unregister("raw_in")
        failures = unmatched
        if parser.checks_required:
            missing = ws.select(BATCH, ["_i", MISSING], where=f"{MISSING} IS NOT NULL")
            if missing:
                ws.take(BATCH, f"{MISSING} IS NOT NULL", "_i")
                failures += [(i, f"required field(s) empty: {what} (parser '{parser.name}')") for i, what in missing]
        failures += [(i, UNDATED) for i in ws.take(BATCH, '"@timestamp" IS NULL', "_i")]
        self.enrichers.enrich(MappedBatch(ws, BATCH, self.cfg, self.events))
        return ws.count(BATCH), failures

    def transform(self, parser: Parser, prep: Prepared, path: str) -> tuple[int, list[tuple[int, str]]]:
        """Decode + map to ECS into table ``batch``; return (rows, failures by index)."""
        table, failures = self.decode(parser, prep)
        rows, undated = self.to_ecs(parser, table, path)
        return rows, failures + undated

    def batch(self) -> EventBatch:
        """The mapped chunk (without ``_i``) for ``EventStore.append``."""
        exclude = ("_i", MISSING) if MISSING in self.workspace.columns(BATCH) else ("_i",)
        return self.workspace.batch(BATCH, exclude=exclude)


def parse_lines(cfg: Config, lines: list[str], parser: str, reference: datetime | None = None,
                enrichers: Enrichers = NO_ENRICHERS) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Parse raw lines to ECS rows without storing them (samples, auto-detection): every row as a dict with its
    line's index ``_i``, in line order, and the (line number, reason) of each line that gave none.

    ``reference`` fixes "now" (local time) for year inference so samples give the same result every year.
    """
    mapper = ChunkMapper(cfg, open_store(cfg).events, enrichers)
    try:
        mapper.reference = reference
        data = [line.encode("utf-8") for line in lines]
        offsets, pos = [], 0
        for d in data:
            offsets.append(pos)
            pos += len(d) + 1
        prep = mapper.texts(Chunk(1, offsets, data, pos))
        _, failures = mapper.transform(get_parser(parser), prep, "<lines>")
        rows = mapper.workspace.records(BATCH, order_by="_i")
        for row in rows:
            row.pop(MISSING, None)
        return rows, [(prep.line_numbers[i], r) for i, r in sorted(failures)]
    finally:
        mapper.close()
