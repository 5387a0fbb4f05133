"""Windows records at SigmaHQ's scale: every EventData field as logged (winlog.event_data map, "-" kept), the whole
Windows log-source taxonomy pinned to channel and event ids, the packet-capture pipeline kept to its own rules, and
warnings for rules that name fields no source stores. Real EVTX files (tests/evtxgen.py) through the real engine
and the real CLI; rules are SigmaHQ-shaped.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import evtxgen
import pytest
import yaml
from typer.testing import CliRunner

from soc.cli import app
from soc.config import from_dict
from soc.detect.pipeline import PIPELINES_DIR
from soc.enrich.pipeline import ingest_paths
from soc.store.embedded import EventStore
from soc.store.state import StateDB

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PS_CHANNEL = ("Microsoft-Windows-PowerShell/Operational", "Microsoft-Windows-PowerShell",
              "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}")
LSASS = r"C:\Windows\system32\lsass.exe"
MIMI = r"C:\Users\canbo\mimikatz.exe"


def events() -> list[evtxgen.Event]:
    at = [T0 + timedelta(seconds=i) for i in range(10)]
    return [
        evtxgen.Event(4104, *PS_CHANNEL, time=at[0], data={  # ps_script: a field no parser lists
            "MessageNumber": "1", "MessageTotal": "1", "ScriptBlockText": "Invoke-Mimikatz -DumpCreds",
            "ScriptBlockId": "{1}", "Path": ""}),
        evtxgen.sysmon(1, at[1], Image=MIMI, CommandLine="mimikatz.exe Invoke-Mimikatz", User="DEMO\\canbo"),
        evtxgen.sysmon(10, at[2], SourceImage=MIMI, TargetImage=LSASS, GrantedAccess="0x1010",
                       CallTrace="C:\\Windows\\SYSTEM32\\ntdll.dll+9d234|UNKNOWN(00000000002D1A2B)"),
        evtxgen.sysmon(3, at[3], Image=r"C:\Windows\System32\rundll32.exe", DestinationIp="198.51.100.7",
                       DestinationPort="4444", Initiated="true", Protocol="tcp"),
        evtxgen.security(4624, at[4], TargetUserName="canbo01", TargetDomainName="DEMO", LogonType="3",
                         IpAddress="-", IpPort="-", WorkstationName="-", AuthenticationPackageName="NTLM",
                         LogonProcessName="NtLmSsp "),
        evtxgen.security(4624, at[5], TargetUserName="canbo02", TargetDomainName="DEMO", LogonType="3",
                         IpAddress="203.0.113.9", IpPort="51000", WorkstationName="KALI",
                         AuthenticationPackageName="NTLM", LogonProcessName="NtLmSsp "),
    ]


def rule(title: str, logsource: str, detection: str) -> str:
    rule_id = uuid.uuid5(uuid.NAMESPACE_URL, title)
    return f"title: {title}\nid: {rule_id}\nstatus: test\n" \
           f"logsource: {{{logsource}}}\ndetection:\n{detection}\nlevel: high\n"


RULES = {
    "ps_script.yml": rule("PowerShell Mimikatz Script Block", "product: windows, category: ps_script",
                          "  sel:\n    ScriptBlockText|contains: Invoke-Mimikatz\n  condition: sel"),
    "ps_keyword.yml": rule("PowerShell Mimikatz Keyword", "product: windows, category: ps_script",
                           "  kw:\n    - Invoke-Mimikatz\n  condition: kw"),
    "lsass.yml": rule("LSASS Access With Unknown Call Trace", "product: windows, category: process_access",
                      "  sel:\n    TargetImage|endswith: '\\lsass.exe'\n    CallTrace|contains: UNKNOWN\n"
                      "  filter:\n    SignatureStatus: Valid\n  condition: sel and not filter"),
    "netconn.yml": rule("Rundll32 Connection To Port 4444", "product: windows, category: network_connection",
                        "  sel:\n    Image|endswith: '\\rundll32.exe'\n    DestinationPort: 4444\n  condition: sel"),
    "anon.yml": rule("Network Logon Without Workstation Address", "product: windows, service: security",
                     "  sel:\n    EventID: 4624\n    LogonType: 3\n    IpAddress: '-'\n    WorkstationName: '-'\n"
                     "  condition: sel"),
    "typo.yml": rule("Rule Naming A Field Nothing Stores", "category: webserver",
                     "  sel:\n    cs-no-such-field: x\n  condition: sel"),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wintax")
    evtxgen.write(tmp / "mixed.evtx", events())
    cfg = from_dict({}, data_dir=tmp / "data")
    assert ingest_paths(cfg, [tmp / "mixed.evtx"]).stored == len(events())
    rules = tmp / "src"
    rules.mkdir()
    for name, text in RULES.items():
        (rules / name).write_text(text, encoding="utf-8")
    return tmp


def test_every_event_data_field_is_stored_as_written(data: Path):
    con = EventStore(from_dict({}, data_dir=data / "data").data_dir).open_events()
    rows = con.execute('SELECT "winlog.event_id", "winlog.event_data", "winlog.event_data.IpAddress", '
                       '"winlog.event_data.WorkstationName" FROM events ORDER BY "winlog.record_id"').fetchall()
    by_id = {}
    for eid, fields, ip, ws in rows:
        by_id.setdefault(eid, []).append((fields, ip, ws))
    assert by_id["4104"][0][0]["ScriptBlockText"] == "Invoke-Mimikatz -DumpCreds"
    assert by_id["10"][0][0]["CallTrace"].endswith("UNKNOWN(00000000002D1A2B)")
    anonymous = by_id["4624"][0]
    assert anonymous[1:] == ("-", "-") and anonymous[0]["IpPort"] == "-"  # "-" as logged, not NULL


def scan(data: Path) -> tuple[set[str], str]:
    runner = CliRunner()
    home = ["--data-dir", str(data / "data")]
    imported = runner.invoke(app, [*home, "rules", "import", str(data / "src")])
    assert imported.exit_code == 0, imported.output
    scanned = runner.invoke(app, [*home, "scan", "--full"])
    assert scanned.exit_code == 0, scanned.output
    state = StateDB(data / "data" / "state.db")
    try:
        alerts = state.alerts()
    finally:
        state.close()
    return {a["rule_title"]: len(a["event_ids"]) for a in alerts}, imported.output + scanned.output


def test_windows_rules_match_their_own_log_source_only(data: Path):
    fired, _ = scan(data)
    # ps_script is PowerShell 4104 only: the Sysmon process event whose command line holds the same words is not
    # searched by the keyword rule, nor by the field rule
    assert fired.get("PowerShell Mimikatz Script Block") == 1
    assert fired.get("PowerShell Mimikatz Keyword") == 1
    # fields no parser lists (CallTrace), and `not filter` on an absent field (SignatureStatus) keeps the event
    assert fired.get("LSASS Access With Unknown Call Trace") == 1
    # a Windows network_connection rule reads Sysmon 3, not the packet capture's flows
    assert fired.get("Rundll32 Connection To Port 4444") == 1
    # IpAddress/WorkstationName "-" as logged: only the logon without an address
    assert fired.get("Network Logon Without Workstation Address") == 1


def test_import_and_scan_warn_about_fields_no_source_stores(data: Path):
    _, output = scan(data)
    warned = [line for line in output.splitlines() if line.startswith("warning:")]
    assert any("cs-no-such-field" in w and "Rule Naming A Field Nothing Stores" in w for w in warned), output
    assert not any("CallTrace" in w or "ScriptBlockText" in w for w in warned)  # Windows fields: in the map
    assert "1 warning(s)" in output  # import summary
    assert "1 rule warning(s)" in output  # scan summary


def windows_items() -> list[dict]:
    return yaml.safe_load((PIPELINES_DIR / "windows.yml").read_text(encoding="utf-8"))["transformations"]


def pinned() -> dict[tuple[str, str], dict]:
    """(kind, name) → conditions, for every logsource the Windows pipeline pins."""
    out = {}
    for item in windows_items():
        for cond in item.get("rule_conditions", []):
            for kind in ("category", "service"):
                if kind in cond and item["type"] == "add_condition":
                    out[(kind, cond[kind])] = item["conditions"]
    return out


def test_taxonomy_pins_channel_and_event_ids():
    table = pinned()
    sysmon = "Microsoft-Windows-Sysmon/Operational"
    for category, ids in {"network_connection": "3", "process_access": "10", "image_load": "7",
                          "create_remote_thread": "8", "raw_access_thread": "9", "file_event": "11",
                          "pipe_created": ["17", "18"], "wmi_event": ["19", "20", "21"], "dns_query": "22",
                          "file_delete": "23", "driver_load": "6", "process_termination": "5",
                          "registry_event": ["12", "13", "14"], "registry_set": "13"}.items():
        assert table[("category", category)] == {"winlog.channel": sysmon, "winlog.event_id": ids}, category
    assert table[("category", "process_creation")] == {"winlog.channel": [sysmon, "Security"],
                                                        "winlog.event_id": ["1", "4688"]}
    assert table[("category", "ps_script")]["winlog.event_id"] == "4104"
    assert table[("category", "ps_module")]["winlog.event_id"] == "4103"
    assert table[("category", "ps_classic_start")] == {"winlog.channel": "Windows PowerShell", "winlog.event_id": "400"}
    for service in ("security", "system", "application", "powershell", "powershell-classic", "windefend", "sysmon",
                    "taskscheduler", "wmi", "dns-server", "driver-framework", "firewall-as", "bits-client",
                    "codeintegrity-operational"):
        assert ("service", service) in table, service


def test_taxonomy_covers_pysigmas_windows_and_sysmon_pipelines():
    """Every log source pySigma's own Windows and Sysmon pipelines know, when they are installed (they pin
    pySigma < 2, so the README's test command installs them without dependencies): same channels and event ids."""
    if os.environ.get("CI"):  # the README's test command installs them (without their dependencies): never skip
        import sigma.pipelines.common as common
        import sigma.pipelines.sysmon.sysmon as sysmon
    else:
        common = pytest.importorskip("sigma.pipelines.common")
        sysmon = pytest.importorskip("sigma.pipelines.sysmon.sysmon")
    table = pinned()
    for service, channel in common.windows_logsource_mapping.items():
        assert table[("service", service)] == {"winlog.channel": channel}, service
    for category, ids in sysmon.sysmon_generic_logsource_eventid_mapping.items():
        got = table[("category", category)]["winlog.event_id"]
        want = [str(i) for i in ids] if isinstance(ids, list) else str(ids)
        assert want == got or (category == "process_creation" and want in got), category
