"""Real search nodes for the cluster tests, started by scripts/test-node once per session and shared by every test
module (the fixtures are in conftest.py).

Skipped, loudly, only when java or mvn is missing on a developer's machine; never when CI is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "test-node"


def _node(engine: str):
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the cluster tests: {', '.join(missing)} missing (see .ci/run)")
        pytest.skip(f"CLUSTER TESTS NOT RUN: {', '.join(missing)} not installed (apt-get install default-jdk-headless "
                    "maven)")
    work = Path(tempfile.mkdtemp(prefix=f"soc-{engine}-", dir="/tmp"))
    os.chmod(work, 0o755)  # the node runs as nobody when the tests run as root
    # one node serves every cluster module of the session: 1 GB heap unless the caller chose one
    env = {**os.environ, "SOC_TEST_NODE_HEAP": os.environ.get("SOC_TEST_NODE_HEAP", "1g")}
    run = subprocess.run([str(SCRIPT), engine, str(work)], capture_output=True, text=True, timeout=400, env=env)
    if run.returncode != 0:
        subprocess.run([str(SCRIPT), "stop", str(work)], timeout=60)
        pytest.fail(f"scripts/test-node {engine} failed: {run.stderr[-2000:]}")
    return work, run.stdout.strip().splitlines()[-1]


def _session_node(engine: str):
    work, url = _node(engine)
    yield url
    subprocess.run([str(SCRIPT), "stop", str(work)], timeout=60)
    shutil.rmtree(work, ignore_errors=True)
