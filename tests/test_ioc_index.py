"""The value index the embedded store writes beside each event file (``soc.store.value_index``): a hunt that reads
the indexes finds exactly what a hunt reading every event does — all files indexed, none, some, with a store-wide
index covering some, in a time window, after compaction (which indexes the merged file and writes the store-wide
index) — with IPv6/CIDR, list, hash, subdomain and URL matches."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pyarrow as pa

from soc.intel import table
from soc.intel.model import make
from soc.store.compact import compact
from soc.store.duck import connect
from soc.store.embedded import EventStore
from soc.store.events_api import ArrowBatch
from soc.store.value_index import index_of, merge, merged_of, runner

SHA = "AB" * 32
ROWS = [("2001:db8::1", None, None, None, None, None), ("2001:DB8:0:0::abcd", None, None, None, None, None),
        ("192.0.2.6", None, None, None, None, None), ("192.0.2.8", None, None, None, None, None),
        (None, SHA, ["Boss <x>", "lure@evil-mail.example"], None, None, None),
        (None, None, None, "cdn.evil.example", "HTTP://Cdn.Evil.Example:80/a?b=1", None),
        (None, None, None, "www.evil.example", None, "/a?b=1"), (None, None, None, "notevil.example", None, None)]
INDICATORS = [make("ip", "2001:db8::1"), make("ip", "2001:0db8:0000::/64"), make("ip", "192.0.2.4/30"),
              make("hash", SHA.lower()), make("email", "lure[at]evil-mail[.]example"),
              make("domain", "evil[.]example"), make("url", "hxxps://cdn.evil[.]example/a?b=1"),
              make("url", "www.evil.example/a?b=1")]


def _store(root, days: int = 3, tag: str = "") -> EventStore:
    """The same rows on each of ``days`` days, one append (one event file) per day and row half."""
    store = EventStore(root)
    for day in range(days):
        for half in (ROWS[:4], ROWS[4:]):
            batch = pa.table({
                "@timestamp": [datetime(2026, 11, 20 + day, 1, i) for i in range(len(half))],
                "event.id": [f"{tag}d{day}-{r[0] or r[1] or r[3]}" for r in half],
                "event.dataset": ["t"] * len(half),
                "source.ip": [r[0] for r in half], "file.hash.sha256": [r[1] for r in half],
                "email.from.address": pa.array([r[2] for r in half], pa.list_(pa.string())),
                "url.domain": [r[3] for r in half], "url.full": [r[4] for r in half],
                "url.original": [r[5] for r in half]})
            with store.write_lock():
                store.append(ArrowBatch(batch))
    return store


def _hunt(store: EventStore, since: datetime | None = None) -> list[dict]:
    return store.indicator_hits(table.to_table(INDICATORS), table.FIELDS, since, None)


def test_hunt_reads_indexes_and_finds_what_reading_the_events_finds(tmp_path):
    store = _store(tmp_path / "a")
    files = store.files()
    assert len(files) == 6 and all(index_of(f).is_file() for f in files)  # the append wrote them
    indexed = _hunt(store)
    window = _hunt(store, datetime(2026, 11, 21))
    assert {h["ikey"] for h in indexed} == {i.key for i in INDICATORS}
    assert {(h["ikey"], h["observed"]) for h in indexed} >= {
        ("ip:2001:db8::/64", "2001:DB8:0:0::abcd"), ("domain:evil.example", "cdn.evil.example"),
        ("url:www.evil.example/a?b=1", "www.evil.example/a?b=1"), ("email:lure@evil-mail.example", "lure@evil-mail.example")}
    assert sum(h["events"] for h in window) * 3 == sum(h["events"] for h in indexed) * 2  # two days of three

    con = connect()
    assert merge(runner(con), store.root, files[:4]) == 4  # store-wide: four files, two with their own index
    assert merged_of(store.root).is_file()
    assert _hunt(store) == indexed and _hunt(store, datetime(2026, 11, 21)) == window
    index_of(files[5]).unlink()  # and one with neither
    assert _hunt(store) == indexed and _hunt(store, datetime(2026, 11, 21)) == window
    assert merge(runner(con), store.root, files) == 5  # the one with an index added; files[5] still read
    assert _hunt(store) == indexed and _hunt(store, datetime(2026, 11, 21)) == window
    assert merge(runner(con), store.root, files[1:]) == 4  # a file gone from the store is no longer named
    merged_of(store.root).unlink()

    index_of(files[0]).unlink()  # some files without an index
    index_of(files[3]).unlink()
    assert _hunt(store) == indexed and _hunt(store, datetime(2026, 11, 21)) == window
    for f in files:  # none
        index_of(f).unlink(missing_ok=True)
    assert _hunt(store) == indexed and _hunt(store, datetime(2026, 11, 21)) == window


def test_compaction_indexes_the_merged_file(tmp_path):
    store = _store(tmp_path / "b", days=1)
    for n in range(3):  # more files in the one partition
        _store(tmp_path / "b", days=1, tag=f"r{n}")
    before = _hunt(store)
    assert sum(h["events"] for h in before) == 4 * sum(h["events"] for h in _hunt(_store(tmp_path / "c", days=1)))
    old = time.time() - 7200
    for f in store.root.rglob("*.parquet"):
        os.utime(f, (old, old))
    assert compact(store, min_files=4).files_after == 1
    merged = store.files()
    assert len(merged) == 1 and index_of(merged[0]).is_file()
    assert _hunt(store) == before
    index_of(merged[0]).unlink()  # the store-wide index compaction wrote covers it
    assert merged_of(store.root).is_file() and _hunt(store) == before
