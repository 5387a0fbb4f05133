"""Shared fixtures: a config on a fresh data directory (real SQLite + Parquet files under tmp_path), and the real
search nodes of the cluster tests (one of each engine per session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cluster_nodes import _session_node

from soc.config import Config, from_dict


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return from_dict({"province": {"name": "Tỉnh Thử nghiệm"}}, data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def opensearch_url():
    """A real OpenSearch 2.19 node for the whole session (``tests/cluster_nodes.py``)."""
    yield from _session_node("opensearch")


@pytest.fixture(scope="session")
def elasticsearch_url():
    """A real Elasticsearch 8.17 node (minimal distribution) for the whole session."""
    yield from _session_node("elasticsearch")


@pytest.fixture(params=["opensearch", "elasticsearch"])
def node(request) -> tuple[str, str]:
    """(kind, URL) of each engine: what every store must do is tested on both."""
    return request.param, request.getfixturevalue(f"{request.param}_url")


def pytest_terminal_summary(terminalreporter) -> None:
    """The fuzz test's count of inputs tried (tests/test_fuzz_parsers.py), printed without ``-s``."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for key, value in getattr(report, "user_properties", []):
            if key == "fuzz_inputs" and report.when == "call":
                terminalreporter.write_line(f"fuzz: {value} mutated parser inputs tried ({report.nodeid})")
