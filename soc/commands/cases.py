"""``soc cases list | show``: the cases (incidents) on the command line, a table or JSON for scripts.

Read only: never creates a data directory or state; every log-derived text is printed through Rich escaping.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from soc.commands.common import HELP, choices, fail, no_state, out, read_config, shown
from soc.timefmt import local_time

app = typer.Typer(help="List cases and show one (alerts and timeline).", no_args_is_help=True, context_settings=HELP)


def _json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")


@app.command("list")
def list_cmd(
    status: Annotated[list[str] | None, typer.Option(
        "--status", "-s", help="Filter by status, any case (repeatable): open, in_progress, resolved, closed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines (times in UTC, as stored)")] = False,
) -> None:
    """Cases, newest first: id, title, severity, status, assignee, alerts, created (in the configured zone)."""
    # the stage loads with its command: `soc --help` never loads DuckDB or pyarrow
    from soc.store.registry import open_store
    from soc.triage import cases
    from soc.triage.model import CASE_STATUSES

    statuses = choices(status, CASE_STATUSES, "case status")
    cfg = read_config()
    with open_store(cfg) as store:
        if not store.has_state():
            no_state(cfg)
        rows = cases.list_cases(store.state, statuses or None)
    if as_json:
        for r in rows:
            _json(r)
        return
    table = Table("id", "title", "severity", "status", "assignee", "alerts", "created",
                  caption=f"times in {shown(cfg.timezone)}", caption_justify="left")
    for r in rows:
        table.add_row(str(r["id"]), shown(r["title"]), r["severity"], r["status"], shown(r["assignee"] or ""),
                      str(r["alert_count"]), local_time(r["created"], cfg.timezone))
    out.print(table)
    out.print(f"{len(rows)} case(s)")


@app.command("show")
def show_cmd(
    case_id: Annotated[int, typer.Argument(help="Case number (as `soc cases list` shows it)", metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: case, alerts, timeline (UTC)")] = False,
) -> None:
    """One case: its fields, its alerts and its timeline (alerts, notes, audited changes), oldest first."""
    # the stage loads with its command: `soc --help` never loads DuckDB or pyarrow
    from soc.store.registry import open_store
    from soc.triage import cases
    from soc.triage.history import timeline_sentence

    cfg = read_config()
    with open_store(cfg) as store:
        if not store.has_state():
            no_state(cfg)
        db = store.state
        case = cases.get(db, case_id)
        if case is None:
            fail(f"no case {case_id} in {cfg.data_dir} (`soc cases list` shows the cases)")
        alerts = [a for a in (db.alert(aid) for aid in case["alert_ids"]) if a is not None]
        timeline = cases.timeline(db, case_id)
    if as_json:
        _json({"case": case, "alerts": alerts, "timeline": timeline})
        return
    zone = cfg.timezone
    out.print(f"[bold]Case {case['id']}[/bold]: {shown(case['title'])}")
    for label, value in (("severity", case["severity"]), ("status", case["status"]),
                         ("assignee", case["assignee"] or "-"), ("systems", ", ".join(case["systems"]) or "-"),
                         ("author", case["author"]), (f"created ({zone})", local_time(case["created"], zone)),
                         (f"updated ({zone})", local_time(case["updated"], zone)), ("version", str(case["version"]))):
        out.print(f"  {shown(label):28} {shown(str(value))}")
    table = Table("alert", "last seen", "level", "rule", "source", "system", "status",
                  title=f"{len(alerts)} alert(s)", caption=f"times in {shown(zone)}", caption_justify="left")
    for a in alerts:
        table.add_row(shown(a["id"]), local_time(a["last_time"], zone), a["rule_level"],
                      shown(a.get("rule_title_vi") or a["rule_title"]),
                      shown(a["source_ip"] or ""), shown(a["system"] or ""),
                      a["status"] + (f" ({a['resolution']})" if a["resolution"] else ""))
    out.print(table)
    lang = str(cfg.raw.get("tui", {}).get("language", "en"))  # the analyst's language, as in the TUI
    events = Table("at", "what happened", title="timeline", caption=f"times in {shown(zone)}",
                   caption_justify="left")
    for item in timeline:
        events.add_row(local_time(item["at"], zone), shown(timeline_sentence(item, lang)))
    out.print(events)
