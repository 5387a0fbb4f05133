"""Shared fixtures: a config on a fresh data directory (real SQLite + Parquet files under tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc.config import Config, from_dict


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return from_dict({"province": {"name": "Tỉnh Thử nghiệm"}}, data_dir=tmp_path / "data")


def pytest_terminal_summary(terminalreporter) -> None:
    """The fuzz test's count of inputs tried (tests/test_fuzz_parsers.py), printed without ``-s``."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for key, value in getattr(report, "user_properties", []):
            if key == "fuzz_inputs" and report.when == "call":
                terminalreporter.write_line(f"fuzz: {value} mutated parser inputs tried ({report.nodeid})")
