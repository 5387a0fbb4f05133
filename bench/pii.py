"""Benchmark: the cost of the personal-data enricher on ingest (same run, same log, enrichers on vs off).

    python bench/pii.py [--lines 200000] [--share 0.02]

A combined-format access log where ``--share`` of the requests carry identifiers (citizen numbers, phones, e-mails)
and the rest carry look-alike numbers (dossier codes, timestamps). Prints lines/s with and without the enrichers, the
ratio (target >= 0.8: the DuckDB prefilter keeps Python validation to the rows that may hold an identifier) and the
rows validated in Python.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soc.config import from_dict  # noqa: E402
from soc.enrich import default_enrichers, pii  # noqa: E402
from soc.ingest.engine import ingest_paths  # noqa: E402
from soc.store.workspace import Enrichers  # noqa: E402

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"


def make_log(path: Path, n: int, share: float, seed: int = 1) -> None:
    rnd = random.Random(seed)
    with path.open("w") as fh:
        for i in range(n):
            t = i // 10
            ts = f"{1 + (t // 86400) % 28:02d}/Nov/2026:{(t // 3600) % 24:02d}:{(t // 60) % 60:02d}:{t % 60:02d} +0700"
            if rnd.random() < share:
                cccd = f"0{rnd.choice(['01', '36', '79'])}2{rnd.randint(0, 9):02d}{rnd.randrange(10**6):06d}"
                url = f"/dvc/tra-cuu?cccd={cccd}&sdt=09{rnd.randrange(10**8):08d}&email=a{i}%40gmail.com"
            else:
                url = rnd.choice([f"/api/hoso/tra-cuu?maHoSo=000.00.12.H99-241124-{i % 9999:04d}",
                                  f"/documents/1/0/{i}-QD.pdf?t={1_760_000_000_000 + i}", "/web/guest/tin-tuc",
                                  f"/image/journal/article?img_id={rnd.randrange(10**6)}"])
            fh.write(f'14.{i % 250}.1.{i % 200 + 1} - - [{ts}] "GET {url} HTTP/1.1" 200 {rnd.randrange(50000)} '
                     f'"-" "{UA}"\n')


def run(log: Path, data: Path, lines: int, enrichers: Enrichers) -> float:
    t0 = time.perf_counter()
    summary = ingest_paths(from_dict({}, data_dir=data), [log], parser="nginx_combined", enrichers=enrichers)
    assert summary.stored == lines, summary
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--share", type=float, default=0.02)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-pii-"))
    calls = {"n": 0}
    find = pii.find

    def counting_find(*a, **k):
        calls["n"] += 1
        return find(*a, **k)

    try:
        log = work / "access.log"
        make_log(log, args.lines, args.share)
        shipped = default_enrichers()
        off = run(log, work / "off", args.lines, Enrichers(columns=shipped.columns))  # no row enrichers
        pii.find = counting_find
        on = run(log, work / "on", args.lines, shipped)
        print(f"lines:                 {args.lines:,} ({args.share:.0%} with identifiers)")
        print(f"ingest, no enrichers:  {args.lines / off:12,.0f} lines/s  ({off:.2f} s)")
        print(f"ingest, enrichers:     {args.lines / on:12,.0f} lines/s  ({on:.2f} s)")
        print(f"texts validated in Python: {calls['n']:,}")
        print(f"ratio with/without:    {off / on:.2f}   (target >= 0.8)")
    finally:
        pii.find = find
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
