"""``soc rules``: list the rules, run their TP/TN samples, import Sigma rules, evaluate the personal-data detectors.

Thin: each command calls one function of a stage (soc.detect.*, soc.enrich.pii_eval). Log content and rule text
are printed through Rich escaping; no clear personal identifier is ever printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from soc.commands.common import HELP, err, load_config, out

app = typer.Typer(help="Detection rules: list, test samples, import Sigma rules, evaluate PII detectors.",
                  no_args_is_help=True, context_settings=HELP)

WARNINGS_CACHE = "rule-warnings.json"  # per rule file (by content hash): its warnings, read by `soc scan`
RulesDir = Annotated[Path | None, typer.Option("--rules", help="Rules directory (default: shipped rules)")]


@app.command("list")
def list_cmd(rules: RulesDir = None) -> None:
    """Every alerting rule: level, name, Vietnamese title, e-gov system type watched."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.detect.rules import compile_rules

    rs = compile_rules(rules)
    for r in rs.rules:
        system = escape(str(r.attribute("egov_system", "-")))
        out.print(f"{r.level:13} {escape(str(r.rule.name or r.id)):40} {system:15} "
                  f"{escape(str(r.attribute('title_vi', r.rule.title)))}")
    out.print(f"{len(rs.rules)} rule(s)")
    for e in rs.errors:
        err.print(f"[yellow]rule error:[/yellow] {escape(e)}")


@app.command("test")
def test_cmd(
    rules: RulesDir = None,
    name: Annotated[str | None, typer.Argument(help="Only this rule (name or id)")] = None,
) -> None:
    """Run every rule's samples: tp.* must alert, tn.* must not (exit 1 on any failure)."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.triage.rule_check import check_all

    results, errors = check_all(rules, only=name)
    for r in results:
        status = "[green]ok  [/green]" if r.ok else "[red]FAIL[/red]"
        out.print(f"{status} {escape(r.rule):40} tp={r.tp_alerts} tn={r.tn_alerts} {escape(r.problem)}")
    for e in errors:
        err.print(f"[red]rule error:[/red] {escape(e)}")
    failed = sum(not r.ok for r in results)
    out.print(f"{len(results) - failed} passed, {failed} failed")
    if failed or errors or not results:
        raise typer.Exit(1)


@app.command("import")
def import_cmd(
    src: Annotated[Path, typer.Argument(help="A Sigma rule file or a directory of rules (e.g. a SigmaHQ checkout)")],
    dest: Annotated[Path | None,
                    typer.Option("--dest", help="Target rules directory (default: <data dir>/rules)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every unsupported rule")] = False,
) -> None:
    """Copy Sigma rules unchanged into the rules that scans load; unsupported log sources are reported."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.detect.rule_fields import cached_warnings
    from soc.detect.rule_import import import_rules
    from soc.detect.rules import rule_files

    cfg = load_config()
    target = dest or Path(cfg.data_dir) / "rules"
    try:
        summary = import_rules(src, target)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    for source, n in sorted(summary.converted.items()):
        out.print(f"  {escape(source):28} {n} rule(s) convert")
    for line in summary.unsupported if verbose else summary.unsupported[:10]:
        out.print(f"  [yellow]unsupported[/yellow] {escape(line)}")
    if not verbose and len(summary.unsupported) > 10:
        out.print(f"  … {len(summary.unsupported) - 10} more unsupported (--verbose lists them)")
    for line in summary.invalid:
        err.print(f"[yellow]invalid:[/yellow] {escape(line)}")
    for line in summary.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(line)}")
    if target.is_dir():  # what `soc scan` will report for these files, without converting them again
        cached_warnings(rule_files(target), Path(cfg.data_dir) / WARNINGS_CACHE, known=summary.by_file)
    out.print(f"{escape(str(summary))} → {escape(str(target))}")


@app.command("pii-eval")
def pii_eval_cmd(
    corpus: Annotated[Path | None,
                      typer.Option("--corpus", help="Labelled JSONL corpus (default: tests/pii_corpus.jsonl)")] = None,
    show_errors: Annotated[bool, typer.Option("--errors", help="List misses (values masked)")] = False,
) -> None:
    """Precision and recall of the personal-data detectors on a labelled corpus."""
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.enrich.pii_eval import default_corpus, evaluate

    path = corpus or default_corpus()
    if not path.is_file():
        err.print(f"[red]error:[/red] {escape(str(path))}: corpus not found (pass --corpus FILE)")
        raise typer.Exit(1)
    try:
        score = evaluate(path)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    for kind, c in sorted(score.by_type.items()):
        out.print(f"  {kind:10} tp={c['tp']:5} fp={c['fp']:4} fn={c['fn']:4}")
    out.print(f"lines={score.lines} tp={score.tp} fp={score.fp} fn={score.fn}")
    out.print(f"precision={score.precision:.4f} recall={score.recall:.4f}")
    for line in score.errors if show_errors else []:
        out.print("  " + escape(line))
