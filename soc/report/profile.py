"""The regulatory profile: who issues and receives reports, legal bases, form names and deadlines.

Data, never code: ``profiles/default.yml`` overlaid with ``[report]`` of soc.toml. Renderers read names from here;
no addressee or legal text is written in Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soc import yamltext
from soc.config import Config

DEFAULT = Path(__file__).with_name("profiles") / "default.yml"
LANGUAGES = ("vi", "en")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_profile(cfg: Config) -> dict[str, Any]:
    """The default profile overlaid with the config's ``[report]`` table (province name fills the blanks)."""
    profile = yamltext.safe_load(DEFAULT.read_text(encoding="utf-8"))
    profile = _merge(profile, cfg.raw.get("report", {}))
    if profile.get("parent_agency") == "UBND TỈNH" and cfg.province:
        profile["parent_agency"] = f"UBND {cfg.province.upper()}"
    if not cfg.raw.get("report", {}).get("agency") and cfg.unit:
        profile["agency"] = cfg.unit.upper()
    if not profile.get("place"):
        profile["place"] = cfg.province.removeprefix("Tỉnh ").removeprefix("Thành phố ").strip()
    return profile


def report_language(profile: dict[str, Any]) -> str:
    """The words tables, annexes and charts use: ``vi`` (default) or ``en`` (``[report] language`` of soc.toml)."""
    lang = str(profile.get("language") or "vi").strip().lower()
    if lang not in LANGUAGES:
        raise ValueError(f"soc.toml [report] language = {profile.get('language')!r}: use \"vi\" or \"en\"")
    return lang
