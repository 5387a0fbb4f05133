"""Benchmark: a busy day in one partition vs the same number of lines spread over many days (same run).

    python bench/store_day.py [--lines 2000000]

Every chunk stored checks its event ids against the partition's files. Before those checks were limited to files
whose time range meets the chunk's, each chunk of a busy day read every id the day held so far: the ratio below was
0.81 at 2 M lines and fell as the day grew (a 3 M-line day took 42 s, now 26 s). Prints lines/s for both and the
ratio busy/spread (about 1.0 when storing does not slow down as the day fills).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import make_log  # noqa: E402

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402


def rate(log: Path, data: Path, lines: int) -> float:
    t0 = time.perf_counter()
    summary = ingest_paths(from_dict({}, data_dir=data), [log], parser="nginx_combined")
    assert summary.stored == lines, summary
    return lines / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=2_000_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-day-"))
    try:
        busy, spread = work / "busy.log", work / "spread.log"
        per_second = -(-args.lines // (16 * 3600))  # within 07:00-23:00 local: one UTC day
        make_log(busy, args.lines, per_second=per_second, start_hour=7)
        make_log(spread, args.lines, per_second=1)  # a day holds 86 400 lines: a chunk or two
        spread_rate = rate(spread, work / "data-spread", args.lines)
        busy_rate = rate(busy, work / "data-busy", args.lines)
        print(f"lines:                {args.lines:,} ({per_second} per second on the busy day)")
        print(f"spread over days:     {spread_rate:12,.0f} lines/s")
        print(f"one busy day:         {busy_rate:12,.0f} lines/s")
        print(f"ratio busy/spread:    {busy_rate / spread_rate:.2f}   (about 1.0: storing keeps its pace)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
