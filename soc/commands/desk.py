"""``soc tui`` and ``soc demo``: the analyst's desk, and the demo province end to end."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from soc.commands.common import Options, out, read_config
from soc.config import Config


def case_report_writer(cfg: Config) -> Callable[[int], Mapping[str, Path]]:
    """What the TUI's case screen calls to write a case's (initial) incident report into <data-dir>/reports."""

    def write(case_id: int) -> Mapping[str, Path]:
        # the report stack loads only when a report is written
        from soc.report.publish import write_case_report

        return write_case_report(cfg, "incident", case_id, False, False, cfg.data_dir / "reports")

    return write


def tui() -> None:
    """Open the analyst's alert queue."""
    from soc.tui.app import SocApp  # Textual loads only for this command

    cfg = read_config()
    SocApp(cfg, report_writer=case_report_writer(cfg)).run()


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
