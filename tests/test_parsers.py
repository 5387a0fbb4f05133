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
