"""The README's two commands (issue 17): shell that parses, run verbatim by ``.ci/run``, and a virtualenv step that
works where ``python3 -m venv`` lacks ensurepip (stock Debian 12 / Ubuntu 24.04), with ``sudo`` or as root."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    block = re.search(r"^```sh\n(.*?)^```$", (ROOT / "README.md").read_text(encoding="utf-8"), re.S | re.M).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_two_commands_that_parse_and_that_ci_runs_as_written() -> None:
    demo, tests = readme_commands()
    assert demo.endswith(".venv/bin/pip install . && .venv/bin/soc demo")
    assert tests.endswith(".venv/bin/pip install -e '.[test]' && .venv/bin/pip install --no-deps 'sigma-cli>=3.1' "
                          "'pysigma-pipeline-windows>=2.0' 'pysigma-pipeline-sysmon>=2.0' "
                          "'pysigma-backend-elasticsearch>=2.1' && .venv/bin/python -m pytest -q")
    for line in (demo, tests):
        assert subprocess.run(["bash", "-n", "-c", line]).returncode == 0, line
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    for pattern in ("pytest -q", "soc demo"):  # .ci/run picks each line out of the README by these words
        assert f"readme_command '{pattern}'" in ci
        assert sum(pattern in line for line in (demo, tests)) == 1


STUB_PYTHON = """#!/bin/sh
# python3 -m venv [--clear] DIR, like Debian without python3-venv: fails until apt-get has installed it
if [ -e "$STATE/ensurepip" ]; then echo "$*" >> "$STATE/venv"; /bin/mkdir -p "$STATE/made"; exit 0; fi
echo "ensurepip is not available" >&2
/bin/mkdir -p "$STATE/half-made"
exit 1
"""
STUB_APT = """#!/bin/sh
echo "$(/usr/bin/id -un 2>/dev/null || echo ?) $*" > "$STATE/apt"
/usr/bin/touch "$STATE/ensurepip"
"""
STUB_SUDO = """#!/bin/sh
echo "$*" > "$STATE/sudo"
exec "$@"
"""


@pytest.mark.parametrize("with_sudo", [True, False])
@pytest.mark.parametrize("has_ensurepip", [True, False])
def test_the_virtualenv_step_installs_python3_venv_when_ensurepip_is_missing(tmp_path: Path, with_sudo: bool,
                                                                           has_ensurepip: bool) -> None:
    step = readme_commands()[0].split(" && .venv/bin/pip", 1)[0]  # the "make .venv" part, as written
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    stubs = {"python3": STUB_PYTHON, "apt-get": STUB_APT, **({"sudo": STUB_SUDO} if with_sudo else {})}
    for name, text in stubs.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    if has_ensurepip:
        (state / "ensurepip").touch()
    res = subprocess.run([shutil.which("bash") or "/bin/bash", "-c", step], env={"PATH": str(bin_dir), "STATE": str(state)},
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    venv_calls = (state / "venv").read_text().splitlines()
    if has_ensurepip:  # this machine: venv works, nothing installed
        assert venv_calls == ["-m venv .venv"] and not (state / "apt").exists()
        return
    assert (state / "apt").read_text().split()[1:] == ["install", "-y", "python3-venv"]
    assert (state / "sudo").exists() == with_sudo  # through sudo when there is one, straight (root) otherwise
    assert venv_calls == ["-m venv --clear .venv"]  # the half-made .venv made again
