"""What every command shares: the global options, loading the config, the two consoles and failing with an exit
code (0 ok, 1 error, 2 bad usage). Log content printed by commands goes through Rich escaping, never markup."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from soc import config as config_mod

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Options:
    """``--config`` and ``--data-dir`` as given to the root command."""

    config_path: Path | None = None
    data_dir: Path | None = None


def load_config() -> config_mod.Config:
    try:
        return config_mod.load(Options.config_path, Options.data_dir)
    except config_mod.ConfigError as exc:
        fail(str(exc))


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def wanted_formats(formats: str, known: Sequence[str]) -> tuple[str, ...]:
    """``docx,pdf`` → ("docx", "pdf"); an unknown format is a usage error."""
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in known]
    if bad:
        fail(f"unknown format(s) {', '.join(bad)} (expected {', '.join(known)})", 2)
    return wanted
