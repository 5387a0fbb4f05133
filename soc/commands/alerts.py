"""``soc alerts``: the alert queue on the command line (a table, or JSON lines for scripts), and ``soc alerts
set-status`` for scripts and cron: the same compare-and-set, audited change as the TUI; never edits state directly."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from soc.commands.common import HELP, choices, err, fail, no_state, out, read_config, shown
from soc.timefmt import local_time

app = typer.Typer(help="List alerts (no subcommand) or change their status.", context_settings=HELP)


@app.callback(invoke_without_command=True)
def alerts(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option(
        "--status", "-s", help="Filter by status, any case (repeatable): new, acknowledged, in_progress, "
                               "escalated, resolved, suppressed")] = None,
    level: Annotated[list[str] | None, typer.Option(
        "--level", "-l", help="Filter by level, any case (repeatable): informational, low, medium, high, "
                              "critical")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all)")] = 0,
) -> None:
    """List alerts, newest first (times in the configured zone); `soc alerts set-status` changes them."""
    if ctx.invoked_subcommand is not None:
        return
    # the stage loads with its command: `soc --help` never loads DuckDB or pyarrow
    from soc.store.registry import open_store
    from soc.triage.model import LEVELS, STATUSES
    from soc.triage.queue import listing

    statuses = choices(status, STATUSES, "status")
    levels = choices(level, LEVELS, "level")
    cfg = read_config()
    with open_store(cfg) as store:
        if not store.has_state():
            no_state(cfg)
        rows = store.state.alerts(listing(statuses, levels), limit=limit or None)
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    table = Table("time", "level", "rule", "source", "system", "status", "events",
                  caption=f"times in {shown(cfg.timezone)}", caption_justify="left")
    for r in rows:
        table.add_row(local_time(r["last_time"], cfg.timezone), r["rule_level"],
                      shown(r.get("rule_title_vi") or r["rule_title"]),
                      shown(r["source_ip"] or ""), shown(r["system"] or ""), r["status"], str(r["event_count"]))
    out.print(table)
    out.print(f"{len(rows)} alert(s)")


@app.command("set-status")
def set_status(
    ids: Annotated[list[str], typer.Argument(help="Alert id(s), as `soc alerts --json` shows them", metavar="ID")],
    status: Annotated[str, typer.Argument(help="new, acknowledged, in_progress, escalated, resolved, suppressed "
                                               "(any case)", metavar="STATUS")],
    resolution: Annotated[str | None, typer.Option(
        "--resolution", "-r", help="Needed with resolved: true_positive, false_positive, benign")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A Markdown note added to each alert (audited)")] = None,
    expect_version: Annotated[int | None, typer.Option(
        "--expect-version", help="Only if the alert is still at this version (as a script last saw it in "
                                 "`soc alerts --json`); one id only")] = None,
) -> None:
    """Change the status of alerts as the configured analyst, audited (as the TUI does).

    Each id is tried; the ones that fail are listed and the exit code is 1 if any failed.
    """
    # the stage loads with its command: `soc --help` never loads DuckDB or pyarrow
    from soc.store.registry import open_store
    from soc.triage import workflow
    from soc.triage.model import RESOLUTIONS, STATUSES, ConflictError

    (new_status,) = choices([status], STATUSES, "status")
    (wanted_resolution,) = choices([resolution], RESOLUTIONS, "resolution") if resolution else (None,)
    if new_status == "resolved" and wanted_resolution is None:
        fail(f"a resolved alert needs --resolution ({', '.join(RESOLUTIONS)})", 2)
    if new_status != "resolved" and wanted_resolution is not None:
        fail("--resolution only goes with the status resolved", 2)
    if note is not None and not (note.strip() and len(note.strip()) <= workflow.NOTE_LIMIT):
        fail(f"--note must hold some text, at most {workflow.NOTE_LIMIT} characters", 2)
    if expect_version is not None and len(ids) > 1:
        fail("--expect-version goes with one alert id", 2)
    cfg = read_config()
    failed: list[str] = []
    with open_store(cfg) as store:
        if not store.has_state():
            no_state(cfg)
        db, actor = store.state, cfg.analyst_name
        for alert_id in dict.fromkeys(ids):
            try:
                done = workflow.set_status_by_id(db, alert_id, actor, new_status, wanted_resolution, expect_version)
                if note:
                    workflow.add_note(db, "alert", alert_id, actor, note)
            except KeyError:
                failed.append(f"{alert_id}: no such alert in {cfg.data_dir}")
            except ConflictError as exc:
                failed.append(f"{exc} (not changed)")
            except ValueError as exc:
                failed.append(f"{alert_id}: {exc}")
            else:
                out.print(f"{shown(alert_id)}: {done['status']}"
                          + (f" ({done['resolution']})" if done["resolution"] else "") + f" by {shown(actor)}")
    for line in failed:
        err.print(f"[red]error:[/red] {shown(line)}")
    if failed:
        raise typer.Exit(1)
