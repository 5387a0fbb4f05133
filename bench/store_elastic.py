"""Benchmark: `soc ingest` into a real OpenSearch/Elasticsearch node vs the client's own ``parallel_bulk`` of the
same documents (pre-built, same run), and a scan of every shipped rule on the cluster vs the embedded store.

    python bench/store_elastic.py [--lines 1000000] [--engine opensearch|elasticsearch] [--url URL]

Without --url it starts a node with scripts/test-node in a temporary folder and stops it at the end (with --url the
run writes under namespaces of its own, so runs never collide). Prints events/s of both ingests and the ratio
ours/baseline (target ≥ 0.7), then the seconds of a scan with every shipped rule on each store and whether both
stores raised the same alerts (rule, group key, first/last time, event count).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.store.cluster import schema  # noqa: E402
from soc.store.registry import open_store  # noqa: E402
from soc.triage.intake import scan  # noqa: E402


def write_log(path: Path, n: int) -> None:
    """An nginx access log of ``n`` lines: a province portal's day, some scanners among the citizens."""
    agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Mozilla/5.0 (Linux; Android 14)", "sqlmap/1.7"]
    paths = ["/", "/tin-tuc/{i}", "/dich-vu-cong/ho-so?id={i}", "/.env", "/wp-login.php", "/search?q=%27+OR+1%3D1--"]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):  # about one line in a hundred is an attack
            p = paths[3 + i // 97 % 3 if i % 97 == 0 else i % 3].format(i=i)
            fh.write(f'203.113.{i % 211}.{i % 251} - - [24/Nov/2026:{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:'
                     f'{i % 60:02d} +0700] "GET {p} HTTP/1.1" {200 if i % 13 else 404} {i % 5000} "-" '
                     f'"{agents[2 if i % 89 == 0 else i % 2]}"\n')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--engine", default="opensearch", choices=["opensearch", "elasticsearch"])
    ap.add_argument("--url")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-", dir="/tmp"))
    os.chmod(work, 0o755)
    node_dir = work / "node"
    url = args.url
    try:
        if not url:
            url = subprocess.run([str(ROOT / "scripts" / "test-node"), args.engine, str(node_dir)], check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
        log = work / "access.log"
        write_log(log, args.lines)

        run = f"{os.getpid()}x{int(time.time()) % 100000}"

        def cfg(name: str, kind: str):
            raw = {"store": {"kind": kind, "hosts": [url], "namespace": f"{name}{run}"}}
            return from_dict(raw, data_dir=work / name)

        ours, base, local = cfg("ours", args.engine), cfg("base", args.engine), cfg("local", "embedded")
        for c in (ours, base):
            with open_store(c) as st:
                schema.init(st.events.conn, st.events.prefix, 365)
        t = time.perf_counter()
        summary = ingest_paths(ours, [log])
        ours_s = time.perf_counter() - t
        with open_store(ours) as st:
            docs = list(st.events.scan({"match_all": {}}))  # the same documents, pre-built for the baseline
            index_of = st.events.index_of
            conn = st.events.conn
            from soc.store.cluster.docs import parse_time  # deferred: only the baseline needs it

            actions = [{"_op_type": "create", "_id": d["event.id"], "_source": d,
                        "_index": index_of({**d, "@timestamp": parse_time(d.get("@timestamp"))}).replace(
                            f"soc-ours{run}-", f"soc-base{run}-")} for d in docs]
        helpers = __import__("opensearchpy.helpers" if args.engine == "opensearch" else "elasticsearch.helpers",
                             fromlist=["parallel_bulk"])
        t = time.perf_counter()
        for ok, item in helpers.parallel_bulk(conn.client, actions, thread_count=2, chunk_size=2000,
                                              raise_on_error=False):
            assert ok, item
        base_s = time.perf_counter() - t
        n = summary.stored
        print(f"{args.engine}: {n} events; soc ingest {n / ours_s:,.0f} ev/s ({ours_s:.1f} s), "
              f"parallel_bulk {len(actions) / base_s:,.0f} ev/s ({base_s:.1f} s), "
              f"ratio {(n / ours_s) / (len(actions) / base_s):.2f}")
        del actions, docs
        ingest_paths(local, [log])
        found = {}
        for name, c in (("embedded", local), (args.engine, ours)):
            t = time.perf_counter()
            result = scan(c)
            seconds = time.perf_counter() - t
            with open_store(c) as st:
                found[name] = {(a["rule_id"], a["group_key"], a["first_time"], a["last_time"], a["event_count"])
                               for a in st.state.alerts()}
            print(f"scan on {name}: {seconds:.1f} s, {result.rules} rules, {len(found[name])} alerts"
                  + (f", errors: {result.errors[:3]}" if result.errors else ""))
        same = found["embedded"] == found[args.engine]
        print(f"same alerts on both stores: {'yes' if same else 'NO'} "
              f"({len(found['embedded'] - found[args.engine])} only embedded, "
              f"{len(found[args.engine] - found['embedded'])} only {args.engine})")
    finally:
        if not args.url:
            subprocess.run([str(ROOT / "scripts" / "test-node"), "stop", str(node_dir)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
