"""Benchmark: `soc ingest` throughput on combined-format access logs vs a plain Python regex loop (same run), then
every parser on 100 k lines each (bench/ingest_sources.py) and Windows .evtx records (bench/evtx.py).

    python bench/ingest.py [--lines 300000] [--baseline-only]

Prints lines/s for both and the ratio (target ≥ 0.4). The baseline only matches each line with the same regex and
keeps the groups: the floor of any Python parser. Ours also converts types, hashes ids, writes Parquet, checkpoints.
The per-parser table flags any parser under 30 k lines/s; the EVTX line gives records/s and the ratio to the evtx
package's own JSON dump of the same file.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ingest_sources  # noqa: E402  (this folder, first on sys.path when run as a script)

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.ingest.parser import get_parser  # noqa: E402

PATHS = ["/web/guest/tin-tuc", "/dvc/thu-tuc-hanh-chinh", "/api/hoso/tra-cuu", "/static/app.js", "/images/logo.png",
         "/web/guest/tim-kiem", "/c/portal/login", "/dvc/huong-dan"]
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
       "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"]


def make_log(path: Path, n: int, seed: int = 1, per_second: int = 10, start_hour: int = 0) -> None:
    rnd = random.Random(seed)
    with path.open("w") as fh:
        for i in range(n):
            ip = f"{rnd.choice([14, 27, 113, 171])}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
            t = i // per_second + start_hour * 3600
            ts = f"{1 + (t // 86400) % 28:02d}/Nov/2026:{(t // 3600) % 24:02d}:{(t // 60) % 60:02d}:{t % 60:02d} +0700"
            url = f"{rnd.choice(PATHS)}?id={rnd.randrange(100000)}"
            fh.write(f'{ip} - - [{ts}] "GET {url} HTTP/1.1" {rnd.choice([200, 200, 200, 304, 404])} '
                     f'{rnd.randrange(50000)} "-" "{rnd.choice(UAS)}"\n')


def baseline(path: Path, regex: str) -> float:
    rx = re.compile(regex)
    t0 = time.perf_counter()
    rows = []
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            m = rx.match(line.rstrip("\n"))
            if m:
                rows.append(m.groups())
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=300_000)
    ap.add_argument("--baseline-only", action="store_true", help="only the combined-format comparison")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-ingest-"))
    try:
        log = work / "access.log"
        make_log(log, args.lines)
        regex = get_parser("nginx_combined").patterns[0].regex
        base = min(baseline(log, regex) for _ in range(3))
        cfg = from_dict({}, data_dir=work / "data")
        t0 = time.perf_counter()
        summary = ingest_paths(cfg, [log], parser="nginx_combined")
        ours = time.perf_counter() - t0
        assert summary.stored == args.lines, summary
        print(f"lines:               {args.lines:,}")
        print(f"plain regex loop:    {args.lines / base:12,.0f} lines/s  ({base:.2f} s)")
        print(f"soc ingest:          {args.lines / ours:12,.0f} lines/s  ({ours:.2f} s, {summary.stored:,} stored)")
        print(f"ratio soc/baseline:  {base / ours:.2f}   (target >= 0.4)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not args.baseline_only:
        print("\nevery text parser, 100 k lines each (bench/ingest_sources.py):", flush=True)
        ingest_sources.report()
        print("\nWindows .evtx, 100 k records (bench/evtx.py):", flush=True)
        subprocess.run([sys.executable, str(Path(__file__).with_name("evtx.py"))], check=True)


if __name__ == "__main__":
    main()
