"""Benchmark: hunting 100 k indicators (IPs, CIDRs, domains, URLs) over 10 M stored events, against a plain DuckDB
hash join of the same exact-match values, in the same run.

    python bench/ioc.py [--events 10000000] [--indicators 100000] [--threads N] [--keep DIR] [--no-index]

Writes reproducible firewall/proxy/DNS events as Parquet in the embedded store's layout (10 days) with the value
index the store's append writes beside each file and compaction merges (``soc.store.value_index``; timed apart),
then times
``EventStore.indicator_hits`` (the full hunt: exact IPs and CIDRs by one prefix join, domains with their subdomains by
a suffix join, URLs normalised, grouped per indicator/system/host with first/last times) and the baseline: one hash
join per field of the events with the exact values only (IPs, domains, URLs as given), grouped per value. Prints
both times (wall and process CPU), the hits, and the ratios hunt/baseline (target ≤ 3).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from soc.intel import table  # noqa: E402
from soc.intel.model import make  # noqa: E402
from soc.store import value_index  # noqa: E402
from soc.store.embedded import EventStore  # noqa: E402

DAYS = 10
IP_POOL, DOMAIN_POOL, URL_PATHS = 300_000, 120_000, 1_000


def ip_of(n: int) -> str:
    """The n-th address of a deterministic spread over public-looking space."""
    n = (n * 2654435761) % (2**32)
    a = 1 + (n >> 24) % 222
    return f"{a}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def write_events(root: Path, events: int, threads: int) -> None:
    con = duckdb.connect(config={"threads": threads})
    con.execute("SET TimeZone = 'UTC'")
    ip_macro(con)
    per_day = events // DAYS
    for day in range(DAYS):
        folder = root / "events" / "dataset=fortigate.traffic" / f"day=2026-11-{day + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        # integers drawn by hashing the row number: the same bytes every run
        con.execute(f"""
            COPY (
              SELECT TIMESTAMP '2026-11-{day + 1:02d}' + to_microseconds((i * 86400000000 // {per_day})::BIGINT)
                       AS "@timestamp",
                     md5(i::VARCHAR || '-{day}') AS "event.id",
                     'fortigate.traffic' AS "event.dataset",
                     'Hệ thống ' || (hash(i, 1) % 12)::VARCHAR AS "soc.system",
                     'fw-' || (hash(i, 2) % 4)::VARCHAR AS "host.name",
                     '10.' || (hash(i, 3) % 64)::VARCHAR || '.' || (hash(i, 4) % 256)::VARCHAR || '.'
                       || (hash(i, 5) % 254 + 1)::VARCHAR AS "source.ip",
                     ip_of(hash(i, 6) % {IP_POOL}) AS "destination.ip",
                     CASE WHEN hash(i, 7) % 3 = 0 THEN 'h' || (hash(i, 8) % 50)::VARCHAR || '.d'
                       || (hash(i, 9) % {DOMAIN_POOL})::VARCHAR || '.example' END AS "url.domain",
                     CASE WHEN hash(i, 7) % 3 = 0 THEN '/p/' || (hash(i, 9) % {DOMAIN_POOL} % {URL_PATHS})::VARCHAR END
                       AS "url.original",
                     CASE WHEN hash(i, 7) % 3 = 1 THEN 'q' || (hash(i, 11) % 20)::VARCHAR || '.d'
                       || (hash(i, 12) % {DOMAIN_POOL})::VARCHAR || '.example' END AS "dns.question.name"
              FROM range({per_day}) t(i)
            ) TO '{folder}/part-0.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)
        """)
    con.close()


def write_indexes(files: list, threads: int) -> None:
    """What ``EventStore.append`` writes beside each event file it stores (``soc.store.value_index``); the events
    here are generated straight to Parquet, so the bench writes them itself."""
    con = duckdb.connect(config={"threads": threads})
    for f in files:
        value_index.write(value_index.runner(con), f)
    con.close()


def ip_macro(con: duckdb.DuckDBPyConnection) -> None:
    """``ip_of`` in SQL (the same addresses as :func:`ip_of`)."""
    con.execute("CREATE MACRO ipv(n) AS (n::UBIGINT * 2654435761) % 4294967296")
    con.execute("""CREATE MACRO ip_of(n) AS (1 + (ipv(n) >> 24) % 222)::VARCHAR || '.' || ((ipv(n) >> 16) & 255)::VARCHAR
                   || '.' || ((ipv(n) >> 8) & 255)::VARCHAR || '.' || (ipv(n) & 255)::VARCHAR""")


def indicators(count: int) -> list:
    rnd = random.Random(18)
    out = []
    n_ip, n_cidr, n_dom = int(count * 0.4), int(count * 0.1), int(count * 0.3)
    for _ in range(n_ip):  # about one in ten is an address the events use
        out.append(make("ip", ip_of(rnd.randrange(IP_POOL * 10))))
    for _ in range(n_cidr):
        plen = rnd.choice((16, 20, 24, 24, 28, 30))
        out.append(make("ip", f"{ip_of(rnd.randrange(IP_POOL * 40))}/{plen}"))
    for _ in range(n_dom):  # registered domains (subdomains of them appear in events) and some exact hosts
        d = f"d{rnd.randrange(DOMAIN_POOL * 20)}.example"
        out.append(make("domain", d if rnd.random() < 0.7 else f"h{rnd.randrange(50)}.{d}"))
    while len(out) < count:
        d = rnd.randrange(DOMAIN_POOL * 5)  # a page of a host the events visit (path follows the domain)
        out.append(make("url", f"http://h{rnd.randrange(50)}.d{d}.example/p/{d % URL_PATHS}"))
    return out


def baseline(store: EventStore, inds: list, threads: int) -> tuple[float, float, int]:
    """Plain hash joins of each field with the exact values (no CIDR, no subdomain, URLs as stored)."""
    con = store.open_events(need=list(table.FIELDS["domain"]) + ["url.full"])
    con.execute(f"SET threads = {threads}")
    exact = [(i.kind, i.value) for i in inds if "/" not in i.value or i.kind == "url"]
    con.register("exact", _arrow(exact))
    sql = """
      SELECT value, count(*), min(ts), max(ts) FROM (
        SELECT "@timestamp" AS ts, "source.ip" AS v FROM events UNION ALL
        SELECT "@timestamp", "destination.ip" FROM events UNION ALL
        SELECT "@timestamp", "url.domain" FROM events UNION ALL
        SELECT "@timestamp", "dns.question.name" FROM events UNION ALL
        SELECT "@timestamp", "url.domain" || "url.original" FROM events
      ) e JOIN exact x ON e.v = x.value GROUP BY value"""
    start, cpu = time.perf_counter(), time.process_time()
    rows = con.execute(sql).fetchall()
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return took, cpu, sum(r[1] for r in rows)


def _arrow(pairs: list[tuple[str, str]]):
    import pyarrow as pa  # only the baseline needs it here

    return pa.table({"kind": [k for k, _ in pairs], "value": [v for _, v in pairs]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--indicators", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="Write the events here and keep them (a later run reuses them)")
    ap.add_argument("--no-index", action="store_true",
                    help="Do not write the value indexes the store's append writes (the hunt then reads every event "
                         "file twice)")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="soc-bench-ioc-"))
    try:
        if not (root / "events").is_dir():
            t0 = time.perf_counter()
            write_events(root, args.events, args.threads)
            print(f"generated {args.events:,} events in {time.perf_counter() - t0:.1f} s")
        store = EventStore(root)
        if args.no_index:  # a kept store's indexes from an earlier run
            for f in store.files():
                value_index.index_of(f).unlink(missing_ok=True)
            value_index.merged_of(store.root).unlink(missing_ok=True)
        missing = [f for f in store.files() if not value_index.index_of(f).is_file()]
        if missing and not args.no_index:
            t0, cpu = time.perf_counter(), time.process_time()
            write_indexes(missing, args.threads)
            print(f"value indexes of {len(missing)} event file(s), as the store's append writes them: "
                  f"{time.perf_counter() - t0:.1f} s ({time.process_time() - cpu:.1f} s CPU)")
            t0, cpu = time.perf_counter(), time.process_time()
            con = duckdb.connect(config={"threads": args.threads})
            value_index.merge(value_index.runner(con), store.root, store.files())
            con.close()
            print(f"store-wide value index, as compaction (cron) merges them: {time.perf_counter() - t0:.1f} s "
                  f"({time.process_time() - cpu:.1f} s CPU)")
        inds = indicators(args.indicators)
        base_s, base_cpu, base_hits = baseline(store, inds, args.threads)
        ind_table = table.to_table(inds)
        _threads(store, args.threads)
        t0, cpu = time.perf_counter(), time.process_time()
        rows = store.indicator_hits(ind_table, table.FIELDS, None, None)
        hunt_s, hunt_cpu = time.perf_counter() - t0, time.process_time() - cpu
        hits = sum(r["events"] for r in rows)
        print(f"indicators: {len(inds):,} ({sum(i.kind == 'ip' and '/' in i.value for i in inds):,} CIDRs)")
        print(f"baseline exact hash join: {base_s:.2f} s ({base_cpu:.2f} s CPU), {base_hits:,} event matches")
        print(f"full hunt (CIDR, subdomain, URL): {hunt_s:.2f} s ({hunt_cpu:.2f} s CPU), {hits:,} event matches in {len(rows):,} groups, "
              f"{len({r['ikey'] for r in rows}):,} indicators seen")
        print(f"ratio hunt/baseline: {hunt_s / base_s:.2f}x wall, {hunt_cpu / base_cpu:.2f}x CPU (target <= 3x; on a "
              "shared machine the CPU ratio is the steadier figure)")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def _threads(store: EventStore, threads: int) -> None:
    """The store's connections use every core by default; the bench pins both sides to ``threads``."""
    original = store.open_events

    def open_events(*a, **k):
        con = original(*a, **k)
        con.execute(f"SET threads = {threads}")
        return con

    store.open_events = open_events  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
