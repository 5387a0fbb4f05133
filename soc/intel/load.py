"""Importing an indicator file into the state store, and reading kept indicators back as the model.

Idempotent: the store keeps one row per (kind, value, warning), so importing a file again adds nothing. Never
matches events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from soc.intel.model import Indicator, from_row, with_meta
from soc.intel.readers import Problem, read_file
from soc.store.contract import StateStore


@dataclass
class Imported:
    path: Path
    fmt: str
    read: int  # indicators read
    new: int
    updated: int
    warning: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.path}: {self.fmt}, {self.read} indicator(s) read, {self.new} new, {self.updated} updated, "
                f"{len(self.problems)} bad entr{'y' if len(self.problems) == 1 else 'ies'}"
                + (f" — warning {self.warning}" if self.warning else ""))


def import_file(state: StateStore, path: Path, warning: str = "", source: str = "", tlp: str = "") -> Imported:
    """Read ``path`` (STIX, MISP, CSV, TXT) and keep its indicators under ``warning`` (default: the reference the
    file gives); ``source``/``tlp`` replace what the file says."""
    got = read_file(Path(path))
    reference = warning or got.warning
    meta = {"warning": reference, "source": source or got.source, "tlp": tlp.lower().removeprefix("tlp:")}
    rows = [with_meta(ind, **meta) for ind in got.indicators]
    unique = list({(i.kind, i.value, i.warning): i for i in rows}.values())
    new, updated = state.save_indicators([i.as_row() for i in unique]) if unique else (0, 0)
    return Imported(Path(path), got.fmt, len(got.indicators), new, updated, reference, got.problems)


def kept(state: StateStore, warning: str | None = None, active_only: bool = False) -> list[Indicator]:
    """Kept indicators (of one warning), all or only those not expired now."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if active_only else None
    return [from_row(r) for r in state.indicators(warning=warning, active_at=now)]
