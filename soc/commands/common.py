"""What every command shares: the global options, loading the config (and refusing to read a data directory that
is not there), the two consoles, case-insensitive choices and failing with an exit code (0 ok, 1 error, 2 bad
usage). Log content printed by commands goes through Rich escaping, never markup; a read command never creates
anything."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from soc import config as config_mod
from soc.tui.widgets.safe_text import clean

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Options:
    """``--config`` and ``--data-dir`` as given to the root command."""

    config_path: Path | None = None
    data_dir: Path | None = None


HELP = {"help_option_names": ["-h", "--help"]}  # context settings of the root app and every sub-app
NEXT_STEP = "run `soc ingest LOGS` and `soc scan` (or `soc demo`) to fill it, or pass --data-dir DIR (or SOC_DATA_DIR)"


def load_config() -> config_mod.Config:
    try:
        return config_mod.load(Options.config_path, Options.data_dir)
    except config_mod.ConfigError as exc:
        fail(str(exc))


def read_config() -> config_mod.Config:
    """The config of a read command: its data directory must exist (a reader never creates it)."""
    cfg = load_config()
    data_dir = Path(cfg.data_dir)
    if not data_dir.is_dir() and cfg.store == "embedded":  # a cluster store keeps its data in the cluster
        fail(f"no data directory at {data_dir.absolute()}: {NEXT_STEP}")
    return cfg


def no_state(cfg: config_mod.Config) -> NoReturn:
    """A data directory that holds no alerts or cases yet (its state was never created)."""
    fail(f"{Path(cfg.data_dir).absolute()} holds no alerts or cases yet: {NEXT_STEP}")


def shown(value: object) -> str:
    """Log-derived text for Rich: every control or bidi character as a visible escape (as the TUI shows it), then
    markup escaped, so nothing in a log line reaches the terminal as a sequence or a style."""
    return escape(clean(value))


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def choices(values: Iterable[str] | None, known: Sequence[str], what: str) -> list[str]:
    """Values of a choice option in any case (``HIGH``, ``New``) → lower case; an unknown one is a usage error
    listing the choices."""
    wanted = []
    for raw in values or ():
        value = raw.strip().lower()
        if value not in known:
            fail(f"unknown {what} {raw!r} (expected one of {', '.join(known)})", 2)
        wanted.append(value)
    return wanted


def wanted_formats(formats: str, known: Sequence[str]) -> tuple[str, ...]:
    """``docx,Pdf`` → ("docx", "pdf"); an unknown format is a usage error."""
    wanted = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in known]
    if bad:
        fail(f"unknown format(s) {', '.join(bad)} (expected {', '.join(known)})", 2)
    return wanted
