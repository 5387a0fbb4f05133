"""Benchmark: detection throughput (events × rules per second) of our DuckDB backend vs pySigma's SQLite backend.

Generates N synthetic events (mostly nginx access, some auth.log) spread over ``--days`` day partitions (a year of
history) straight into a Parquet event store, runs ``run_scan(full=True)`` with every shipped rule, then the
incremental scan of one new day's events (N / days) with all rules against the same rules over a store holding only
that day, then the detection (non-correlation) rules converted by pySigma's official SQLite backend over the same
events in SQLite, and prints both rates and their ratio.

    python bench/scan.py [--events 1000000] [--days 365] [--seed 7]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

from soc import paths
from soc.config import from_dict
from soc.detect.backend import DuckDBBackend
from soc.detect.pipeline import ecs_pipeline
from soc.detect.rules import compile_rules, rule_files
from soc.store.duck import connect
from soc.store.embedded import EventStore
from soc.store.events_api import ArrowBatch
from soc.triage.intake import scan as run_scan

PATHS = ["/", "/tin-tuc/chinh-sach-moi.html", "/van-ban/quyet-dinh-123.pdf", "/dich-vu-cong/nop-ho-so", "/lien-he",
         "/static/js/app.js", "/static/css/site.css", "/images/logo.png", "/search?q=thu+tuc+dat+dai",
         "/tin-tuc?id=42", "/uploads/2026/11/bao-cao.pdf", "/api/v1/status"]
ATTACKS = ["/.git/config", "/download.php?file=../../etc/passwd", "/tin-tuc?id=1%20UNION%20SELECT%201,2",
           "/tin-tuc/no-hu-uy-tin.html", "/uploads/shell.php?cmd=id", "/.env"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)",
          "curl/8.5.0", "Googlebot/2.1", "sqlmap/1.7.2#stable"]


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def generate(data_dir: Path, n: int, seed: int, days: int = 1, first_day: int = 0) -> None:
    """Write ``n`` events (≈95 % nginx.access, 5 % system.auth; ~0.2 % attacks) spread over ``days`` day
    partitions from ``first_day`` (days after 2025-11-25); each day's events are ingested the day after it."""
    con = connect()
    start = f"TIMESTAMP '2025-11-25 00:00:00' + INTERVAL {int(first_day)} DAY"
    span = days * 86_400_000_000
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
    n_auth = n // 20
    con.execute(f"""
        CREATE TABLE web AS SELECT
          'w{first_day}-' || i AS "event.id", 'nginx.access' AS "event.dataset",
          {start} + to_microseconds((i * {span} // {n - n_auth})::BIGINT) AS "@timestamp",
          date_trunc('day', {start} + to_microseconds((i * {span} // {n - n_auth})::BIGINT)) + INTERVAL 1 DAY
            AS "event.ingested",
          '10.' || (i % 200) || '.' || (i * 7 % 250) || '.' || (i * 13 % 250) AS "source.ip",
          CASE WHEN random() < 0.002 THEN {_sql_list(ATTACKS)}[1 + (i % {len(ATTACKS)})]
               ELSE {_sql_list(PATHS)}[1 + (i % {len(PATHS)})] END AS "url.original",
          CASE WHEN random() < 0.0005 THEN {_sql_list(AGENTS)}[5] ELSE {_sql_list(AGENTS)}[1 + (i % 4)] END
            AS "user_agent.original",
          CASE WHEN i % 10 = 0 THEN 404 ELSE 200 END AS "http.response.status_code",
          'GET' AS "http.request.method"
        FROM range({n - n_auth}) t(i)""")
    con.execute("""
        CREATE TABLE web2 AS SELECT *, nullif(split_part("url.original", '?', 1), '') AS "url.path",
          nullif(regexp_extract("url.original", '\\?(.*)', 1), '') AS "url.query",
          "source.ip" || ' - - "GET ' || "url.original" || ' HTTP/1.1" ' || "http.response.status_code" AS "event.original"
        FROM web""")
    con.execute(f"""
        CREATE TABLE auth AS SELECT
          'a{first_day}-' || i AS "event.id", 'system.auth' AS "event.dataset",
          {start} + to_microseconds((i * {span} // {n_auth})::BIGINT) AS "@timestamp",
          date_trunc('day', {start} + to_microseconds((i * {span} // {n_auth})::BIGINT)) + INTERVAL 1 DAY
            AS "event.ingested",
          CASE WHEN i % 500 < 40 THEN '203.0.113.' || (i // 500 % 50) ELSE '10.9.' || (i % 100) || '.1' END AS "source.ip",
          CASE WHEN i % 500 < 40 THEN 'Failed' ELSE 'Accepted' END AS "system.auth.ssh.event",
          'password' AS "system.auth.ssh.method",
          CASE WHEN i % 500 < 40 THEN 'user' || (i % 7) ELSE 'ops' END AS "user.name",
          'sshd' AS "process.name",
          'sshd[1]: ' || CASE WHEN i % 500 < 40 THEN 'Failed' ELSE 'Accepted' END || ' password' AS "event.original"
        FROM range({n_auth}) t(i)""")
    con.execute("CREATE TABLE batch AS SELECT * FROM web2 UNION ALL BY NAME SELECT * FROM auth")
    store = EventStore(data_dir)
    with store.write_lock():
        store.append(ArrowBatch(con.table("batch").to_arrow_table()))


def sqlite_rate(data_dir: Path, n: int) -> tuple[float, int, list[str]]:
    """Seconds for the detection rules via pySigma's SQLite backend, rules run, and rules skipped."""
    con = EventStore(data_dir).open_events()
    cols = [d[0] for d in con.execute("SELECT * FROM events LIMIT 0").description]
    cols = [c for c in cols if not con.execute(f'SELECT typeof("{c}") FROM events LIMIT 1').fetchone()[0].endswith("[]")]
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None, deterministic=True)
    db.execute("CREATE TABLE logs (" + ", ".join(f'"{c}" COLLATE NOCASE' for c in cols) + ")")
    cur = con.execute("SELECT " + ", ".join(f'"{c}"' for c in cols) + " FROM events")
    while rows := cur.fetchmany(100_000):
        db.executemany(f"INSERT INTO logs VALUES ({','.join('?' * len(cols))})", rows)
    queries, skipped = [], []
    for path in rule_files():
        coll = SigmaCollection.from_yaml(path.read_text(), resolve_references=False)
        for rule in coll.rules:
            if not hasattr(rule, "detection") or (path.stem != rule.name and rule.name):
                skipped.append(f"{path.stem}:{rule.name or rule.title}")
                continue
            queries.extend(sqliteBackend(ecs_pipeline(), collate_nocase=True).convert(SigmaCollection([rule])))
    started = time.perf_counter()
    for q in queries:
        db.execute(q.replace("SELECT *", "SELECT count(*)", 1)).fetchone()
    return time.perf_counter() - started, len(queries), skipped


def duckdb_detection_seconds(data_dir: Path, names: set[str]) -> float:
    """Seconds for the same detection rules with our backend (query time only, as for SQLite)."""
    con = EventStore(data_dir).open_events()
    queries = []
    for path in rule_files():
        if path.stem in names:
            queries.extend(DuckDBBackend(ecs_pipeline()).convert(SigmaCollection.from_yaml(path.read_text())))
    started = time.perf_counter()
    for q in queries:
        con.execute(q.replace("SELECT *", "SELECT count(*)", 1)).fetchone()
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=365, help="day partitions the events are spread over")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soc-bench-") as tmp:
        data_dir = Path(tmp) / "year"
        t = time.perf_counter()
        generate(data_dir, args.events, args.seed, days=args.days)
        n_files = len(EventStore(data_dir).files())
        print(f"generated {args.events:,} events over {args.days} days ({n_files} files) in "
              f"{time.perf_counter() - t:.1f}s")
        n_rules = len(compile_rules(paths.rules_dir()).rules)
        summary = run_scan(from_dict({}, data_dir=data_dir), full=True)
        scan_rate = args.events * n_rules / summary.seconds
        print(f"soc scan --full : {n_rules} rules (incl. correlations), {summary}")
        print(f"                  {scan_rate:,.0f} events×rules/s (end to end, alerts written)")
        day = max(1, args.events // args.days)
        generate(data_dir, day, args.seed, first_day=args.days)
        incremental = run_scan(from_dict({}, data_dir=data_dir))
        print(f"one new day ({day:,} events) after {args.days} days, incremental: {incremental} "
              f"— {incremental.files_read} of {len(EventStore(data_dir).files())} files read")
        alone = Path(tmp) / "day"
        generate(alone, day, args.seed, first_day=args.days)
        shutil.copytree(data_dir / "cache", alone / "cache")  # the same compiled rules
        single = run_scan(from_dict({}, data_dir=alone), full=True)
        print(f"the same day alone in a one-partition store, full: {single}")
        print(f"  year-deep incremental / one-day store: {incremental.seconds / single.seconds:.2f}× the time")
        sq_seconds, sq_rules, skipped = sqlite_rate(data_dir, args.events)
        names = {p.stem for p in rule_files()} - {s.split(":")[0] for s in skipped}
        dk_seconds = duckdb_detection_seconds(data_dir, names)
        dk_rate, sq_rate = args.events * sq_rules / dk_seconds, args.events * sq_rules / sq_seconds
        print(f"detection rules : {sq_rules} (skipped for SQLite: {', '.join(skipped)})")
        print(f"  DuckDB backend: {dk_seconds:7.2f}s  {dk_rate:,.0f} events×rules/s")
        print(f"  SQLite backend: {sq_seconds:7.2f}s  {sq_rate:,.0f} events×rules/s")
        print(f"  ratio         : {sq_seconds / dk_seconds:.1f}× (target ≥ 5×)")


if __name__ == "__main__":
    main()
