"""The ``soc`` command line (Typer): the root command, its global options, and where each command lives.

Thin: every command is in ``soc/commands/`` and calls one function of a stage. Exit codes: 0 ok, 1 error (message
on stderr), 2 bad usage. ``-h`` is ``--help`` everywhere; ``--version`` prints the installed version.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from soc.commands import alerts, cases, desk, ingest, ioc, maintenance, parsers, reports, rules, scan, store
from soc.commands.common import HELP, Options

app = typer.Typer(help="Security log analyzer for a provincial SOC: ingest → detect → triage → report.",
                  no_args_is_help=True, add_completion=False, context_settings=HELP)


def package_version() -> str:
    """The installed distribution's version (the source tree's when run uninstalled)."""
    try:
        return version("soc")
    except PackageNotFoundError:
        from soc import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"soc {package_version()}")
        raise typer.Exit()


@app.callback()
def main(
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="SOC_DATA_DIR",
                                                  help="Where events, alerts and reports live (default: ./soc-data)")] = None,
    config: Annotated[Path | None, typer.Option("--config", envvar="SOC_CONFIG",
                                                help="soc.toml (default: ./soc.toml if present)")] = None,
    _version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                           help="Print the version and exit")] = False,
) -> None:
    Options.data_dir = data_dir
    Options.config_path = config


app.command()(ingest.ingest)
app.command()(scan.scan)
app.add_typer(alerts.app, name="alerts")
app.add_typer(cases.app, name="cases")
app.command()(maintenance.compact)
app.command()(desk.tui)
app.add_typer(reports.app, name="report")
app.add_typer(parsers.app, name="parsers")
app.add_typer(rules.app, name="rules")
app.add_typer(ioc.app, name="ioc")  # indicators from warnings (issue 18)
app.command()(desk.demo)
app.add_typer(store.app, name="store")  # issue 14: cluster store init / check / copy

if __name__ == "__main__":  # pragma: no cover
    app()
