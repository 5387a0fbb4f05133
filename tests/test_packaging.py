"""The wheel carries the parsers, rules and package data, so a non-editable `pip install .` works anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr
    return set(zipfile.ZipFile(next(out.glob("soc-*.whl"))).namelist())


def test_wheel_ships_parsers_and_rules(wheel_names):
    for parser in ROOT.glob("parsers/*.yml"):
        assert f"soc/_parsers/{parser.name}" in wheel_names
    rules = [p.relative_to(ROOT / "rules").as_posix() for p in ROOT.glob("rules/**/*") if p.is_file()]
    assert rules, "no shipped rules"
    missing = [r for r in rules if f"soc/_rules/{r}" not in wheel_names]
    assert missing == []  # rules and every sample (logs, captures, parser overrides)
    assert any(n.startswith("soc/_parsers/samples/") for n in wheel_names)


def test_wheel_ships_every_data_file_of_the_package(wheel_names):
    """Non-Python files inside soc/ (pipelines, profiles, field lists, styles) must be in the wheel too."""
    data = [p for p in (ROOT / "soc").rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".tcss")]
    assert data
    assert [p for p in data if p.relative_to(ROOT).as_posix() not in wheel_names] == []
