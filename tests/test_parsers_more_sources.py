"""The parsers of issue 15 (auditd, Cisco ASA, PAN-OS, Suricata, Wazuh, Squid, Windows Firewall, Tomcat): detection
tells them apart, `soc parsers detect` gives a verdict, auditd joins records across chunks, a mixed directory ingests."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc.cli import app
from soc.ingest.auditd import pairs
from soc.ingest.autodetect import Detection, detect, verdict
from soc.ingest.engine import ingest_paths
from soc.ingest.parser import all_parsers
from soc.ingest.samples import parse_sample, sample_files
from soc.store.registry import open_store

NEW = ["auditd", "cisco_asa", "panos", "suricata", "wazuh", "squid", "windows_firewall", "tomcat_access"]


@pytest.mark.parametrize("name", NEW)
def test_detect_picks_the_new_parser_with_a_sure_verdict(name):
    for log in sample_files(all_parsers()[name]):
        result = CliRunner().invoke(app, ["parsers", "detect", str(log)])
        assert result.exit_code == 0
        last = result.output.strip().splitlines()[-1]
        assert last.startswith(f"verdict: {name} ("), last


def test_every_shipped_sample_gets_a_verdict_naming_its_parser():
    for name, parser in sorted(all_parsers().items()):
        for sample in sample_files(parser):
            out = CliRunner().invoke(app, ["parsers", "detect", str(sample)]).output.strip().splitlines()[-1]
            assert out.startswith("verdict") and f": {name} (" in out, (sample, out)


def test_windows_firewall_is_not_iis():
    lines = (all_parsers()["windows_firewall"].samples_dir / "pfirewall.log").read_text().splitlines()
    assert detect(lines).parser == "windows_firewall"


def test_unsure_and_unreadable_verdicts_say_so(tmp_path: Path):
    assert "UNSURE" in verdict([Detection("a", 1.0), Detection("b", 1.0)]).line()
    assert "no parser reads this file" in verdict([Detection("a", 0.1)]).line()
    odd = tmp_path / "odd.log"
    odd.write_text("\x01garbage that nothing reads\n" * 5)
    out = CliRunner().invoke(app, ["parsers", "detect", str(odd)]).output
    assert "verdict: no parser reads this file" in out


def test_auditd_hex_and_quoted_values():
    kv = pairs("argc=3 a0=\"ls\" a1=2D6C61 a2=2F746D70", execve=True)
    assert kv == {"argc": "3", "a0": "ls", "a1": "-la", "a2": "/tmp"}
    assert pairs("a0=10 a1=7ffd")["a0"] == "10"  # SYSCALL register values are not text
    assert pairs("msg='op=adding user id=1005 res=success'")["op"] == "adding user"


def test_auditd_event_joined_across_chunks(cfg, tmp_path: Path):
    """The records of one event split over two chunks are still one event with its arguments and directory."""
    log = tmp_path / "audit.log"
    sample = all_parsers()["auditd"].samples_dir / "audit.log"
    log.write_text(sample.read_text() * 40)
    small = dataclasses.replace(cfg, data_dir=tmp_path / "data", chunk_lines=7)
    summary = ingest_paths(small, [log], parser="auditd")
    with open_store(small) as store:
        rows = store.events.dump("log.offset")
    assert summary.deadlettered == 0
    events = sum(isinstance(d, dict) for d in parse_sample(cfg, all_parsers()["auditd"], sample))
    assert len(rows) == 40 * events
    execs = [r for r in rows if r["process.executable"] == "/dev/shm/.x"]
    assert len(execs) == 40 and all(list(r["process.args"]) == ["/dev/shm/.x", "-d"] for r in execs)
    assert all(r["process.working_directory"] == "/var/www/html" for r in execs)


def test_mixed_directory_of_new_sources_every_line_stored(cfg, tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    expected = 0
    for name in NEW:
        for log in sample_files(all_parsers()[name]):
            shutil.copy(log, src / f"{name}_{log.name}")
            expected += sum(isinstance(d, dict) for d in parse_sample(cfg, all_parsers()[name], log))
    summary = ingest_paths(cfg, [src])
    with open_store(cfg) as store:
        rows = store.events.dump("log.offset")
    assert summary.deadlettered == 0
    assert len(rows) == expected
    assert {r["event.dataset"] for r in rows} == {all_parsers()[n].dataset for n in NEW}


def test_auditd_enriched_format_names_and_split_execve(cfg, tmp_path: Path):
    """log_format=ENRICHED appends names after a \\x1d (UID="root", SYSCALL=execve); EXECVE may span records."""
    log = tmp_path / "audit.log"
    log.write_bytes(
        b'type=SYSCALL msg=audit(1795483400.210:2950): arch=c000003e syscall=59 success=yes exit=0 a0=5581 a1=5582 '
        b'ppid=901 pid=3120 auid=1000 uid=0 ses=4 comm="useradd" exe="/usr/sbin/useradd" key="user_mgmt"'
        b'\x1dARCH=x86_64 SYSCALL=execve AUID="vana" UID="root"\n'
        b'type=EXECVE msg=audit(1795483400.210:2950): argc=5 a0="useradd" a1="-m" a2="-s" a3="/bin/bash"\n'
        b'type=EXECVE msg=audit(1795483400.210:2950): a4="backup2"\n')
    ingest_paths(cfg, [log], parser="auditd")
    with open_store(cfg) as store:
        (row,) = store.events.dump("log.offset")
    assert row["user.name"] == "root" and row["user.audit.name"] == "vana"
    assert row["auditd.log.syscall"] == "execve" and row["event.action"] == "executed"
    assert row["process.command_line"] == "useradd -m -s /bin/bash backup2"
    assert list(row["auditd.log.record_types"]) == ["SYSCALL", "EXECVE"]


def test_plain_common_log_lines_stay_nginx_and_the_verdict_is_unsure(tmp_path: Path):
    """Tomcat writes plain common/combined lines too: nginx_combined keeps them, and the verdict says it is unsure."""
    log = tmp_path / "access.log"
    log.write_text('10.20.1.15 - - [24/Nov/2026:08:15:02 +0700] "GET /index.html HTTP/1.1" 200 5120\n'
                   '10.20.1.16 - - [24/Nov/2026:08:15:03 +0700] "GET /a.css HTTP/1.1" 200 120 "http://x/" "Mozilla/5.0"\n')
    last = CliRunner().invoke(app, ["parsers", "detect", str(log)]).output.strip().splitlines()[-1]
    assert last.startswith("verdict (UNSURE): nginx_combined (") and "tomcat_access" in last
