"""Benchmark: `soc ingest` into a real OpenSearch/Elasticsearch node vs the client's own ``parallel_bulk`` of the
same documents (pre-built, same run), then every shipped rule over those events on the cluster and on the embedded
store.

    python bench/store_elastic.py [--events 1000000] [--engine opensearch|elasticsearch] [--url URL]

The events are the demo province's (portal and public-service access logs, auth.log, with its incidents) over a week,
at a volume giving about ``--events`` lines. Without --url it starts a node with scripts/test-node in a temporary
folder and stops it at the end (with --url the run writes under namespaces of its own, so runs never collide).
Prints events/s of both ingests and the ratio ours/baseline (target ≥ 0.7), then the seconds of a scan with every
shipped rule on each store and whether both stores raised the same alerts (rule, group key, first/last time, event
count).
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
from soc.demo import _write as write_demo  # noqa: E402
from soc.demo import build_lines, demo_config  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.store.cluster import schema  # noqa: E402
from soc.store.cluster.docs import parse_time  # noqa: E402
from soc.store.registry import open_store  # noqa: E402
from soc.triage.intake import scan  # noqa: E402

DAYS = 7
BASE_EVENTS, EVENTS_PER_VOLUME = 30_000, 14.1  # a week of the demo: about 30 k events plus 14.1 per unit of volume


def write_logs(folder: Path, events: int) -> list[Path]:
    """The demo province's logs over a week, about ``events`` lines in all."""
    volume = max(200, round((events - BASE_EVENTS) / EVENTS_PER_VOLUME))
    return write_demo(folder, build_lines(DAYS, 7, None, volume))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--engine", default="opensearch", choices=["opensearch", "elasticsearch"])
    ap.add_argument("--url")
    ap.add_argument("--heap", default="2g", help="heap of the node the bench starts (a million events need more "
                    "than the tests' 512m)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-", dir="/tmp"))
    os.chmod(work, 0o755)
    node_dir = work / "node"
    url = args.url
    try:
        if not url:
            url = subprocess.run([str(ROOT / "scripts" / "test-node"), args.engine, str(node_dir)], check=True,
                                 capture_output=True, text=True, env={**os.environ, "SOC_TEST_NODE_HEAP": args.heap}
                                 ).stdout.strip().splitlines()[-1]
        logs = write_logs(work / "logs", args.events)
        province = demo_config(work / "province").raw  # the demo's systems, so alerts name them

        run = f"{os.getpid()}x{int(time.time()) % 100000}"

        def cfg(name: str, kind: str):
            raw = {**province, "store": {"kind": kind, "hosts": [url], "namespace": f"{name}{run}"}}
            return from_dict(raw, data_dir=work / name)

        ours, base, local = cfg("ours", args.engine), cfg("base", args.engine), cfg("local", "embedded")
        for c in (ours, base):
            with open_store(c) as st:
                schema.init(st.events.conn, st.events.prefix, 365)
        t = time.perf_counter()
        summary = ingest_paths(ours, logs)
        ours_s = time.perf_counter() - t
        with open_store(ours) as st, open_store(base) as other:
            docs = list(st.events.scan({"match_all": {}}))  # the same documents, pre-built for the baseline
            conn = st.events.conn
            actions = [{"_op_type": "create", "_id": d["event.id"], "_source": d,
                        "_index": other.events.index_of({**d, "@timestamp": parse_time(d.get("@timestamp"))})}
                       for d in docs]
        helpers = __import__("opensearchpy.helpers" if args.engine == "opensearch" else "elasticsearch.helpers",
                             fromlist=["parallel_bulk"])
        t = time.perf_counter()
        for ok, item in helpers.parallel_bulk(conn.client, actions, thread_count=4, chunk_size=2000,  # as ours
                                              raise_on_error=False):
            assert ok, item
        base_s = time.perf_counter() - t
        n = summary.stored
        print(f"{args.engine}: {n} events; soc ingest {n / ours_s:,.0f} ev/s ({ours_s:.1f} s), "
              f"parallel_bulk {len(actions) / base_s:,.0f} ev/s ({base_s:.1f} s), "
              f"ratio {(n / ours_s) / (len(actions) / base_s):.2f}")
        del actions, docs
        ingest_paths(local, logs)
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
