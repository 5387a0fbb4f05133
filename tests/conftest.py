"""Shared fixtures: a config on a fresh data directory (real SQLite + Parquet files under tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from soc.config import Config, from_dict


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return from_dict({"province": {"name": "Tỉnh Thử nghiệm"}}, data_dir=tmp_path / "data")
