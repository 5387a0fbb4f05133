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
    from soc.store import EventStore
    from soc.store.compact import compact as run_compact

    out.print(escape(str(run_compact(EventStore(load_config().data_dir), min_files=min_files))))
