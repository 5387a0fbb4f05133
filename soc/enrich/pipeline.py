"""Ingest with the shipped enrichers: the entry the commands, the demo and the tests call (``soc ingest``).

It only wires ``soc.enrich.default_enrichers`` into the ingest engine; reading, mapping and storing are the
engine's.
"""

from __future__ import annotations

from pathlib import Path

from soc.config import Config
from soc.enrich import default_enrichers
from soc.ingest.autodetect import SAMPLE_LINES, Detection, detect_binary, rank
from soc.ingest.engine import IngestSummary
from soc.ingest.engine import ingest_paths as ingest_with
from soc.ingest.sources import Input, open_stream


def ingest_paths(cfg: Config, paths: list[str | Path], parser: str | None = None, progress: bool = False
                 ) -> IngestSummary:
    """Ingest files, directories (recursively), .gz files and ``-`` (stdin) with the shipped enrichers; return
    what happened."""
    return ingest_with(cfg, paths, parser=parser, progress=progress, enrichers=default_enrichers(cfg))


def rank_file(path: Path) -> tuple[list[Detection], bool]:
    """The parsers that read ``path``, best first, as ``soc ingest`` would choose; True when the file was
    recognised by its signature (EVTX, pcap …) rather than by decoding its first lines."""
    with open_stream(Input(str(path))) as fh:
        binary = detect_binary(fh.read(16))
    if binary is not None:
        return [binary], True
    lines: list[str] = []
    with open_stream(Input(str(path))) as fh:
        for raw in fh:
            lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if len(lines) >= SAMPLE_LINES:
                break
    return rank(lines, enrichers=default_enrichers()), False
