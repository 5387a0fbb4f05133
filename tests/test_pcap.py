"""Packet captures through tshark (real tshark, real captures built with scapy): protocol fields, cleartext
credentials with masked secrets, truncated captures, resuming and bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pcapgen  # noqa: E402

from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.ingest.pcap import DECODER  # noqa: E402
from soc.ingest.pcap import tshark as ts  # noqa: E402
from soc.ingest.pcap.events import Assembler  # noqa: E402
from soc.ingest.records import DecoderUnavailable  # noqa: E402
from soc.store import EventStore  # noqa: E402


def _events(cfg, where: str = "true") -> list[dict]:
    con = EventStore(cfg.data_dir).open_events()
    cur = con.execute(f'SELECT * FROM events WHERE {where} ORDER BY "log.offset", "event.action"')
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    con.close()
    return rows


def _by_action(rows: list[dict], action: str) -> list[dict]:
    return [r for r in rows if r["event.action"] == action]


def test_protocol_fields(cfg, tmp_path: Path):
    cap = pcapgen.protocols(tmp_path / "proto.pcap")
    summary = ingest_paths(cfg, [cap])  # detected by its magic bytes, no --parser
    assert summary.files[0].parser == "pcap" and summary.deadlettered == 0
    rows = _events(cfg)
    assert {r["event.dataset"] for r in rows} == {"network.pcap"}

    ok, nx = _by_action(rows, "dns_query")
    assert ok["dns.question.name"] == "dichvucong.gov.vn" and ok["dns.question.type"] == "A"
    assert ok["dns.resolved_ip"] == ["203.162.10.20", "203.162.10.21"]
    assert ok["dns.response_code"] == "NOERROR" and ok["event.outcome"] == "success"
    assert ok["source.ip"] == "10.0.0.5" and ok["destination.port"] == 53 and ok["network.transport"] == "udp"
    assert ok["event.duration"] == pytest.approx(1_000_000, abs=2_000)
    assert nx["dns.response_code"] == "NXDOMAIN" and nx["event.outcome"] == "failure"
    assert nx["dns.resolved_ip"] is None

    (http,) = _by_action(rows, "http_request")
    assert http["http.request.method"] == "GET" and http["url.original"] == "/tra-cuu?ma=HS001"
    assert http["url.path"] == "/tra-cuu" and http["url.query"] == "ma=HS001"
    assert http["url.domain"] == "dichvucong.gov.vn" and http["url.full"] == "http://dichvucong.gov.vn/tra-cuu?ma=HS001"
    assert http["http.response.status_code"] == 200 and http["http.version"] == "1.1"
    assert http["user_agent.original"] == "Mozilla/5.0 (X11; Linux) Firefox/130.0"
    assert http["http.request.referrer"] == "http://dichvucong.gov.vn/"
    assert http["http.response.body.bytes"] == len("<html>Hồ sơ HS001: đã tiếp nhận</html>".encode())
    assert http["http.response.body.content"].startswith("<html>")

    (tls,) = _by_action(rows, "tls_client_hello")
    assert tls["tls.client.server_name"] == "mail.google.com" and tls["destination.domain"] == "mail.google.com"
    assert tls["tls.version"] == "1.2" and len(tls["tls.client.ja3"]) == 32
    assert tls["destination.port"] == 443

    flows = _by_action(rows, "network_flow")
    assert sorted(f["network.protocol"] for f in flows) == ["dns", "dns", "http", "tls"]
    web = next(f for f in flows if f["network.protocol"] == "http")
    # the HTTP connection: 5 client packets (SYN, ACK, request, FIN, ACK), 3 server packets (SYN/ACK, reply, FIN)
    assert (web["source.packets"], web["destination.packets"], web["network.packets"]) == (5, 3, 8)
    assert web["source.bytes"] + web["destination.bytes"] == web["network.bytes"] > 0
    assert web["source.ip"] == "10.0.0.5" and web["destination.port"] == 80
    assert web["event.duration"] == pytest.approx(7_000_000, abs=10_000)


def test_cleartext_credentials_are_flagged_and_masked(cfg, tmp_path: Path):
    cap = pcapgen.credentials(tmp_path / "creds.pcap")
    ingest_paths(cfg, [cap])
    rows = _events(cfg)
    creds = {r["soc.credential.type"]: r for r in _by_action(rows, "cleartext_credentials")}
    assert {k: v["user.name"] for k, v in creds.items()} == {
        "http_basic": "admin", "http_form": "nguyenvana", "ftp_user_pass": "ftpuser",
        "smtp_auth_plain": "smtpplain", "smtp_auth_login": "smtplogin", "pop3_user_pass": "popuser",
        "imap_login": "imapuser"}
    assert {v["soc.credential.secret_masked"] for v in creds.values()} == {"********"}
    assert creds["imap_login"]["soc.credential.secret_length"] == len("ImapS3cret")
    assert creds["ftp_user_pass"]["network.protocol"] == "ftp" and creds["imap_login"]["destination.port"] == 143
    form = next(r for r in _by_action(rows, "http_request") if r["http.request.method"] == "POST")
    assert form["http.request.body.content"] == "username=nguyenvana&password=********&remember=1"
    # no clear secret anywhere: any column of any stored event, event.original included
    dump = json.dumps(rows, default=str)
    for secret in pcapgen.SECRETS:
        assert secret not in dump
    assert all(json.loads(r["event.original"])["frame"] for r in rows)


def test_truncated_capture_keeps_events_before_damage(tmp_path: Path):
    full = pcapgen.credentials(tmp_path / "full.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(full[: len(full) * 6 // 10 - 7])  # ends inside a packet
    env = tmp_path / "data"
    res = subprocess.run([sys.executable, "-m", "soc.cli", "--data-dir", str(env), "ingest", str(cut)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "1 dead-lettered" in res.stdout
    from soc.config import from_dict

    rows = _events(from_dict({}, data_dir=env))
    kinds = {r["soc.credential.type"] for r in _by_action(rows, "cleartext_credentials")}
    assert {"http_basic", "http_form", "ftp_user_pass"} <= kinds and "imap_login" not in kinds
    (dead,) = [json.loads(x) for f in (env / "deadletter").glob("*.jsonl") for x in f.read_text().splitlines()]
    assert dead["parser"] == "pcap" and "cut short" in dead["reason"] and str(cut) in dead["file"]


def test_second_run_and_resume_skip_what_was_handed_over(cfg, tmp_path: Path):
    cap = pcapgen.credentials(tmp_path / "c.pcap")
    first = ingest_paths(cfg, [cap])
    assert first.stored > 10
    again = ingest_paths(cfg, [cap])
    assert again.stored == 0 and again.read == 0
    everything = [(p, o) for rc in DECODER.read(str(cap), 0, 5, {}) for p, o in zip(rc.positions, rc.originals,
                                                                                   strict=True)]
    tail = [(p, o) for rc in DECODER.read(str(cap), 30, 5, {}) for p, o in zip(rc.positions, rc.originals,
                                                                              strict=True)]
    assert tail == [(p, o) for p, o in everything if p > 30] and 0 < len(tail) < len(everything)


def test_memory_is_bounded_by_the_flow_table(tmp_path: Path):
    cap = pcapgen.mixed(tmp_path / "mixed.pcap", 3000)
    asm = Assembler({"max_flows": 20, "max_pending": 5, "flow_idle_seconds": 0.05})
    rows, error = ts.stream(str(cap))
    peak = 0
    for parts in rows:
        asm.packet(parts)
        peak = max(peak, len(asm.flows), len(asm.http), len(asm.dns))
    assert error() == ""
    asm.expire(None)
    assert peak <= 20
    flows = [r for _, r in asm.out if r["kind"] == "flow"]
    assert sum(f["src_packets"] + f["dst_packets"] for f in flows) == len(
        list(ts.stream(str(cap))[0]))  # every packet counted once, in some flow
    assert any(r["kind"] == "tls" for _, r in asm.out) and any(r["kind"] == "dns" for _, r in asm.out)


def test_body_prefix_option(tmp_path: Path):
    cap = pcapgen.protocols(tmp_path / "p.pcap")
    recs = [r for rc in DECODER.read(str(cap), 0, 100, {"body_prefix": 6}) for r in rc.records]
    (http,) = [r for r in recs if r["kind"] == "http"]
    assert http["resp_body"] == "<html>"
    recs = [r for rc in DECODER.read(str(cap), 0, 100, {"body_prefix": 0}) for r in rc.records]
    assert all(r.get("resp_body") is None for r in recs)


def test_missing_tshark_names_the_package(monkeypatch, tmp_path: Path):
    import pyshark.tshark.tshark as pt

    def not_found(*_a, **_k):
        raise pt.TSharkNotFoundException("TShark not found")

    monkeypatch.setattr(pt, "get_process_path", not_found)
    ts.tshark_path.cache_clear()
    try:
        with pytest.raises(DecoderUnavailable, match="Debian package 'tshark'"):
            list(DECODER.read(str(pcapgen.protocols(tmp_path / "p.pcap")), 0, 10, {}))
    finally:
        ts.tshark_path.cache_clear()


def test_segments_and_pcapng_give_the_same_events(tmp_path: Path):
    """tshark reads the capture in segments (bounded memory) and pcapng as well as pcap."""
    cap = pcapgen.protocols(tmp_path / "p.pcap")
    ng = tmp_path / "p.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(cap), str(ng)], check=True, capture_output=True)

    def kinds(path: Path, **options) -> list[dict]:
        recs = [r for rc in DECODER.read(str(path), 0, 100, options) for r in rc.records]
        return sorted((r for r in recs if r["kind"] in ("flow", "dns", "tls")), key=lambda r: (r["kind"], r["frame"]))

    whole = kinds(cap)
    assert len(whole) == 7
    assert kinds(cap, segment_packets=3) == whole
    assert kinds(ng) == whole and kinds(ng, segment_packets=4) == whole


def test_not_a_capture_is_dead_lettered(cfg, tmp_path: Path):
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 5)  # pcap magic, header cut short
    summary = ingest_paths(cfg, [bad], parser="pcap")
    assert summary.stored == 0 and summary.deadlettered == 1


def test_stopping_early_ends_tshark(tmp_path: Path):
    """A consumer that stops after the first chunk leaves no tshark or thread behind."""
    import threading

    cap = pcapgen.mixed(tmp_path / "m.pcap", 400)
    chunks = DECODER.read(str(cap), 0, 5, {"segment_packets": 50})
    assert next(chunks).records
    chunks.close()
    assert not [t for t in threading.enumerate() if t.name == "pcap-decoder"]
    left = subprocess.run(["pgrep", "-f", "tshark .*-r -"], capture_output=True, text=True).stdout.split()
    mine = [pid for pid in left if Path(f"/proc/{pid}/status").exists()
            and f"PPid:\t{__import__('os').getpid()}" in Path(f"/proc/{pid}/status").read_text()]
    assert mine == []
