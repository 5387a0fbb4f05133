"""``soc ioc``: import indicator files from warnings, list the kept indicators, hunt them back through history.

Imports report every bad entry with its line and reason; indicator values printed go through ``shown`` (a warning's
file is hostile text like any log).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from soc.commands.common import HELP, fail, load_config, out, read_config, shown
from soc.timefmt import local_time, parse_when, zone_label

app = typer.Typer(help="Indicators of compromise from warnings: import, list, hunt", no_args_is_help=True,
                  context_settings=HELP)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="STIX 2.1 bundle, MISP event JSON, CSV or TXT list")],
    warning: Annotated[str, typer.Option("--warning", help="The warning's reference (letter number)")] = "",
    source: Annotated[str, typer.Option("--source", help="Who sent it (e.g. A05, NCSC)")] = "",
    tlp: Annotated[str, typer.Option("--tlp", help="TLP of the indicators (clear/green/amber/red)")] = "",
) -> None:
    """Import indicator files (idempotent: importing again adds nothing); exit 1 when an entry could not be read."""
    from soc.intel.load import import_file  # the store loads with its command
    from soc.store.registry import open_store

    cfg = load_config()
    bad = 0
    with open_store(cfg) as store:
        for path in files:
            if not path.is_file():
                fail(f"{path}: no such file")
            try:
                done = import_file(store.state, path, warning=warning, source=source, tlp=tlp)
            except ValueError as exc:
                fail(f"{path}: {exc}")
            out.print(shown(str(done)))
            for problem in done.problems:
                out.print(f"  {shown(path)}: {shown(str(problem))}")
            bad += len(done.problems)
    if bad:
        raise typer.Exit(1)


@app.command("list")
def list_(
    warning: Annotated[str | None, typer.Option("--warning", help="Only this warning's indicators")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """The kept indicators, with their warning, TLP and expiry."""
    from soc.intel.load import kept
    from soc.store.registry import open_store

    cfg = read_config()
    with open_store(cfg) as store:
        inds = kept(store.state, warning=warning) if store.has_state() else []
    now = datetime.now(UTC)
    for ind in inds:
        if as_json:
            out.print_json(json.dumps({**ind.as_row(), "active": ind.active(now)}, ensure_ascii=False))
            continue
        until = local_time(ind.valid_until, cfg.timezone, "%Y-%m-%d %H:%M") if ind.valid_until else "-"
        state = "" if ind.active(now) else " (expired)"
        out.print(f"{shown(ind.kind):6} {shown(ind.value):50} {shown(ind.warning or '-'):20} "
                  f"TLP:{shown(ind.tlp or '-'):6} until {shown(until)}{state}")
    if not as_json:
        out.print(f"{len(inds)} indicator(s); times {zone_label(cfg.timezone)}")


@app.command("hunt")
def hunt(
    since: Annotated[str, typer.Option("--since", help="How far back: 90d, 2w, or an ISO date")] = "90d",
    warning: Annotated[str | None, typer.Option("--warning", help="Only this warning's indicators")] = None,
) -> None:
    """Search stored history for the active indicators; matches become alerts (a re-hunt adds nothing)."""
    from soc.triage.ioc import hunt as run_hunt

    cfg = read_config()
    try:
        start = parse_when(since, cfg.timezone)
    except ValueError as exc:
        fail(f"--since {since!r}: {exc}", 2)
    found = run_hunt(cfg, start, warning=warning)
    label = zone_label(cfg.timezone)
    for hit in found.hits:
        out.print(f"{shown(hit['ikey'])} in {shown(hit['field'])} on {shown(hit['system'] or hit['host'] or '-')}: "
                  f"{hit['events']} event(s), {local_time(hit['first'].strftime('%Y-%m-%dT%H:%M:%SZ'), cfg.timezone)}"
                  f" – {local_time(hit['last'].strftime('%Y-%m-%dT%H:%M:%SZ'), cfg.timezone)} {label}")
    out.print(str(found))
