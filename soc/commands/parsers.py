"""``soc parsers list | detect | test``: the shipped parsers, which one reads a file, and their samples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from soc.commands.common import HELP, load_config, out

app = typer.Typer(help="List, test and try parsers.", no_args_is_help=True, context_settings=HELP)


@app.command("list")
def list_cmd() -> None:
    """Every parser with its dataset."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.ingest.parser import all_parsers

    for p in all_parsers().values():
        out.print(f"{escape(p.name):20} {escape(p.dataset):18} {escape(p.description)}", soft_wrap=True)


@app.command("detect")
def detect_cmd(file: Annotated[Path, typer.Argument(help="A log file")]) -> None:
    """Which parser auto-detection picks for FILE, with its confidence."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.enrich.pipeline import rank_file
    from soc.ingest.autodetect import verdict

    found, binary = rank_file(file)
    for d in found:  # EVTX, pcap …: recognised by their magic bytes, as ingest does
        out.print(f"{escape(d.parser):20} {d.confidence:6.1%}" + ("  (file signature)" if binary else ""))
    out.print(escape(verdict(found, binary).line()), soft_wrap=True)


@app.command("test")
def test_cmd(
    name: Annotated[str | None, typer.Argument(help="One parser (default: all)")] = None,
    generate: Annotated[bool, typer.Option("--generate", help="Write expected files from current output")] = False,
) -> None:
    """Run parser samples and show field-by-field differences."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.enrich import default_enrichers
    from soc.ingest.parser import all_parsers
    from soc.ingest.samples import check_parser, generate_expected

    cfg = load_config()
    enrichers = default_enrichers(cfg)
    failed = 0
    for p in all_parsers().values():
        if name and p.name != name:
            continue
        if generate:
            for path in generate_expected(cfg, p, enrichers):
                out.print(f"wrote {escape(str(path))}")
            continue
        problems = check_parser(cfg, p, enrichers)
        failed += bool(problems)
        out.print(f"{'FAIL' if problems else 'ok  '} {escape(p.name)}")
        for problem in problems:
            out.print("   " + escape(problem))
    if failed:
        raise typer.Exit(1)
