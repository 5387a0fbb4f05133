"""Rich progress bar for ``soc ingest`` on a terminal (bytes read across all inputs)."""

from __future__ import annotations

import os

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from soc.ingest.sources import Input


def ingest_with_progress(ingestor, inputs: list[Input], parser: str | None) -> list:
    total = sum(os.path.getsize(i.path) for i in inputs if not i.is_stdin and not i.is_gzip) or None
    results = []
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), DownloadColumn(),
               TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("ingest", total=total)
        for inp in inputs:
            bar.update(task, description=os.path.basename(inp.label)[:40].replace("[", r"\["))
            results.append(ingestor.ingest(inp, parser, on_progress=lambda n: bar.advance(task, n)))
    return results
