"""``soc ingest``: read logs into the store (only what is new since the last run), and say on stderr and in the
exit code what a cron job must notice: a file nothing could be stored from, a file auto-detection is unsure about.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from soc import config as config_mod
from soc.commands.common import err, fail, load_config, out

EXIT_NOTHING_STORED = 3  # a file had lines and none of them could be stored (all dead-lettered)
UNSURE = 0.9  # auto-detection read fewer than this share of the first lines: the file's parser is a guess

def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, .gz files, or - for stdin")],
    parser: Annotated[str | None, typer.Option("--parser", "-p", help="Parser name (default: auto-detect)")] = None,
) -> None:
    """Read logs into the store (only what is new since the last run).

    Exit codes:

    0  every file gave events (some lines may be dead-lettered: see the summary)

    1  error (the message says why)

    2  usage error

    3  a file had lines but none could be stored (all dead-lettered): stderr names the reason, nearest parsers
    """
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
    empty = 0
    for f in summary.files:
        if f.nothing_stored:
            empty += 1
            _nothing_stored(f)
        elif f.confidence is not None and f.confidence < UNSURE:
            err.print(f"[yellow]warning:[/yellow] {escape(f.path)}: auto-detected as '{escape(f.parser or '?')}' "
                      f"from {f.confidence:.0%} of its first lines only; {f.deadlettered} line(s) dead-lettered — "
                      f"check with `soc parsers detect FILE` or pass --parser NAME")
    out.print(escape(str(summary)))
    if empty:
        raise typer.Exit(EXIT_NOTHING_STORED)


def _nothing_stored(f) -> None:
    """stderr: why nothing of file ``f`` was stored, and the parsers that come nearest to reading it."""
    top = "; ".join(f"{reason} ({n} line(s))" for reason, n in f.reasons.most_common(3)) or "unknown"
    err.print(f"[red]error:[/red] {escape(f.path)}: nothing stored, {f.deadlettered} line(s) dead-lettered "
              f"(parser {escape(f.parser or 'none')}): {escape(top)}")
    nearest = _nearest(f.path, f.parser)
    if nearest:
        err.print(f"  nearest parsers: {escape(nearest)} (see `soc parsers detect FILE`; `soc ingest --parser NAME`)")


def _nearest(path: str, used: str | None) -> str:
    """The best-scoring parsers of the registry (but ``used``) on the file's first lines, as ``name 42%`` (empty
    for stdin)."""
    from soc.enrich.pipeline import rank_file  # loads the parsers: only for a file that gave nothing

    if path == "-" or not Path(path).is_file():
        return ""
    try:
        ranked, _ = rank_file(Path(path))
    except OSError:
        return ""
    best = [d for d in ranked if d.confidence > 0 and d.parser != used][:3]
    if not best:
        return "no other parser reads any of its first lines" if used else "no parser reads any of its first lines"
    return ", ".join(f"{d.parser} {d.confidence:.0%}" for d in best)
