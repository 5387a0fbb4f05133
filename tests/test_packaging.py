"""The wheel carries the parsers and rules, so a non-editable `pip install .` works away from the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_parsers_and_rules(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT)],
        capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr
    wheel = next(tmp_path.glob("soc-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for parser in ROOT.glob("parsers/*.yml"):
        assert f"soc/_parsers/{parser.name}" in names
    rules = [p.relative_to(ROOT / "rules").as_posix() for p in ROOT.glob("rules/**/*.yml")]
    assert rules, "no shipped rules"
    for rule in rules:
        assert f"soc/_rules/{rule}" in names
    assert any(n.startswith("soc/_parsers/samples/") for n in names)


def test_wheel_ships_every_data_file_of_the_package(tmp_path):
    """Non-Python files inside soc/ (pipelines, styles) must be in the wheel too."""
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT)],
        capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr
    names = set(zipfile.ZipFile(next(tmp_path.glob("soc-*.whl"))).namelist())
    data = [p for p in (ROOT / "soc").rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".tcss")]
    assert data
    for p in data:
        assert p.relative_to(ROOT).as_posix() in names
