"""``soc scan``: run the Sigma rules over the events stored since the last scan and record alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from soc.commands.common import err, fail, load_config, out
from soc.config import Config, ConfigError


def scan(
    rules: Annotated[Path | None, typer.Option("--rules", help="Rules directory (default: shipped rules)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Scan events since this ISO time")] = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore watermarks; scan everything")] = False,
) -> None:
    """Run the Sigma rules over new events and record alerts."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.detect.scan import ScanLocked
    from soc.triage.intake import scan as run_scan

    if since and full:
        fail("--since and --full cannot be used together", 2)
    cfg = load_config()
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not an ISO date/time (e.g. 2026-11-24 or 2026-11-24T08:00:00+07:00)", 2)
        if since_dt.tzinfo is None:
            since_dt = since_dt.replace(tzinfo=ZoneInfo(cfg.timezone))
        since_dt = since_dt.astimezone(UTC)
    try:
        summary = run_scan(cfg, rules_dir=rules, since=since_dt, full=full)
    except (ScanLocked, ConfigError) as exc:
        fail(str(exc))
    out.print(escape(str(summary)))
    for e in summary.errors:
        err.print(f"[yellow]rule error:[/yellow] {escape(str(e))}")
    _warn_rules(cfg, rules)


def _warn_rules(cfg: Config, rules: Path | None) -> None:
    """One warning line per rule naming a field no stored source carries or an unmapped log source, and the count
    (soc.detect.rule_fields; cached by file content, so only new or changed rule files are converted again)."""
    # the stage loads with its command: `soc alerts` from cron never loads pySigma
    from soc.commands.rules import WARNINGS_CACHE
    from soc.detect.rule_fields import cached_warnings
    from soc.detect.rules import rule_files

    files = rule_files(rules) if rules else [*rule_files(), *rule_files(Path(cfg.data_dir) / "rules")]
    warnings = cached_warnings(files, Path(cfg.data_dir) / WARNINGS_CACHE)
    for w in warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(w)}")
    if warnings:
        err.print(f"{len(warnings)} rule warning(s): fields no stored source carries or log sources without a mapping")
