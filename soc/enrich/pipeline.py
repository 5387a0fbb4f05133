"""Ingest with the shipped enrichers: the entry the commands, the demo and the tests call (``soc ingest``).

It only wires ``soc.enrich.default_enrichers`` into the ingest engine; reading, mapping and storing are the
engine's.
"""

from __future__ import annotations

from pathlib import Path

from soc.config import Config
from soc.enrich import default_enrichers
from soc.ingest.engine import IngestSummary
from soc.ingest.engine import ingest_paths as ingest_with


def ingest_paths(cfg: Config, paths: list[str | Path], parser: str | None = None, progress: bool = False
                 ) -> IngestSummary:
    """Ingest files, directories (recursively), .gz files and ``-`` (stdin) with the shipped enrichers; return
    what happened."""
    return ingest_with(cfg, paths, parser=parser, progress=progress, enrichers=default_enrichers(cfg))
