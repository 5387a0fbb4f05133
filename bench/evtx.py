"""Benchmark: `soc ingest` of a Windows .evtx file vs the evtx package's own JSON dump of it (same run).

    python bench/evtx.py [--records 100000]

Writes a reproducible EVTX file mixing Security logons/failures/group changes and Sysmon process, network, file,
registry and DNS events (tests/evtxgen.py), then prints records/s of pyevtx-rs iterating ``records_json()`` to the
end (the baseline: parsing only) and of ``soc ingest`` (that parsing, plus flattening, the ECS mapping in DuckDB,
enrichment, Parquet and checkpoints), and the ratio ours/baseline.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# this script is named evtx.py: its own folder must not shadow the evtx package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import evtxgen  # noqa: E402

from soc.config import from_dict  # noqa: E402
from soc.enrich.pipeline import ingest_paths  # noqa: E402


def events(n: int):
    """A day of a domain controller and its workstations, deterministic."""
    rnd = random.Random(7)
    t0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    for i in range(n):
        t = t0 + timedelta(milliseconds=i * 800)
        user = f"canbo{rnd.randrange(400):03d}"
        ip = f"10.10.{rnd.randrange(40)}.{rnd.randrange(1, 250)}"
        k = rnd.random()
        if k < 0.35:
            yield evtxgen.security(4624, t, SubjectUserSid="S-1-5-18", SubjectUserName="DC01$",
                                   SubjectDomainName="DEMO", TargetUserName=user, TargetDomainName="DEMO",
                                   LogonType=rnd.choice(["2", "3", "10"]), AuthenticationPackageName="Kerberos",
                                   WorkstationName="-", ProcessName="-", IpAddress=ip, IpPort=str(rnd.randrange(65536)))
        elif k < 0.45:
            yield evtxgen.security(4625, t, SubjectUserSid="S-1-0-0", SubjectUserName="-", TargetUserName=user,
                                   TargetDomainName="DEMO", Status="0xc000006d", SubStatus="0xc000006a",
                                   LogonType="3", IpAddress=f"203.0.113.{rnd.randrange(250)}", IpPort="0")
        elif k < 0.48:
            yield evtxgen.security(4732, t, MemberSid=f"{evtxgen.DOMAIN_SID}-{rnd.randrange(1000, 2000)}",
                                   TargetUserName="Administrators", TargetSid="S-1-5-32-544",
                                   SubjectUserName="quantri", SubjectDomainName="DEMO")
        elif k < 0.70:
            yield evtxgen.sysmon(1, t, Image=evtxgen.PS, User=f"DEMO\\{user}",
                                 CommandLine=f"powershell.exe -nop -c Get-Item C:\\Users\\{user}\\{i}.txt",
                                 ParentImage=r"C:\Windows\explorer.exe", ProcessId=str(rnd.randrange(9000)),
                                 ProcessGuid=f"{{3f2a1b4c-0000-0000-0000-{i:012d}}}", IntegrityLevel="Medium")
        elif k < 0.82:
            yield evtxgen.sysmon(3, t, Image=evtxgen.PS, User=f"DEMO\\{user}", Protocol="tcp", Initiated="true",
                                 SourceIp=ip, SourcePort=str(rnd.randrange(49152, 65535)),
                                 DestinationIp=f"198.51.100.{rnd.randrange(250)}", DestinationPort="443")
        elif k < 0.90:
            yield evtxgen.sysmon(11, t, Image=evtxgen.PS, TargetFilename=f"C:\\Users\\{user}\\AppData\\Local\\Temp\\{i}.tmp")
        elif k < 0.95:
            yield evtxgen.sysmon(13, t, Image=r"C:\Windows\System32\reg.exe", EventType="SetValue",
                                 TargetObject=f"HKU\\{evtxgen.DOMAIN_SID}-1105\\Software\\Run\\v{i % 97}",
                                 Details=r"C:\Users\Public\a.exe")
        else:
            yield evtxgen.sysmon(22, t, Image=evtxgen.PS, QueryName=f"host{i % 500}.example.net", QueryStatus="0",
                                 QueryResults=f"::ffff:198.51.100.{i % 250};")


def baseline(path: Path) -> tuple[float, int]:
    import evtx

    start = time.perf_counter()
    n = sum(1 for _ in evtx.PyEvtxParser(str(path)).records_json())
    return time.perf_counter() - start, n


def ours(path: Path, data: Path) -> tuple[float, int, int]:
    cfg = from_dict({}, data_dir=data)
    start = time.perf_counter()
    summary = ingest_paths(cfg, [path], parser="windows_evtx")
    return time.perf_counter() - start, summary.stored, summary.deadlettered


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soc-bench-evtx-"))
    try:
        t = time.perf_counter()
        path = evtxgen.write(work / "Security-Sysmon.evtx", events(args.records))
        print(f"file: {args.records} records, {path.stat().st_size / 1e6:.1f} MB (written in "
              f"{time.perf_counter() - t:.1f} s)")
        base, n = baseline(path)
        mine, stored, dead = ours(path, work / "data")
        base = min(base, baseline(path)[0])  # twice, around ours: the machine is shared
        assert n == args.records and stored == args.records and dead == 0, (n, stored, dead)
        print(f"evtx records_json(): {n / base:,.0f} records/s ({base:.2f} s)")
        print(f"soc ingest:          {n / mine:,.0f} records/s ({mine:.2f} s, {stored} events stored)")
        print(f"ratio: {base / mine:.2f} (ours / evtx's own JSON dump)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
