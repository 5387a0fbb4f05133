"""Windows .evtx files (written by tests/evtxgen.py, read by the real pyevtx-rs) through the real engine: the shipped
sample against its expected ECS, detection by magic bytes, resuming, damaged chunks and a SigmaHQ rule alerting."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import struct
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import evtxgen  # noqa: E402
from storekit import stored, stored_dicts  # noqa: E402

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.ingest.autodetect import detect_binary  # noqa: E402
from soc.ingest.evtx import DECODER, flatten  # noqa: E402
from soc.ingest.parser import all_parsers  # noqa: E402
from soc.ingest.samples import ENRICHED, VOLATILE, _clean  # noqa: E402
from soc.store import StateDB  # noqa: E402
from soc.triage.intake import scan as run_scan  # noqa: E402

SAMPLES = all_parsers()["windows_evtx"].samples_dir
SAMPLE = SAMPLES / "security_system_sysmon.evtx"
SIGMAHQ = Path(__file__).with_name("sigmahq") / "win_security_user_added_to_local_administrators.yml"
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _events(cfg, where: str = "true") -> list[dict]:
    return stored_dicts(cfg, f'SELECT * FROM events WHERE {where} ORDER BY "log.file.path", "log.offset"')


_sql = stored


def _docs(rows: list[dict]) -> list[dict]:
    """Stored events as parser-sample documents (flat, no nulls, volatile and enriched fields left out)."""
    return [{k: _clean(v) for k, v in sorted(r.items()) if _clean(v) is not None and k not in VOLATILE
             and not k.startswith(ENRICHED)} for r in rows]


def _logons(n: int, first: int = 0) -> list[evtxgen.Event]:
    return [evtxgen.security(4624, T0 + timedelta(seconds=i), SubjectUserSid="S-1-5-18", SubjectUserName="DC01$",
                             TargetUserName=f"canbo{i:05d}", TargetDomainName="DEMO", LogonType="3",
                             IpAddress=f"10.10.{i // 250 % 250}.{i % 250 + 1}", IpPort="0")
            for i in range(first, first + n)]


def _dead(cfg) -> list[dict]:
    return [json.loads(x) for f in (cfg.data_dir / "deadletter").glob("*.jsonl") for x in f.read_text().splitlines()]


def test_sample_is_what_the_generator_writes(tmp_path: Path):
    fresh = evtxgen.write(tmp_path / "s.evtx", evtxgen.sample_events())
    assert fresh.read_bytes() == SAMPLE.read_bytes(), "regenerate the sample with tests/evtxgen.py"


def test_mapping_is_the_windows_json_mapping():
    """Same ECS targets, types, expressions and constants as windows_json; sources: its Winlogbeat names only."""
    parsers = all_parsers()
    evtx_p, json_p = parsers["windows_evtx"], parsers["windows_json"]
    assert (evtx_p.dataset, evtx_p.module) == (json_p.dataset, json_p.module) == ("windows.eventlog", "windows")
    assert evtx_p.constants == json_p.constants
    expected = []
    for spec in json_p.fields:
        sources = tuple(s for s in spec.source if s == "@timestamp" or s.startswith("winlog."))
        if spec.expr or sources:
            expected.append(dataclasses.replace(spec, source=sources))
    assert list(evtx_p.fields) == expected
    assert {f.target for f in json_p.fields} - {f.target for f in evtx_p.fields} == {"message"}


def test_sample_matches_expected_ecs(cfg):
    """The shipped binary sample against <case>.expected.json (set SOC_GENERATE=1 to rewrite it, then review)."""
    summary = ingest_paths(cfg, [SAMPLE])  # no --parser: found by its ElfFile magic
    assert summary.files[0].parser == "windows_evtx" and (summary.stored, summary.deadlettered) == (21, 0)
    docs = _docs(_events(cfg))
    expected_path = SAMPLE.with_suffix(".expected.json")
    if os.environ.get("SOC_GENERATE"):
        expected_path.write_text(json.dumps(docs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert len(docs) == len(expected)
    for n, (exp, act) in enumerate(zip(expected, docs, strict=True), start=1):
        diff = {k: (exp.get(k), act.get(k)) for k in set(exp) | set(act) if exp.get(k) != act.get(k)}
        assert diff == {}, f"record {n}"


def test_ecs_fields_per_event_id(cfg):
    ingest_paths(cfg, [SAMPLE], parser="windows_evtx")
    by_id = {r["winlog.event_id"]: r for r in _events(cfg)}
    assert set(by_id) == {"4625", "4624", "4634", "4648", "4672", "4720", "4722", "4724", "4728", "4732", "4740",
                          "4756", "1102", "7045", "104", "1", "3", "7", "11", "13", "22"}
    failed = by_id["4625"]
    assert (failed["event.action"], failed["event.outcome"], failed["event.category"]) == (
        "logon-failed", "failure", ["authentication"])
    assert (failed["user.name"], str(failed["source.ip"]), failed["source.port"]) == ("administrator", "203.0.113.9",
                                                                                       51234)
    assert failed["@timestamp"] == datetime(2026, 11, 24, 1, 15, 2, 123456) and failed["winlog.record_id"] == "1"
    ok = by_id["4624"]
    assert (ok["user.name"], ok["winlog.logon.type"], ok["process.name"]) == ("canbo01", "10", "svchost.exe")
    created = by_id["4720"]
    assert (created["user.name"], created["user.target.name"], created["event.category"]) == ("quantri", "tam.nv",
                                                                                              ["iam"])
    for eid, group in (("4728", "Domain Admins"), ("4732", "Administrators"), ("4756", "Enterprise Admins")):
        assert (by_id[eid]["group.name"], by_id[eid]["event.action"]) == (group, "added-member-to-group")
    assert by_id["4740"]["event.outcome"] == "failure" and by_id["4740"]["user.target.name"] == "canbo02"
    cleared = by_id["1102"]  # UserData/LogFileCleared, not EventData
    assert (cleared["event.action"], cleared["user.name"], cleared["user.domain"]) == ("audit-log-cleared", "quantri",
                                                                                       "DEMO")
    assert by_id["104"]["event.action"] == "log-cleared" and by_id["104"]["winlog.channel"] == "System"
    svc = by_id["7045"]  # EventID carries a Qualifiers attribute
    assert (svc["service.name"], svc["event.code"], svc["event.category"]) == ("PSEXESVC", "7045", ["configuration"])
    proc = by_id["1"]
    assert proc["process.command_line"] == "powershell.exe -nop -w hidden -enc SQBFAFgA"
    assert proc["process.name"] == "powershell.exe" and proc["process.parent.executable"].endswith("WINWORD.EXE")
    assert proc["winlog.event_data.Image"] == evtxgen.PS and proc["host.name"] == "ws01.demo.gov.vn"
    assert by_id["3"]["destination.port"] == 443 and str(by_id["3"]["destination.ip"]) == "198.51.100.77"
    assert by_id["7"]["winlog.event_data.ImageLoaded"] == r"C:\Users\Public\version.dll"
    assert by_id["11"]["file.path"] == r"C:\Users\Public\svchost.exe"
    assert by_id["13"]["registry.path"].endswith(r"\CurrentVersion\Run\updater")
    assert by_id["22"]["dns.question.name"] == "update-check.example.net"
    assert {r["event.dataset"] for r in by_id.values()} == {"windows.eventlog"}
    original = json.loads(proc["event.original"])  # the record as the evtx package renders it
    assert original["Event"]["System"]["EventRecordID"] == proc["winlog.record_id"]


def test_detected_by_magic_bytes_in_a_mixed_directory(cfg, tmp_path: Path):
    """No --parser: the .evtx (whatever its name) by its ElfFile magic, text logs by their lines."""
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(SAMPLE, logs / "security-export.log")
    winlogbeat = all_parsers()["windows_json"].samples_dir / "winlogbeat.log"
    shutil.copy(winlogbeat, logs / "winlogbeat.json")
    shutil.copy(next(all_parsers()["nginx_combined"].samples_dir.glob("*.log")), logs / "access.log")
    assert detect_binary((logs / "security-export.log").read_bytes()[:16]).parser == "windows_evtx"
    summary = ingest_paths(cfg, [logs])
    by_file = {Path(f.path).name: f.parser for f in summary.files}
    assert by_file == {"security-export.log": "windows_evtx", "winlogbeat.json": "windows_json",
                       "access.log": "nginx_combined"}
    evtx_file = next(f for f in summary.files if f.parser == "windows_evtx")
    assert (evtx_file.stored, evtx_file.deadlettered) == (21, 0)
    counts = dict(_sql(cfg, 'SELECT "log.file.path", count(*) FROM events WHERE "event.dataset" = '
                            "'windows.eventlog' GROUP BY 1"))
    assert counts == {str(logs / "security-export.log"): 21, str(logs / "winlogbeat.json"): 10}


def test_flatten_real_windows_shapes():
    """Values as pyevtx-rs renders templated records: numbers, Qualifiers, unnamed Data, null EventData."""
    doc = {"Event": {"System": {"Provider": {"#attributes": {"Name": "Service Control Manager"}},
                                "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7036}, "EventRecordID": 9,
                                "TimeCreated": {"#attributes": {"SystemTime": "2026-11-24T01:00:00.000000Z"}},
                                "Channel": "System", "Security": {"#attributes": {"UserID": "S-1-5-18"}}},
                     "EventData": {"Data": [{"#text": "Windows Update"}, {"#text": "running"}], "Binary": "7700"}}}
    flat = flatten(doc)
    assert (flat["winlog.event_id"], flat["winlog.record_id"], flat["winlog.user.identifier"]) == ("7036", "9",
                                                                                                  "S-1-5-18")
    assert (flat["winlog.event_data.param1"], flat["winlog.event_data.param2"]) == ("Windows Update", "running")
    assert flatten({"Event": {"System": {"EventID": 1}, "EventData": None}})["winlog.event_id"] == "1"
    assert flatten({"Event": {"System": {}, "EventData": {"LogonType": 3, "Flag": True}}})[
        "winlog.event_data.Flag"] == "true"


def test_second_run_and_resume_skip_what_was_handed_over(cfg, tmp_path: Path):
    path = evtxgen.write(tmp_path / "Security.evtx", _logons(300))
    assert (len(path.read_bytes()) - 4096) // evtxgen.CHUNK_SIZE > 3  # several chunks
    small = dataclasses.replace(cfg, chunk_lines=40)  # batches of a few chunks
    first = ingest_paths(small, [path])
    assert (first.stored, first.deadlettered) == (300, 0)
    again = ingest_paths(small, [path])
    assert (again.read, again.stored) == (0, 0)
    everything = [p for rc in DECODER.read(str(path), 0, 40, {}) for p in rc.positions]
    tail = [(p, o) for rc in DECODER.read(str(path), 123, 40, {}) for p, o in zip(rc.positions, rc.originals,
                                                                                  strict=True)]
    assert everything == list(range(1, 301)) and [p for p, _ in tail] == list(range(124, 301))
    assert all(json.loads(o)["Event"]["System"]["EventRecordID"] == str(p) for p, o in tail)
    state = StateDB(cfg.data_dir / "state.db")
    try:
        assert state.checkpoint(str(path)).offset == 300
    finally:
        state.close()
    # the log grows (Windows appends records): only the new ones are stored, nothing twice
    evtxgen.write(path, _logons(350))
    grown = ingest_paths(small, [path])
    assert grown.stored == 50 and grown.deadlettered == 0
    assert grown.read == 50  # resumed after record 300: the rewritten file/chunk headers do not look like a new file
    rows = _events(cfg)
    assert len(rows) == 350 and len({r["event.id"] for r in rows}) == 350


def test_wrapped_log_is_read_in_record_order(tmp_path: Path):
    """A full log overwrites its oldest chunks: the file starts with newer records than it ends with."""
    body, next_id = evtxgen.chunks(_logons(200), first_id=1001)
    path = tmp_path / "wrapped.evtx"
    path.write_bytes(evtxgen.file_header(len(body), next_id) + b"".join(body[2:] + body[:2]))
    positions = [p for rc in DECODER.read(str(path), 0, 10_000, {}) for p in rc.positions]
    assert positions == list(range(1001, 1201))
    later = [p for rc in DECODER.read(str(path), 1100, 10_000, {}) for p in rc.positions]
    assert later == list(range(1101, 1201))


def test_damaged_chunks_are_dead_lettered_and_the_rest_stored(cfg, tmp_path: Path):
    path = evtxgen.write(tmp_path / "Security.evtx", _logons(200))
    data = bytearray(path.read_bytes())
    chunk_count = (len(data) - 4096) // evtxgen.CHUNK_SIZE
    assert chunk_count >= 4
    second = 4096 + evtxgen.CHUNK_SIZE
    first_id, last_id = struct.unpack_from("<QQ", data, second + 8)
    data[second:second + 8] = b"XXXXXXXX"  # chunk 2: signature gone
    third = second + evtxgen.CHUNK_SIZE
    data[third + 600:third + 640] = b"\xab" * 40  # chunk 3: one record's BinXML overwritten
    path.write_bytes(data)
    summary = ingest_paths(cfg, [path])
    lost_chunk = last_id - first_id + 1
    assert summary.files[0].parser == "windows_evtx"
    assert summary.stored == 200 - lost_chunk - 1 and summary.deadlettered == 2
    dead = sorted(_dead(cfg), key=lambda d: d["line"])
    assert all(d["file"] == str(path) and d["parser"] == "windows_evtx" for d in dead)
    assert dead[0]["line"] == first_id and f"chunk at byte {second}" in dead[0]["reason"]
    assert "signature missing" in dead[0]["reason"]
    assert f"chunk at byte {third}" in dead[1]["reason"] and "record number" in dead[1]["reason"]
    stored_ids = {int(r["winlog.record_id"]) for r in _events(cfg)}
    assert not stored_ids & set(range(first_id, last_id + 1)) and max(stored_ids) == 200
    again = ingest_paths(cfg, [path])  # the damage is reported once
    assert (again.stored, again.deadlettered) == (0, 0)
    strict = [f for rc in DECODER.read(str(path), 0, 10_000, {"validate_checksums": True}) for f in rc.failures]
    assert any(f"chunk at byte {third}" in reason and "CRC32" in reason for _, reason, _ in strict), strict


@pytest.mark.parametrize("cut", [4096 + 3 * evtxgen.CHUNK_SIZE + 20_000, 100])
def test_truncated_file_never_crashes(cfg, tmp_path: Path, cut: int):
    full = evtxgen.write(tmp_path / "full.evtx", _logons(200)).read_bytes()
    path = tmp_path / "cut.evtx"
    path.write_bytes(full[:cut])
    summary = ingest_paths(cfg, [path], parser="windows_evtx")
    if cut == 100:  # not even a file header
        assert (summary.stored, summary.deadlettered) == (0, 1)
        assert "not an EVTX file" in _dead(cfg)[0]["reason"]
    else:  # the records before the cut are kept, the rest reported
        fourth = 4096 + 3 * evtxgen.CHUNK_SIZE
        first_id, last_id = struct.unpack_from("<QQ", full, fourth + 8)
        assert first_id - 1 < summary.stored < last_id and summary.deadlettered == 2
        lost = [d["reason"] for d in _dead(cfg)]
        assert any(f"records {summary.stored + 2}..{last_id} lost (the file ends inside this chunk)" in r
                   for r in lost), lost


def test_sigmahq_windows_rule_alerts_on_evtx_event(tmp_path: Path):
    data = tmp_path / "data"
    (data / "rules" / "sigmahq").mkdir(parents=True)
    shutil.copy(SIGMAHQ, data / "rules" / "sigmahq" / SIGMAHQ.name)  # unchanged SigmaHQ rule, as `rules import`
    cfg = from_dict({}, data_dir=data)
    ingest_paths(cfg, [SAMPLE])
    summary = run_scan(cfg)
    assert not summary.errors, summary.errors
    state = StateDB(data / "state.db")
    try:
        alerts = state.alerts()
    finally:
        state.close()
    titles = {a["rule_title"] for a in alerts}
    assert "User Added to Local Administrator Group" in titles
    assert "Suspicious Windows Service Installed" in titles  # shipped rules/windows/ on the System 7045 record


def _outcome(cfg, path: Path) -> tuple:
    summary = ingest_paths(cfg, [path], parser="windows_evtx")
    rows = [(r["winlog.record_id"], r["event.id"], r["event.original"], r["user.target.name"]) for r in _events(cfg)]
    dead = sorted((d["line"], d["reason"], d["raw"]) for d in _dead(cfg))
    state = StateDB(cfg.data_dir / "state.db")
    try:
        offset = state.checkpoint(str(path)).offset
    finally:
        state.close()
    return summary.read, summary.stored, summary.deadlettered, sorted(rows), dead, offset


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="LOUD: one CPU: EVTX is never parsed in worker processes")
@pytest.mark.parametrize("kill", [None, "after its first batch", "at once"])
def test_parsing_in_worker_processes_stores_what_one_process_stores(tmp_path: Path, monkeypatch, kill: str | None):
    """Large EVTX files are parsed by worker processes, batches handed back in order: events, dead letters
    (damaged chunk, bad record) and the checkpoint are those of the in-process reader. Workers killed mid-file
    (even while handing a batch back: that once left the executor waiting forever) — the batches they held are
    parsed here, nothing lost or doubled."""
    from soc.ingest.chunk_decode import DecodePool

    path = evtxgen.write(tmp_path / "Security.evtx", _logons(400))
    data = bytearray(path.read_bytes())
    second = 4096 + evtxgen.CHUNK_SIZE
    data[second:second + 8] = b"XXXXXXXX"  # a chunk without its signature
    data[second + 2 * evtxgen.CHUNK_SIZE + 600:second + 2 * evtxgen.CHUNK_SIZE + 640] = b"\xab" * 40  # a bad record
    path.write_bytes(data)
    used = []
    submit = DecodePool.submit_call

    def spy(self, fn, *args):
        job = submit(self, fn, *args)
        used.append(job)
        if kill and len(used) == 2 and job is not None:
            if kill == "after its first batch":
                used[0].result()
            for process in list(self._executor._processes.values()):  # the worker dies mid-file
                process.kill()
        return job

    disabled = []
    disable = DecodePool.disable
    monkeypatch.setattr(DecodePool, "submit_call", spy)
    monkeypatch.setattr(DecodePool, "disable", lambda self: disabled.append(1) or disable(self))
    outcomes = []
    for workers in (0, 1):
        cfg = from_dict({"ingest": {"decode_workers": workers, "decode_min_bytes": 1, "chunk_lines": 60}},
                        data_dir=tmp_path / f"data-{workers}")
        outcomes.append(_outcome(cfg, path))
    assert len(used) >= 4 and used[0] is not None, "the worker path was not taken"
    assert bool(disabled) == bool(kill)  # killed workers: the pool gave up and the reader went on here
    read, stored, deadlettered, rows, dead, offset = outcomes[0]
    assert stored > 300 and deadlettered == 2 and offset == 400 and len(rows) == stored
    assert outcomes[1] == outcomes[0]
