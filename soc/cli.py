"""The ``soc`` command line (Typer). Thin: each command parses options and calls one function of a stage.

Exit codes: 0 ok, 1 error (message on stderr), 2 bad usage. Log content printed here goes through Rich
escaping or plain JSON, never through markup.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from soc import config as config_mod

app = typer.Typer(help="Security log analyzer for a provincial SOC: ingest → detect → triage → report.",
                  no_args_is_help=True, add_completion=False)
report_app = typer.Typer(help="Write reports.", no_args_is_help=True)
parsers_app = typer.Typer(help="List, test and try parsers.", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(parsers_app, name="parsers")
app.add_typer(__import__("soc.commands.rules", fromlist=["app"]).app, name="rules")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    config_path: Path | None = None
    data_dir: Path | None = None


def _cfg() -> config_mod.Config:
    try:
        return config_mod.load(State.config_path, State.data_dir)
    except config_mod.ConfigError as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 1):
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


@app.callback()
def main(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="SOC_DATA_DIR",
                                                  help="Where events, alerts and reports live [default: ./soc-data]")] = None,
    config: Annotated[Path | None, typer.Option("--config", envvar="SOC_CONFIG",
                                                help="soc.toml [default: ./soc.toml if present]")] = None,
) -> None:
    State.data_dir = data_dir
    State.config_path = config


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, .gz files, or - for stdin")],
    parser: Annotated[str | None, typer.Option("--parser", "-p", help="Parser name (default: auto-detect)")] = None,
) -> None:
    """Read logs into the store (only what is new since the last run)."""
    from soc.enrich.pipeline import ingest_paths
    from soc.ingest.parser import ParserError
    from soc.ingest.records import DecoderUnavailable
    from soc.ingest.sources import SourceError

    cfg = _cfg()
    try:
        summary = ingest_paths(cfg, paths, parser=parser, progress=sys.stderr.isatty())
    except (SourceError, ParserError, DecoderUnavailable, config_mod.ConfigError) as exc:
        _fail(str(exc))
    for f in summary.files:
        if f.deadlettered and not f.stored and f.read:
            err.print(f"[yellow]warning:[/yellow] {escape(f.path)}: nothing stored, "
                      f"{f.deadlettered} line(s) dead-lettered")
    out.print(escape(str(summary)))


@app.command()
def scan(
    rules: Annotated[Path | None, typer.Option("--rules", help="Rules directory [default: shipped rules]")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Scan events since this ISO time")] = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore watermarks; scan everything")] = False,
) -> None:
    """Run the Sigma rules over new events and record alerts."""
    from soc.detect.scan import ScanLocked
    from soc.triage.intake import scan as run_scan

    if since and full:
        _fail("--since and --full cannot be used together", 2)
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since)
        except ValueError:
            _fail(f"--since {since!r} is not an ISO date/time (e.g. 2026-11-24 or 2026-11-24T08:00:00+07:00)", 2)
        if since_dt.tzinfo is None:
            from zoneinfo import ZoneInfo

            since_dt = since_dt.replace(tzinfo=ZoneInfo(_cfg().timezone))
        since_dt = since_dt.astimezone(UTC)
    cfg = _cfg()
    try:
        summary = run_scan(cfg, rules_dir=rules, since=since_dt, full=full)
    except (ScanLocked, config_mod.ConfigError) as exc:
        _fail(str(exc))
    out.print(escape(str(summary)))
    for e in summary.errors:
        err.print(f"[yellow]rule error:[/yellow] {escape(str(e))}")


@app.command()
def alerts(
    status: Annotated[list[str] | None, typer.Option("--status", "-s", help="Filter by status (repeatable)")] = None,
    level: Annotated[list[str] | None, typer.Option("--level", "-l", help="Filter by level (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all)")] = 0,
) -> None:
    """List alerts, newest first."""
    from soc.store import StateDB
    from soc.store.state import LEVELS, STATUSES

    for s in status or []:
        if s not in STATUSES:
            _fail(f"unknown status {s!r} (expected one of {', '.join(STATUSES)})", 2)
    for lv in level or []:
        if lv not in LEVELS:
            _fail(f"unknown level {lv!r} (expected one of {', '.join(LEVELS)})", 2)
    cfg = _cfg()
    db = StateDB(cfg.data_dir / "state.db")
    rows = db.alerts(status=status, level=level, limit=limit or None)
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    from soc.timefmt import local_time

    table = Table("time", "level", "rule", "source", "system", "status", "events")
    for r in rows:
        table.add_row(local_time(r["last_time"], cfg.timezone), r["rule_level"],
                      escape(r.get("rule_title_vi") or r["rule_title"]),
                      escape(r["source_ip"] or ""), escape(r["system"] or ""), r["status"], str(r["event_count"]))
    out.print(table)
    out.print(f"{len(rows)} alert(s)")


@app.command()
def compact(
    min_files: Annotated[int, typer.Option("--min-files", help="Merge partitions holding at least this many files")] = 8,
) -> None:
    """Merge the small event files of each partition (run daily from cron; safe while others read)."""
    from soc.store import EventStore
    from soc.store.compact import compact as run_compact

    out.print(escape(str(run_compact(EventStore(_cfg().data_dir), min_files=min_files))))


@app.command()
def tui() -> None:
    """Open the analyst's alert queue."""
    from soc.tui.app import SocApp

    SocApp(_cfg()).run()


@report_app.command("periodic")
def report_periodic(
    period: Annotated[str, typer.Option("--period", help="week | month | quarter | custom")] = "custom",
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, local)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD, local)")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="One Markdown file instead of --out-dir")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Directory [default: <data-dir>/reports]")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: docx,pdf,xlsx,csv,md,json")] = (
        "docx,pdf,xlsx,md,json"),
) -> None:
    """The periodic monitoring report (DOCX per Decree 30/2020, PDF, XLSX annex, Markdown, JSON).

    week/month/quarter without --from: the last complete one. File names are deterministic: re-running replaces.
    """
    from zoneinfo import ZoneInfo

    from soc.report.monitoring import annex_frames, build_monitoring, monitoring_document, resolve_period
    from soc.report.writer import FORMATS, write_report

    cfg = _cfg()
    try:
        d0 = date.fromisoformat(start) if start else None
        d1 = date.fromisoformat(end) if end else None
        d0, d1 = resolve_period(period, d0, d1, datetime.now(ZoneInfo(cfg.timezone)).date())
    except ValueError as exc:
        _fail(f"{exc} (dates are YYYY-MM-DD)", 2)
    if d1 < d0:
        _fail("--to is before --from", 2)
    if out_file is not None:
        from soc.report.markdown import write_markdown
        from soc.report.periodic import build

        out.print(f"report written: {escape(str(write_markdown(build(cfg, d0, d1), out_file)))}")
        return
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        _fail(f"unknown format(s) {', '.join(bad)} (expected {', '.join(FORMATS)})", 2)
    m = build_monitoring(cfg, d0, d1)
    paths = write_report(monitoring_document(cfg, m), annex_frames(m), out_dir or cfg.data_dir / "reports",
                         f"bao-cao-giam-sat_{d0.isoformat()}_{d1.isoformat()}", wanted)
    for path in paths.values():
        out.print(f"report written: {escape(str(path))}")


def _case_report(kind: str, case_id: int, final: bool, reveal: bool, out_dir: Path | None, formats: str) -> None:
    from soc.report.incident import CaseNotFound, breach_document, case_annex, incident_document, load_case
    from soc.report.writer import FORMATS, write_report

    cfg = _cfg()
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        _fail(f"unknown format(s) {', '.join(bad)} (expected {', '.join(FORMATS)})", 2)
    try:
        data = load_case(cfg, case_id, reveal=reveal)
    except CaseNotFound as exc:
        _fail(str(exc))
    if reveal:
        from soc.store import StateDB
        from soc.triage.workflow import record

        db = StateDB(cfg.data_dir / "state.db")
        record(db, cfg.analyst_name, "case", str(case_id), "reveal", {"report": kind})
        db.close()
    doc = breach_document(cfg, data) if kind == "breach" else incident_document(cfg, data, final, reveal)
    suffix = "ket-thuc" if final else "ban-dau"
    name = f"thong-bao-vi-pham-dlcn_case-{case_id}" if kind == "breach" else f"bao-cao-su-co_case-{case_id}_{suffix}"
    for path in write_report(doc, case_annex(data), out_dir or cfg.data_dir / "reports", name, wanted).values():
        out.print(f"report written: {escape(str(path))}")


@report_app.command("incident")
def report_incident(
    case_id: Annotated[int, typer.Argument(help="Case number")],
    final: Annotated[bool, typer.Option("--final", help="Closing report (Mẫu 04) instead of initial (Mẫu 03)")] = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="Do not mask personal data (audited)")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Directory [default: <data-dir>/reports]")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated formats")] = "docx,pdf,xlsx,md,json",
) -> None:
    """Incident report of a case (Circular 20/2017 forms)."""
    _case_report("incident", case_id, final, reveal, out_dir, formats)


@report_app.command("breach")
def report_breach(
    case_id: Annotated[int, typer.Argument(help="Case number")],
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Directory [default: <data-dir>/reports]")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated formats")] = "docx,pdf,xlsx,md,json",
) -> None:
    """Personal-data breach notice of a case, with the 72-hour deadline."""
    _case_report("breach", case_id, False, False, out_dir, formats)


@app.command()
def demo(
    days: Annotated[int, typer.Option("--days", min=1, max=60, help="Days of logs to generate")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same logs)")] = 7,
) -> None:
    """Generate a demo province's logs, ingest, scan and report."""
    from soc import demo as demo_mod

    data_dir = State.data_dir or Path("soc-data")
    result = demo_mod.run(demo_mod.demo_config(data_dir), days=days, seed=seed)
    out.print(escape(str(result)))


@parsers_app.command("list")
def parsers_list() -> None:
    """Every parser with its dataset."""
    from soc.ingest.parser import all_parsers

    for p in all_parsers().values():
        out.print(f"{escape(p.name):20} {escape(p.dataset):18} {escape(p.description)}", soft_wrap=True)


@parsers_app.command("detect")
def parsers_detect(file: Annotated[Path, typer.Argument(help="A log file")]) -> None:
    """Which parser auto-detection picks for FILE, with its confidence."""
    from soc.enrich import default_enrichers
    from soc.ingest.autodetect import SAMPLE_LINES, detect_binary, rank
    from soc.ingest.sources import Input, open_stream

    with open_stream(Input(str(file))) as fh:
        binary = detect_binary(fh.read(16))
    if binary is not None:  # EVTX, pcap …: recognised by their magic bytes, as ingest does
        out.print(f"{escape(binary.parser):20} {binary.confidence:6.1%}  (file signature)")
        return
    lines: list[str] = []
    with open_stream(Input(str(file))) as fh:
        for raw in fh:
            lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if len(lines) >= SAMPLE_LINES:
                break
    for d in rank(lines, enrichers=default_enrichers()):
        out.print(f"{escape(d.parser):20} {d.confidence:6.1%}")


@parsers_app.command("test")
def parsers_test(
    name: Annotated[str | None, typer.Argument(help="One parser (default: all)")] = None,
    generate: Annotated[bool, typer.Option("--generate", help="Write expected files from current output")] = False,
) -> None:
    """Run parser samples and show field-by-field differences."""
    from soc.enrich import default_enrichers
    from soc.ingest.parser import all_parsers
    from soc.ingest.samples import check_parser, generate_expected

    enrichers = default_enrichers(_cfg())
    failed = 0
    for p in all_parsers().values():
        if name and p.name != name:
            continue
        if generate:
            for path in generate_expected(_cfg(), p, enrichers):
                out.print(f"wrote {escape(str(path))}")
            continue
        problems = check_parser(_cfg(), p, enrichers)
        failed += bool(problems)
        out.print(f"{'FAIL' if problems else 'ok  '} {escape(p.name)}")
        for problem in problems:
            out.print("   " + escape(problem))
    if failed:
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
