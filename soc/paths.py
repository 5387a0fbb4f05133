"""Where the shipped parsers and rules live, in a source checkout and in an installed wheel.

Never writes anything: data locations belong to the config (``--data-dir``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _builtin(name: str) -> Path:
    checkout = _PACKAGE.parent / name
    if checkout.is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE / f"_{name}"


def parsers_dir() -> Path:
    """The directory of shipped parser YAML files (``parsers/``)."""
    return _builtin("parsers")


def rules_dir() -> Path:
    """The directory of shipped Sigma rules (``rules/``)."""
    return _builtin("rules")
