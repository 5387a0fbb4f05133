"""``soc ingest``: read logs into the store (only what is new since the last run)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from soc import config as config_mod
from soc.commands.common import err, fail, load_config, out


def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, .gz files, or - for stdin")],
    parser: Annotated[str | None, typer.Option("--parser", "-p", help="Parser name (default: auto-detect)")] = None,
) -> None:
    """Read logs into the store (only what is new since the last run)."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.enrich.pipeline import ingest_paths
    from soc.ingest.parser import ParserError
    from soc.ingest.records import DecoderUnavailable
    from soc.ingest.sources import SourceError

    cfg = load_config()
    try:
        summary = ingest_paths(cfg, paths, parser=parser, progress=sys.stderr.isatty())
    except (SourceError, ParserError, DecoderUnavailable, config_mod.ConfigError) as exc:
        fail(str(exc))
    for f in summary.files:
        if f.deadlettered and not f.stored and f.read:
            err.print(f"[yellow]warning:[/yellow] {escape(f.path)}: nothing stored, "
                      f"{f.deadlettered} line(s) dead-lettered")
    out.print(escape(str(summary)))
