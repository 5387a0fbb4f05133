"""Benchmark: the monthly monitoring report over ≥ 10 M events in the embedded store (target < 30 s).

    python bench/report.py [--events 10000000] [--alerts 20000]

Generates a month of events (Parquet partitions, dataset/day) and alerts with audit rows, then times the whole
report (data step + DOCX, PDF, XLSX, MD, JSON). Baseline in the same run: one bare DuckDB GROUP BY over the same
files (the floor of any aggregation); the ratio shows what the report adds on top of the scan itself.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soc.config import from_dict  # noqa: E402
from soc.report.monitoring import annex_frames, build_monitoring, monitoring_document  # noqa: E402
from soc.report.writer import write_report  # noqa: E402
from soc.store import EventStore, StateDB  # noqa: E402
from soc.store.duck import connect  # noqa: E402
from soc.store.events_api import ArrowBatch  # noqa: E402

MONTH = (date(2026, 10, 1), date(2026, 10, 31))
SYSTEMS = ["Cổng thông tin điện tử tỉnh", "Cổng dịch vụ công tỉnh", "LGSP", "Thư điện tử công vụ"]
RULES = [("r-sqli", "SQL Injection", "high", ["attack.t1190"]), ("r-brute", "SSH Brute Force", "high",
         ["attack.t1110"]), ("r-scan", "Scanner", "medium", ["attack.t1595"]),
         ("r-seo", "Gambling SEO", "high", ["attack.t1491.002"]), ("r-dump", "Dump", "critical", ["attack.t1213"])]


def generate_events(data_dir: Path, n: int) -> None:
    con = connect()
    days = (MONTH[1] - MONTH[0]).days + 1
    span = days * 86_400_000_000
    systems = "[" + ", ".join(f"'{s}'" for s in SYSTEMS) + "]"
    con.execute(f"""
        CREATE TABLE batch AS SELECT
          md5(i::VARCHAR) AS "event.id",
          CASE WHEN i % 20 = 0 THEN 'system.auth' ELSE 'nginx.access' END AS "event.dataset",
          TIMESTAMP '2026-09-30 17:00:00' + to_microseconds((i::HUGEINT * {span} // {n})::BIGINT) AS "@timestamp",
          TIMESTAMP '2026-11-01 00:00:00' AS "event.ingested",
          {systems}[1 + (i % 4)] AS "soc.system",
          '14.' || (i % 250) || '.' || (i * 7 % 250) || '.' || (i * 13 % 250) AS "source.ip",
          CASE WHEN i % 10 = 0 THEN 404 ELSE 200 END AS "http.response.status_code",
          '/dvc/thu-tuc/' || (i % 1000) AS "url.original"
        FROM range({n}) t(i)""")
    store = EventStore(data_dir)
    with store.write_lock():
        store.append(ArrowBatch(con.table("batch").to_arrow_table()))
    con.close()


def generate_alerts(data_dir: Path, n: int) -> None:
    rnd = random.Random(5)
    db = StateDB(data_dir / "state.db")
    start = datetime(2026, 9, 1, tzinfo=UTC)  # September too: the previous period of the trend
    with db.tx() as con:
        for i in range(n):
            rule = rnd.choice(RULES)
            t = start + timedelta(seconds=rnd.randrange(61 * 86400))
            iso = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            status = rnd.choice(["new", "acknowledged", "resolved", "resolved"])
            con.execute(
                "INSERT INTO alerts(id, rule_id, rule_title, rule_level, rule_tags, first_time, last_time, event_ids,"
                " event_count, system, source_ip, status, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (f"a{i}", rule[0], rule[1], rule[2], str(rule[3]).replace("'", '"'), iso, iso, '["x"]', 1,
                 rnd.choice(SYSTEMS), f"203.0.113.{rnd.randrange(255)}", status, iso, iso))
            if status != "new":
                later = (t + timedelta(minutes=rnd.randrange(5, 600))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                con.execute("INSERT INTO audit(at, actor, object_type, object_id, action, before, after) "
                            "VALUES (?, 'bench', 'alert', ?, 'update', '{}', ?)", (later, f"a{i}", f'{{"status": "{status}"}}'))
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--alerts", type=int, default=20_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-report-"))
    try:
        t0 = time.perf_counter()
        generate_events(work, args.events)
        generate_alerts(work, args.alerts)
        print(f"generated {args.events:,} events and {args.alerts:,} alerts in {time.perf_counter() - t0:.1f} s")
        cfg = from_dict({"province": {"name": "Tỉnh Demo"}}, data_dir=work)

        t0 = time.perf_counter()
        con = EventStore(work).open_events()
        con.execute('SELECT "event.dataset", "soc.system", count(*) FROM events GROUP BY ALL').fetchall()
        baseline = time.perf_counter() - t0

        t0 = time.perf_counter()
        m = build_monitoring(cfg, *MONTH)
        data_step = time.perf_counter() - t0
        paths = write_report(monitoring_document(cfg, m), annex_frames(m), work / "reports", "bench")
        total = time.perf_counter() - t0
        events = int(m.current.events_by_dataset["events"].sum())
        print(f"events in the month:     {events:,}")
        print(f"baseline GROUP BY:       {baseline:6.2f} s")
        print(f"report data step:        {data_step:6.2f} s  (this month + previous month)")
        print(f"report, all formats:     {total:6.2f} s  ({', '.join(sorted(paths))})   target < 30 s")
        print(f"ratio report/baseline:   {total / baseline:6.1f}×")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
