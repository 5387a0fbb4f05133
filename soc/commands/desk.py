"""``soc tui`` and ``soc demo``: the analyst's desk, and the demo province end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from soc.commands.common import Options, out, read_config


def tui() -> None:
    """Open the analyst's alert queue."""
    from soc.tui.app import SocApp  # Textual loads only for this command

    SocApp(read_config()).run()


def demo(
    days: Annotated[int, typer.Option("--days", min=1, max=60, help="Days of logs to generate")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same logs)")] = 7,
) -> None:
    """Generate a demo province's logs, ingest, scan and report."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc import demo as demo_mod

    data_dir = Options.data_dir or Path("soc-data")
    result = demo_mod.run(demo_mod.demo_config(data_dir), days=days, seed=seed)
    out.print(escape(str(result)))
