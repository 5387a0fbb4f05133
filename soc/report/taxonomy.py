"""Maps a rule (its tags, or its ``incident_type`` attribute) to the incident taxonomy of the ministry's forms.

The table is data (``profiles/incident_types.yml``); this module only applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from soc import yamltext

FILE = Path(__file__).with_name("profiles") / "incident_types.yml"


@cache
def _table() -> dict:
    return yamltext.safe_load(FILE.read_text(encoding="utf-8"))


def type_names() -> dict[str, str]:
    """Incident type key → Vietnamese name, in the forms' order."""
    return dict(_table()["types"])


def incident_type(tags: Iterable[str], explicit: str | None = None) -> str:
    """The taxonomy key for a rule: its explicit type when valid, else the first matching tag prefix, else other."""
    names = _table()["types"]
    if explicit in names:
        return explicit
    lowered = [t.lower() for t in tags]
    for entry in _table()["match"]:
        if any(t == p or t.startswith(p + ".") for p in entry["tags"] for t in lowered):
            return entry["type"]
    return "other"
