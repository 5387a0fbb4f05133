"""Benchmark: `soc ingest` on a packet capture vs plain `tshark -T fields` printing the same fields (same run).

    python bench/pcap.py [--packets 200000] [--memory] [--pyshark-sample 2000]

Builds a reproducible capture mixing DNS, HTTP, TLS and bare TCP connections (scapy builds a base capture,
then time-shifted copies of it with other client addresses follow), then prints packets/s for both and the ratio
(target ≥ 0.5). The baseline only makes tshark dissect and print the fields; ours also assembles transactions and
flows, maps them to ECS in DuckDB, writes Parquet and checkpoints. For reference it also times pyshark's own
per-packet objects (FileCapture) on a small sample, the naive way the decoder avoids.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pcapgen  # noqa: E402

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402
from soc.ingest.pcap import tshark as ts  # noqa: E402

BASE = 10_000  # packets built by scapy; the rest are time-shifted copies


def make_capture(folder: Path, packets: int) -> tuple[Path, int]:
    base = pcapgen.mixed(folder / "base.pcap", min(BASE, packets))
    count = sum(1 for _ in ts.stream(str(base))[0])
    out = folder / "capture.pcap"
    return out, pcapgen.replicate(base, out, max(1, -(-packets // count)))


def tshark_baseline(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(ts.command(str(path)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def ours(path: Path, data: Path) -> tuple[float, int]:
    cfg = from_dict({}, data_dir=data)
    start = time.perf_counter()
    summary = ingest_paths(cfg, [path], parser="pcap")
    return time.perf_counter() - start, summary.stored


def peak_rss(path: Path, work: Path) -> float:
    """Peak resident memory (MB) of the largest process of a `soc ingest` run (python or one of its tshark)."""
    data = tempfile.mkdtemp(dir=work)
    res = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "soc.cli", "--data-dir", data,
                          "ingest", str(path)], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(res.stderr.strip().splitlines()[-1]) / 1024


def pyshark_sample(path: Path, n: int) -> float:
    import pyshark

    cap = pyshark.FileCapture(str(path), keep_packets=False)
    start = time.perf_counter()
    seen = 0
    for pkt in cap:
        _ = (pkt.frame_info.number, getattr(pkt, "ip", None) and pkt.ip.src, pkt.highest_layer)
        if "DNS" in pkt:
            _ = pkt.dns.get_field_value("qry_name")
        seen += 1
        if seen >= n:
            break
    elapsed = time.perf_counter() - start
    cap.close()
    return seen / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=200_000)
    ap.add_argument("--memory", action="store_true", help="also measure peak memory at 1x and 4x the capture")
    ap.add_argument("--pyshark-sample", type=int, default=2000, help="0 skips the pyshark FileCapture figure")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-pcap-"))
    try:
        t = time.perf_counter()
        cap, packets = make_capture(work, args.packets)
        print(f"capture: {packets} packets, {cap.stat().st_size / 1e6:.1f} MB (built in {time.perf_counter() - t:.1f} s)")
        base = tshark_baseline(cap)
        mine, stored = ours(cap, work / "data")
        base2 = tshark_baseline(cap)  # twice, around ours: the machine is shared
        base = min(base, base2)
        print(f"tshark -T fields: {packets / base:,.0f} packets/s ({base:.2f} s)")
        print(f"soc ingest:       {packets / mine:,.0f} packets/s ({mine:.2f} s, {stored} events stored)")
        print(f"ratio: {base / mine:.2f} (target >= 0.5)")
        if args.memory:
            for copies in (1, 4):  # the same capture and four times it: peak memory should not follow
                big = work / f"x{copies}.pcap"
                n = pcapgen.replicate(cap, big, copies, shift=copies * 86400.0) if copies > 1 else packets
                print(f"peak RSS of `soc ingest` on {n} packets: {peak_rss(big if copies > 1 else cap, work):.0f} MB")
        if args.pyshark_sample:
            print(f"pyshark FileCapture (object per packet, sample of {args.pyshark_sample}): "
                  f"{pyshark_sample(cap, args.pyshark_sample):,.0f} packets/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
