"""Compaction merges many small partition files into one, atomically for readers, losing and duplicating nothing."""

from __future__ import annotations

import os
import time

from soc.enrich.pipeline import ingest_paths
from soc.store import EventStore, StateDB
from soc.store.compact import compact
from soc.triage.intake import scan as run_scan

LINE = '203.0.113.{n} - - [20/Nov/2026:10:00:{s:02d} +0700] "GET /.git/config?{n} HTTP/1.1" 200 {n} "-" "curl"\n'


def _ingest_many(cfg, tmp_path, files: int) -> None:
    for i in range(files):
        log = tmp_path / f"a{i}.log"
        log.write_text("".join(LINE.format(n=i * 10 + k, s=k) for k in range(10)))
        ingest_paths(cfg, [log])


def _age(store: EventStore) -> None:
    old = time.time() - 7200
    for f in store.root.rglob("*.parquet"):
        os.utime(f, (old, old))


def test_compaction_keeps_every_event_once(cfg, tmp_path):
    _ingest_many(cfg, tmp_path, 10)
    store = EventStore(cfg.data_dir)
    run_scan(cfg)
    before = StateDB(cfg.data_dir / "state.db").alert_count()
    reader = store.open_events()  # a reader listed the old files before compaction
    assert len(store.files()) == 10
    _age(store)
    summary = compact(store, min_files=8)
    assert (summary.partitions, summary.files_before, summary.files_after) == (1, 10, 1)
    assert len(store.files()) == 1
    assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 100  # old generation still readable
    con = store.open_events()
    assert con.execute('SELECT count(*), count(DISTINCT "event.id") FROM events').fetchone() == (100, 100)
    run_scan(cfg, full=True)
    assert StateDB(cfg.data_dir / "state.db").alert_count() == before  # same events, same alert ids
    _ingest_many(cfg, tmp_path, 10)  # re-ingesting the same lines after compaction stores nothing
    assert store.count() == 100


def test_recent_or_few_files_are_left_alone_and_old_generations_collected(cfg, tmp_path):
    _ingest_many(cfg, tmp_path, 3)
    store = EventStore(cfg.data_dir)
    assert compact(store, min_files=8).partitions == 0
    _ingest_many(cfg, tmp_path, 10)  # 10 files, but fresh
    assert compact(store, min_files=8).partitions == 0
    _age(store)
    assert compact(store, min_files=8).partitions == 1
    assert compact(store, min_files=8, grace=0).removed_generations == 1  # the retired generation
    assert store.count() == 100
