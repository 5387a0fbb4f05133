"""Every shipped parser against its own samples (Elastic-integration style), and parser loading errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soc.ingest.parser import ParserError, all_parsers, load_parser
from soc.ingest.samples import check_parser, sample_files

PARSERS = sorted(all_parsers())  # text samples (*.log) and binary ones (EVTX, pcap) alike


@pytest.mark.parametrize("name", PARSERS)
def test_parser_samples(cfg, name):
    if all_parsers()[name].decoder == "pcap" and shutil.which("tshark") is None:
        pytest.skip("tshark is not installed (apt-get install tshark): pcap samples need it")
    problems = check_parser(cfg, all_parsers()[name])
    assert problems == []


def test_shipped_parsers_present():
    assert {"nginx_combined", "nginx_json", "linux_auth"} <= set(PARSERS)


def test_every_parser_has_samples():
    for p in (all_parsers()[n] for n in PARSERS):
        assert sample_files(p), f"{p.name} has no samples"


def test_bad_parser_file_names_file_and_reason(tmp_path: Path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\ndataset: y.z\ndecoder: {type: regex, patterns: ['(?P<a>.*)']}\n"
                   "fields:\n  not.an.ecs.field: a\n")
    with pytest.raises(ParserError, match=r"bad\.yml.*not\.an\.ecs\.field"):
        load_parser(bad)
    bad.write_text("name: x\ndataset: y.z\ndecoder: {type: grok}\n")
    with pytest.raises(ParserError, match=r"bad\.yml.*unknown decoder 'grok'"):
        load_parser(bad)


def test_sample_diff_reports_field(cfg, tmp_path: Path):
    """A wrong expectation is reported field by field (the checker can fail)."""
    import json
    import shutil

    src = all_parsers()["nginx_combined"]
    folder = tmp_path / "parsers"
    shutil.copytree(src.path.parent, folder)
    exp = folder / "samples" / "nginx_combined" / "access.expected.json"
    docs = json.loads(exp.read_text())
    docs[0]["source.ip"] = "1.1.1.1"
    exp.write_text(json.dumps(docs))
    parser = load_parser(folder / "nginx_combined.yml")
    problems = check_parser(cfg, parser)
    assert problems == ["access.log:1: source.ip: expected '1.1.1.1', got '113.160.12.45'"]


def test_parsers_detect_command_names_binary_files_by_their_signature():
    """`soc parsers detect` agrees with ingest on binary files (EVTX, pcap) and ranks text parsers otherwise."""
    from typer.testing import CliRunner

    from soc.cli import app

    samples = Path(all_parsers()["windows_evtx"].samples_dir).parent
    evtx = CliRunner().invoke(app, ["parsers", "detect", str(samples / "windows_evtx" / "security_system_sysmon.evtx")])
    pcap = CliRunner().invoke(app, ["parsers", "detect", str(samples / "pcap" / "protocols.pcap")])
    cef = CliRunner().invoke(app, ["parsers", "detect", str(samples / "cef" / "cef.log")])
    assert evtx.exit_code == pcap.exit_code == cef.exit_code == 0
    assert evtx.output.split()[:2] == ["windows_evtx", "100.0%"]
    assert pcap.output.split()[:2] == ["pcap", "100.0%"]
    assert cef.output.split()[:2] == ["cef", "100.0%"]
