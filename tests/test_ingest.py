"""Ingest end to end on real files, real Parquet partitions and a real SQLite state database."""

from __future__ import annotations

import dataclasses
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from soc.config import from_dict
from soc.enrich.pipeline import ingest_paths
from soc.store import EventStore, StateDB

LINE = ('203.0.113.{n} - - [24/Nov/2026:10:{m:02d}:{s:02d} +0700] "GET /page/{n} HTTP/1.1" 200 {n} "-" '
        '"Mozilla/5.0"\n')


def lines(start: int, count: int) -> str:
    return "".join(LINE.format(n=i, m=(i // 60) % 60, s=i % 60) for i in range(start, start + count))


def stored(cfg) -> int:
    return EventStore(cfg.data_dir).count()


def deadletters(cfg) -> list[dict]:
    out = []
    for f in sorted((cfg.data_dir / "deadletter").glob("*.jsonl")):
        out += [json.loads(x) for x in f.read_text().splitlines()]
    return out


def test_reingest_stores_nothing_twice(cfg, tmp_path):
    log = tmp_path / "access.log"
    log.write_text(lines(0, 50))
    first = ingest_paths(cfg, [log])
    assert (first.read, first.stored, first.deadlettered) == (50, 50, 0)
    again = ingest_paths(cfg, [log])
    assert (again.read, again.stored) == (0, 0)
    assert stored(cfg) == 50


def test_appended_lines_only_are_read(cfg, tmp_path):
    log = tmp_path / "access.log"
    log.write_text(lines(0, 30))
    ingest_paths(cfg, [log])
    with log.open("a") as fh:
        fh.write(lines(30, 7))
    second = ingest_paths(cfg, [log])
    assert (second.read, second.stored) == (7, 7)
    assert stored(cfg) == 37


def test_same_content_elsewhere_is_skipped_by_event_id(cfg, tmp_path):
    """Without a checkpoint (a copy, a rotated file) the deterministic event.id still prevents duplicates."""
    a, b = tmp_path / "a.log", tmp_path / "b.log.gz"
    a.write_text(lines(0, 20))
    with gzip.open(b, "wt") as fh:
        fh.write(lines(0, 20))
    ingest_paths(cfg, [a])
    summary = ingest_paths(cfg, [b])
    assert (summary.read, summary.stored, summary.skipped) == (20, 0, 20)
    assert stored(cfg) == 20


def test_truncated_file_is_read_from_start(cfg, tmp_path):
    log = tmp_path / "access.log"
    log.write_text(lines(0, 10))
    ingest_paths(cfg, [log])
    log.write_text(lines(100, 3))  # rotated by copytruncate: shorter, different head
    summary = ingest_paths(cfg, [log])
    assert (summary.read, summary.stored) == (3, 3)


def test_garbage_goes_to_dead_letter_and_nothing_else_is_lost(cfg, tmp_path):
    log = tmp_path / "mixed.log"
    good = lines(0, 20).encode()
    garbage = [
        b"\x00\x01\x02\xff\xfe binary junk",
        b"203.0.113.1 - - [24/Nov/2026:10:00",  # truncated line
        b"A" * (1024 * 1024),  # 1 MB line
        b"caf\xe9 latin-1 not utf-8",  # invalid UTF-8
        b'203.0.113.1 - - [99/Foo/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 1 "-" "x"',  # bad timestamp
    ]
    good_lines = good.splitlines(keepends=True)
    data = b"".join(good_lines[:10]) + b"\n".join(garbage) + b"\n" + b"".join(good_lines[10:])
    log.write_bytes(data)
    summary = ingest_paths(cfg, [log], parser="nginx_combined")
    assert (summary.read, summary.stored, summary.deadlettered) == (25, 20, 5)
    dead = deadletters(cfg)
    assert [d["line"] for d in dead] == [11, 12, 13, 14, 15]
    reasons = " | ".join(d["reason"] for d in dead)
    assert "line too long" in reasons and "invalid UTF-8" in reasons and "timestamp" in reasons
    assert all(d["file"] == str(log.resolve()) for d in dead)
    import base64

    assert base64.b64decode(dead[3]["raw_base64"]) == garbage[3]  # the raw bytes are kept, not lost
    assert len(dead[2]["raw"]) == 1024 * 1024


def test_autodetect_per_file_in_directory(cfg, tmp_path):
    root = Path(__file__).resolve().parent.parent / "parsers" / "samples"
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("nginx_combined/access.log", "nginx_json/access.log", "linux_auth/auth.log"):
        (folder / name.replace("/", "_")).write_bytes((root / name).read_bytes())
    summary = ingest_paths(cfg, [folder])
    by_file = {Path(f.path).name: f.parser for f in summary.files}
    assert by_file == {
        "nginx_combined_access.log": "nginx_combined",
        "nginx_json_access.log": "nginx_json",
        "linux_auth_auth.log": "linux_auth",
    }
    assert summary.deadlettered == 0
    con = EventStore(cfg.data_dir).open_events()
    datasets = dict(con.execute('SELECT "event.dataset", count(*) FROM events GROUP BY 1').fetchall())
    assert datasets == {"nginx.access": 16, "system.auth": 18}


def test_unknown_format_is_dead_lettered_not_crashed(cfg, tmp_path):
    log = tmp_path / "weird.txt"
    log.write_text("hello\nworld\n")
    summary = ingest_paths(cfg, [log])
    assert (summary.stored, summary.deadlettered) == (0, 2)
    assert "no parser recognises" in deadletters(cfg)[0]["reason"]


def test_system_tagging_from_inventory(tmp_path):
    from soc.config import from_dict

    cfg = from_dict({"systems": [
        {"name": "Cổng DVC", "type": "public-service", "vhosts": ["dichvucong.demo.gov.vn"], "level": 3},
        {"name": "Cổng TTĐT", "type": "portal", "paths": ["*/portal/*"], "level": 2},
    ]}, data_dir=tmp_path / "d")
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "access.log").write_text(lines(0, 2))
    root = Path(__file__).resolve().parent.parent / "parsers" / "samples"
    ingest_paths(cfg, [tmp_path / "portal" / "access.log", root / "nginx_json" / "access.log"])
    con = EventStore(cfg.data_dir).open_events()
    rows = con.execute('SELECT "soc.system", "soc.system_level", count(*) FROM events GROUP BY ALL ORDER BY 1').fetchall()
    assert rows == [("Cổng DVC", 3, 4), ("Cổng TTĐT", 2, 2), (None, None, 2)]


def test_cli_stdin_and_exit_codes(tmp_path):
    env_dir = str(tmp_path / "d")
    cmd = [sys.executable, "-m", "soc.cli", "--data-dir", env_dir]
    res = subprocess.run([*cmd, "ingest", "-", "--parser", "nginx_combined"], input=lines(0, 5).encode(),
                         capture_output=True)
    assert res.returncode == 0, res.stderr
    assert b"5 events stored" in res.stdout
    res = subprocess.run([*cmd, "ingest", str(tmp_path / "missing.log")], capture_output=True)
    assert res.returncode == 1 and b"no such file" in res.stderr
    res = subprocess.run([*cmd, "ingest", "-", "--parser", "nope"], input=b"", capture_output=True)
    assert res.returncode == 1 and b"unknown parser 'nope'" in res.stderr
    res = subprocess.run([*cmd, "alerts", "--status", "bogus"], capture_output=True)
    assert res.returncode == 2


def test_crash_between_store_and_checkpoint_resumes_without_loss_or_duplicates(cfg, tmp_path, monkeypatch):
    """Chunk 2 is stored, then the process dies before its checkpoint moves: the re-run re-reads chunk 2 and the
    store skips what it already holds."""
    from soc.ingest import engine

    cfg.chunk_lines = 10
    log = tmp_path / "access.log"
    log.write_text(lines(0, 35))
    real_advance = engine.Ingestor._advance
    calls = {"n": 0}

    def crash_on_second(self, inp, checkpoint, chunk, parser):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated crash")
        return real_advance(self, inp, checkpoint, chunk, parser)

    monkeypatch.setattr(engine.Ingestor, "_advance", crash_on_second)
    import pytest

    with pytest.raises(KeyboardInterrupt):
        ingest_paths(cfg, [log])
    assert stored(cfg) == 20  # two chunks reached the store, one checkpoint was saved
    monkeypatch.setattr(engine.Ingestor, "_advance", real_advance)
    resumed = ingest_paths(cfg, [log])
    assert (resumed.read, resumed.stored, resumed.skipped) == (25, 15, 10)
    con = EventStore(cfg.data_dir).open_events()
    total, distinct = con.execute('SELECT count(*), count(DISTINCT "event.id") FROM events').fetchone()
    assert total == distinct == 35


def test_identical_lines_are_distinct_events(cfg, tmp_path):
    """Two identical lines (same second, same request) are two events, and stay two on re-ingest."""
    log = tmp_path / "access.log"
    log.write_text(lines(0, 1) * 3)
    assert ingest_paths(cfg, [log]).stored == 3
    (tmp_path / "copy.log").write_text(lines(0, 1) * 3)
    assert ingest_paths(cfg, [tmp_path / "copy.log"]).stored == 0


def test_identical_lines_across_chunks_are_all_kept(cfg, tmp_path):
    """A health check logging the same line many times in one second: every line is an event, whatever the
    chunking, and a re-read of the file (checkpoint lost) stores none of them again."""
    cfg.chunk_lines = 4
    log = tmp_path / "access.log"
    log.write_text(lines(0, 1) * 10)
    assert ingest_paths(cfg, [log]).stored == 10
    (cfg.data_dir / "state.db").unlink()
    again = ingest_paths(cfg, [log])
    assert (again.read, again.stored, again.skipped) == (10, 0, 10)


@pytest.mark.parametrize("parser", ["fortigate", "wso2_carbon", "windows_json"])
def test_decoding_in_worker_processes_stores_what_one_process_stores(tmp_path: Path, parser: str):
    """Large files are decoded by worker processes; chunks come back in order, so the events, dead letters and the
    checkpoint are the same as when one process decodes (multi-line events cut by chunks included)."""
    from soc.ingest.parser import get_parser

    sample = [line for log in sorted(get_parser(parser).samples_dir.glob("*.log"))
              for line in log.read_text(encoding="utf-8").splitlines()]
    log = tmp_path / f"{parser}.log"
    log.write_text("\n".join(sample * 40) + "\nthis line is not an event of any kind\n", encoding="utf-8")
    outcomes = []
    for workers in (1, 2):
        cfg = from_dict({"ingest": {"decode_workers": workers, "decode_min_bytes": 1, "chunk_lines": 37}},
                        data_dir=tmp_path / f"data-{workers}")
        summary = ingest_paths(cfg, [log], parser=parser)
        con = EventStore(cfg.data_dir).open_events()
        try:
            events = con.execute('SELECT "event.id", "event.original", "log.offset" FROM events ORDER BY 3').fetchall()
        finally:
            con.close()
        dead = sorted((d["line"], d["reason"]) for f in (cfg.data_dir / "deadletter").glob("*.jsonl")
                      for d in map(json.loads, f.read_text(encoding="utf-8").splitlines()))
        state = StateDB(cfg.data_dir / "state.db")
        try:
            offset = state.checkpoint(str(log)).offset
        finally:
            state.close()
        outcomes.append((summary.read, summary.stored, summary.deadlettered, events, dead, offset))
    assert outcomes[0][1] > 100 and outcomes[0][5] == log.stat().st_size
    assert outcomes[1] == outcomes[0]


def test_configured_parser_for_a_path_wins_over_detection(tmp_path: Path):
    """A WSO2 gateway writing plain combined lines looks like nginx to auto-detection: ``[ingest.parsers]`` names
    the parser by path pattern; other files are still detected; an unknown parser is a configuration error."""
    from soc.config import ConfigError
    from soc.ingest.parser import get_parser

    sample = (get_parser("nginx_combined").samples_dir / "access.log").read_text(encoding="utf-8").splitlines()
    combined = "".join(f"{line}\n" for line in sample  # Tomcat's "combined": IPv4, HTTP/1.x, nothing appended
                       if line[0].isdigit() and "HTTP/1." in line and line.count('"') == 6)
    for folder, text in (("lgsp", combined), ("portal", combined.replace("HTTP/1.1", "HTTP/1.0"))):
        (tmp_path / "logs" / folder).mkdir(parents=True)
        (tmp_path / "logs" / folder / "http_access.log").write_text(text, encoding="utf-8")

    def datasets(ingest: dict) -> dict[str, set]:
        cfg = from_dict({"ingest": ingest}, data_dir=tmp_path / f"data-{len(ingest)}")
        assert ingest_paths(cfg, [tmp_path / "logs"]).deadlettered == 0
        con = EventStore(cfg.data_dir).open_events()
        try:
            rows = con.execute('SELECT DISTINCT "log.file.path", "event.dataset" FROM events').fetchall()
        finally:
            con.close()
        return {Path(path).parent.name: {d for p, d in rows if p == path} for path, _ in rows}

    assert datasets({}) == {"lgsp": {"nginx.access"}, "portal": {"nginx.access"}}
    assert datasets({"parsers": {"*/lgsp/*access*.log": "wso2_http_access"}}) == {
        "lgsp": {"wso2.access"}, "portal": {"nginx.access"}}
    with pytest.raises(ConfigError, match="no_such_parser"):
        ingest_paths(from_dict({"ingest": {"parsers": {"*.log": "no_such_parser"}}}, data_dir=tmp_path / "x"),
                     [tmp_path / "logs"])


def test_dedup_reads_only_files_meeting_the_chunk_time_range(cfg, tmp_path, monkeypatch):
    """Duplicates are still skipped when ids are only looked for in files whose @timestamp range meets the chunk's:
    a copy read by a new process (ranges unknown, read from the files), and a copy another writer stores between
    two chunks of a running ingest. A time-ordered chunk meets one earlier file, not the whole day."""
    from soc.ingest import engine
    from soc.store.workspace import Workspace

    cfg.chunk_lines = 10
    a, b, c = tmp_path / "a.log", tmp_path / "b.log", tmp_path / "c.log"
    for path in (a, b, c):
        path.write_text(lines(0, 60))
    first = ingest_paths(cfg, [a])
    store = EventStore(cfg.data_dir)
    files = [p for d in ("nginx.access",) for p in store.files([d])]
    assert first.stored == 60 and len(files) == 6
    con = store.open_events()
    try:
        span = con.execute('SELECT min("@timestamp"), max("@timestamp") FROM events WHERE "log.offset" BETWEEN '
                           f"{len(lines(0, 20))} AND {len(lines(0, 29))}").fetchone()
        with Workspace() as ws:
            assert len(store._meeting(ws, files, span)) == 1  # one file's range meets lines 20-29
    finally:
        con.close()
    assert (lambda s: (s.stored, s.skipped))(ingest_paths(cfg, [b])) == (0, 60)  # a new process, a copy

    real_advance, calls = engine.Ingestor._advance, {"n": 0}

    def other_writer_after_first_chunk(self, inp, checkpoint, chunk, parser):
        real_advance(self, inp, checkpoint, chunk, parser)
        calls["n"] += 1
        if calls["n"] == 1 and inp.path == str(c):  # another ingest stores the same file meanwhile
            other = ingest_paths(dataclasses.replace(cfg, chunk_lines=100), [c.with_name("c2.log")])
            assert other.stored == 50

    monkeypatch.setattr(engine.Ingestor, "_advance", other_writer_after_first_chunk)
    shutil.rmtree(cfg.data_dir)
    c.with_name("c2.log").write_text(lines(0, 60))
    run = ingest_paths(cfg, [c])
    assert (run.stored, run.skipped) == (10, 50)
    total, distinct = EventStore(cfg.data_dir).open_events().execute(
        'SELECT count(*), count(DISTINCT "event.id") FROM events').fetchone()
    assert total == distinct == 60


def test_store_kind_names_the_store_and_an_unknown_kind_is_refused(tmp_path):
    """``[store] kind`` picks the store from the registry (default: embedded); an unknown kind says which exist."""
    from soc.config import ConfigError
    from soc.store.registry import open_store

    log = tmp_path / "access.log"
    log.write_text(lines(0, 3))
    cfg = from_dict({"store": {"kind": "embedded"}}, data_dir=tmp_path / "d")
    assert ingest_paths(cfg, [log]).stored == 3
    with open_store(cfg) as store:
        assert store.events.kind == "embedded" and store.events.count() == 3
    with pytest.raises(ConfigError, match="'elastic'.*known: embedded"):
        ingest_paths(dataclasses.replace(cfg, store="elastic", data_dir=tmp_path / "e"), [log])
