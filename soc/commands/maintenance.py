"""``soc compact``: store upkeep run from cron."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from soc.commands.common import load_config, out


def compact(
    min_files: Annotated[int, typer.Option("--min-files", help="Merge partitions holding at least this many files")] = 8,
) -> None:
    """Merge the small event files of each partition (run daily from cron; safe while others read)."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.store.registry import open_store

    with open_store(load_config()) as store:
        out.print(escape(str(store.events.compact(min_files=min_files))))
