"""``soc alerts``: the alert queue on the command line (a table, or JSON lines for scripts)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from soc.commands.common import fail, load_config, out
from soc.timefmt import local_time


def alerts(
    status: Annotated[list[str] | None, typer.Option("--status", "-s", help="Filter by status (repeatable)")] = None,
    level: Annotated[list[str] | None, typer.Option("--level", "-l", help="Filter by level (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all)")] = 0,
) -> None:
    """List alerts, newest first."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.store.registry import open_store
    from soc.triage.model import LEVELS, STATUSES
    from soc.triage.queue import listing

    for s in status or []:
        if s not in STATUSES:
            fail(f"unknown status {s!r} (expected one of {', '.join(STATUSES)})", 2)
    for lv in level or []:
        if lv not in LEVELS:
            fail(f"unknown level {lv!r} (expected one of {', '.join(LEVELS)})", 2)
    cfg = load_config()
    with open_store(cfg) as store:
        rows = store.state.alerts(listing(status, level), limit=limit or None)
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    table = Table("time", "level", "rule", "source", "system", "status", "events")
    for r in rows:
        table.add_row(local_time(r["last_time"], cfg.timezone), r["rule_level"],
                      escape(r.get("rule_title_vi") or r["rule_title"]),
                      escape(r["source_ip"] or ""), escape(r["system"] or ""), r["status"], str(r["event_count"]))
    out.print(table)
    out.print(f"{len(rows)} alert(s)")
