"""YAML documents read with libyaml when PyYAML was built with it (about ten times faster: every ``soc`` run reads
the parsers and field lists), else with the pure-Python reader; both give the same Python values."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)``, through libyaml where available."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
