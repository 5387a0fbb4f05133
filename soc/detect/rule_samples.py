"""Regression samples of rules (like SigmaHQ's): each rule's ``samples/<rule name>/tp.*`` must alert, ``tn.*`` not.

This module says where a rule's samples are and how to read them: the parser is the area's default (web →
nginx_combined, auth → linux_auth…) or the name written in ``samples/<rule>/parser``, the config their own
``soc.toml``. Ingesting and scanning them is ``soc.triage.rule_check``'s; nothing here reads a log.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from soc.detect.rules import CompiledRule

AREA_PARSERS = {"web": "nginx_combined", "egov": "nginx_combined", "data_exposure": "nginx_combined",
                "auth": "linux_auth", "network": "pcap", "windows": "windows_json"}


@dataclass
class SampleResult:
    """The outcome of one rule's samples: alerts on tp.log and tn.log, and why it failed (empty when it passed)."""

    rule: str
    path: Path
    tp_alerts: int = 0
    tn_alerts: int = 0
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def sample_dir(rule: CompiledRule) -> Path:
    return rule.path.parent / "samples" / str(rule.rule.name or rule.path.stem)


def sample_parser(folder: Path) -> str | None:
    """The parser for a sample folder: ``parser`` file, else the area's default, else auto-detection (None)."""
    override = folder / "parser"
    if override.is_file():
        return override.read_text(encoding="utf-8").strip()
    return AREA_PARSERS.get(folder.parents[1].name)


def sample_config(folder: Path) -> dict:
    """Config of a sample folder: ``samples/<rule>/soc.toml`` when present (e.g. an offline GeoIP CSV for
    country rules; relative file paths are taken from the folder), else the defaults."""
    path = folder / "soc.toml"
    if not path.is_file():
        return {}
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    enrich = raw.get("enrich", {})
    if enrich.get("geoip_csv"):
        enrich["geoip_csv"] = str(folder / enrich["geoip_csv"])
    return raw
