"""Benchmark: `soc ingest` lines/s for every text parser on ≥ 100 k lines each, built by repeating the parser's own
samples (all of them but the deliberately broken ``*truncated*`` ones), against nginx_combined on as many lines in
the same run (ratio = parser / baseline). Binary sources have their own: bench/evtx.py, bench/pcap.py.

    python bench/ingest_sources.py [--lines 100000] [--only NAME[,NAME…]]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.ingest.parser import all_parsers, get_parser  # noqa: E402
from soc.ingest.registry import is_record_decoder  # noqa: E402

PARSERS = ["nginx_combined"] + sorted(n for n, p in all_parsers().items()
                                      if n != "nginx_combined" and not is_record_decoder(p.decoder))
FLOOR = 30_000


def build(name: str, lines: int, folder: Path) -> Path:
    logs = [p for p in sorted(get_parser(name).samples_dir.glob("*.log")) if "truncated" not in p.name]
    if name == "iis":  # W3C: one #Fields header, then the data lines of every sample
        logs = logs[:1]
    sample = [line for log in logs for line in log.read_text(encoding="utf-8").splitlines()]
    reps = -(-lines // len(sample))
    path = folder / f"{name}.log"
    if name == "auditd":  # one audit event per serial: number each copy's events apart, as a running kernel does
        text = "\n".join(re.sub(r":(\d+)\)", lambda m, r=r: f":{int(m.group(1)) + r * 1_000_000})", line)
                         for r in range(reps) for line in sample)
    else:
        text = "\n".join(sample * reps)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def run(name: str, path: Path) -> tuple[int, float, int, float]:
    """(lines read, wall seconds, events stored, CPU seconds of this process: every thread, DuckDB's too)."""
    data = Path(tempfile.mkdtemp(prefix="soc-bench-"))
    try:
        cfg = from_dict({"data_dir": str(data)})
        t0, c0 = time.perf_counter(), time.process_time()
        summary = ingest_paths(cfg, [path], parser=name)
        return summary.read, time.perf_counter() - t0, summary.stored, time.process_time() - c0
    finally:
        shutil.rmtree(data, ignore_errors=True)


def report(lines: int = 100_000, only: str | None = None) -> None:
    """Print the table: lines/s of every text parser (or of ``only``) and its ratio to nginx_combined."""
    folder = Path(tempfile.mkdtemp(prefix="soc-bench-src-"))
    try:
        base = None
        # lines/s on the wall clock; cpu lines/s: lines per CPU second, what the parser costs on a shared machine
        print(f"{'parser':<16}{'lines':>10}{'events':>10}{'seconds':>9}{'lines/s':>11}{'ratio':>7}{'cpu lines/s':>13}")
        for name in PARSERS:
            if only and name not in (*only.split(","), "nginx_combined"):
                continue
            read, secs, stored, cpu = run(name, build(name, lines, folder))
            rate = read / secs
            base = base or rate
            flag = "" if rate >= FLOOR else "  < 30k lines/s"
            print(f"{name:<16}{read:>10}{stored:>10}{secs:>9.2f}{rate:>11,.0f}{rate / base:>7.2f}"
                  f"{read / cpu:>13,.0f}{flag}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    report(args.lines, args.only)


if __name__ == "__main__":
    main()
