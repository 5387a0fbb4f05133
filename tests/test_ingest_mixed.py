"""`soc ingest` on a mixed directory (issue 15): every sample of every parser (but pcap, which needs tshark, and the
deliberately truncated ones) auto-detected, with a few ill-formed lines slipped in. Every well-formed line is stored
(as many events as from the clean copy), exit 0; the ill-formed lines, and only those, are dead-lettered with file,
line and reason."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from soc.cli import app
from soc.ingest.parser import all_parsers
from soc.ingest.samples import sample_files

# (parser, sample file, line number the bad line takes, the line, words of the reason)
ILL_FORMED = [
    ("nginx_combined", "access.log", 3, "GET /index.html 200 — copied from a browser, not a log line",
     "no pattern of parser 'nginx_combined' matches"),
    ("postgresql", "zones.log", 4, "2026-11-24 10:00:09.123 XYZT [4250] app@qlcd LOG:  zone nobody knows",
     "XYZT"),
    ("apache_error", "error.log", None, "[Tue Nov 31 29:61:00 2026] [core:error] [pid 1] a date that never was",
     "@timestamp"),
    ("windows_json", None, None, '{"EventID": 4625, "TimeCreated": "2026-11-24T10:00:0', "JSON"),
]


def cli(data: Path, *args: str):
    env = {"SOC_DATA_DIR": None, "SOC_CONFIG": None, "SOC_ANALYST": None, "SOC_TIMEZONE": None}
    return CliRunner().invoke(app, ["--data-dir", str(data), *args], env=env)


def copy_samples(folder: Path) -> None:
    folder.mkdir()
    for name, parser in all_parsers().items():
        if name == "pcap":
            continue
        for sample in sample_files(parser):
            if "truncated" not in sample.name:
                shutil.copy(sample, folder / f"{name}--{sample.name}")


def stored(output: str) -> int:
    return int(re.search(r"(\d+) events stored", output).group(1))


def test_mixed_directory_stores_every_good_line_and_dead_letters_only_the_bad(tmp_path: Path):
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    copy_samples(clean)
    copy_samples(dirty)
    expected: dict[tuple[str, int], str] = {}
    for parser, sample, at, line, reason in ILL_FORMED:
        path = dirty / f"{parser}--{sample or sample_files(all_parsers()[parser])[0].name}"
        lines = path.read_text(encoding="utf-8").splitlines()
        at = at or len(lines) + 1
        lines.insert(at - 1, line)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        expected[(str(path), at)] = reason

    first = cli(tmp_path / "data-clean", "ingest", str(clean))
    assert first.exit_code == 0, first.output
    assert "0 dead-lettered" in first.stdout
    result = cli(tmp_path / "data-dirty", "ingest", str(dirty))
    assert result.exit_code == 0, result.output
    assert stored(result.stdout) == stored(first.stdout) > 200
    assert f"{len(ILL_FORMED)} dead-lettered" in result.stdout

    dead = [json.loads(x) for f in (tmp_path / "data-dirty" / "deadletter").glob("*.jsonl")
            for x in f.read_text(encoding="utf-8").splitlines()]
    got = {(d["file"], d["line"]): d["reason"] for d in dead}
    assert set(got) == set(expected)
    for key, words in expected.items():
        assert words in got[key], (key, got[key])
    assert {d["raw"] for d in dead} == {line for *_, line, _ in ILL_FORMED}
