"""Writer of small, valid Windows ``.evtx`` files for tests and benches (no Windows needed).

Layout after the libyal "Windows XML Event Log (EVTX)" notes: a 4 KiB file header ("ElfFile\\0", CRC32 of its
first 120 bytes), 64 KiB chunks ("ElfChnk\\0", CRC32 of the header and of the record data) and event records
("**\\0\\0", size, record id, FILETIME, BinXML, size again). BinXML is written without templates: open/close element
tokens, attributes and string values with the names inline, which every EVTX reader accepts. Each record carries the
real Windows layout: Event/System (Provider Name+Guid, EventID, Version, Level, Task, Opcode, Keywords,
TimeCreated SystemTime, EventRecordID, Correlation, Execution, Channel, Computer, Security) and EventData/Data Name=…
(or UserData/<Element>/… for log-cleared events).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

CHUNK_SIZE = 0x10000
HEADER_BLOCK = 0x1000
CHUNK_HEADER = 0x200
EPOCH = datetime(1601, 1, 1, tzinfo=UTC)

SECURITY = ("Security", "Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-a5ba-3e3b0328c30d}")
SYSTEM_SCM = ("System", "Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}")
SYSTEM_LOG = ("System", "Microsoft-Windows-Eventlog", "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}")
SYSMON = ("Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}")


@dataclass
class Event:
    """One Windows event: ``data`` becomes EventData/Data Name=…; ``user_data`` (element, fields) UserData."""

    event_id: int
    channel: str
    provider: str
    guid: str
    time: datetime
    computer: str = "dc01.demo.gov.vn"
    data: dict[str, str] = field(default_factory=dict)
    user_data: tuple[str, dict[str, str]] | None = None
    level: int = 0
    pid: int = 4
    qualifiers: str | None = None  # EventID Qualifiers attribute (classic providers such as the SCM)
    user_sid: str | None = None  # System/Security UserID attribute
    tid: int = 100


def security(event_id: int, time: datetime, **data: str) -> Event:
    return Event(event_id, *SECURITY, time=time, data=data)


def sysmon(event_id: int, time: datetime, **data: str) -> Event:
    return Event(event_id, *SYSMON, time=time, computer="ws01.demo.gov.vn", data=data, level=4, pid=3000)


def service_installed(time: datetime, **data: str) -> Event:
    return Event(7045, *SYSTEM_SCM, time=time, data=data, level=4, pid=700, qualifiers="16384",
                 user_sid="S-1-5-21-1004336348-1177238915-682003330-500")


def log_cleared(time: datetime, channel: str, user: str, domain: str) -> Event:
    """Security 1102 (UserData/LogFileCleared) or System 104 (UserData/LogFileCleared with Channel)."""
    fields = {"SubjectUserSid": "S-1-5-21-1-2-3-500", "SubjectUserName": user, "SubjectDomainName": domain,
              "SubjectLogonId": "0x3e7"}
    if channel == "Security":
        return Event(1102, "Security", "Microsoft-Windows-Eventlog", SYSTEM_LOG[2], time=time, level=4,
                     user_data=("LogFileCleared", fields))
    fields = {"SubjectUserName": user, "SubjectDomainName": domain, "Channel": "Application", "BackupPath": ""}
    return Event(104, *SYSTEM_LOG, time=time, level=4, user_data=("LogFileCleared", fields))


# -- BinXML ------------------------------------------------------------------------------------------------------
class _Chunk:
    """Bytes of one chunk being filled; names are written inline at their chunk-relative offset."""

    def __init__(self) -> None:
        self.buf = bytearray(CHUNK_HEADER)

    def name(self, text: str) -> bytes:
        """A name string structure (next offset, hash, length, UTF-16, NUL) placed where it is referenced."""
        raw = text.encode("utf-16-le")
        h = 0
        for ch in text:
            h = (h * 65599 + ord(ch)) & 0xFFFFFFFF
        return struct.pack("<IHH", 0, h & 0xFFFF, len(text)) + raw + b"\0\0"


def _value(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<BBH", 0x05, 0x01, len(text)) + raw


class _Writer:
    """BinXML of one record, built with its absolute chunk offset known (inline names refer to themselves)."""

    def __init__(self, chunk: _Chunk, base: int):
        self.chunk = chunk
        self.out = bytearray()
        self.base = base  # chunk offset of out[0]

    def _here(self) -> int:
        return self.base + len(self.out)

    def element(self, name: str, attrs: dict[str, str] | None = None, text: str | None = None,
                children: Iterable[tuple] = ()) -> None:
        attrs = attrs or {}
        children = list(children)
        start = len(self.out)
        self.out += struct.pack("<BI", 0x41 if attrs else 0x01, 0)  # token, data size (no dependency id)
        self.out += struct.pack("<I", self._here() + 4)  # name offset: the name follows inline
        self.out += self.chunk.name(name)
        if attrs:
            size_at = len(self.out)
            self.out += struct.pack("<I", 0)  # attribute list size (set below)
            items = list(attrs.items())
            for i, (key, val) in enumerate(items):
                self.out += struct.pack("<B", 0x46 if i < len(items) - 1 else 0x06)
                self.out += struct.pack("<I", self._here() + 4)
                self.out += self.chunk.name(key)
                self.out += _value(val)
            struct.pack_into("<I", self.out, size_at, len(self.out) - size_at - 4)
        if text is None and not children:
            self.out += b"\x03"  # close empty element
        else:
            self.out += b"\x02"  # close start element
            if text is not None:
                self.out += _value(text)
            for child in children:
                self.element(*child)
            self.out += b"\x04"  # end element
        struct.pack_into("<I", self.out, start + 1, len(self.out) - (start + 5))


def _filetime(t: datetime) -> int:
    return (t - EPOCH) // timedelta(microseconds=1) * 10


def _system_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tree(ev: Event, record_id: int) -> tuple:
    system = [
        ("Provider", {"Name": ev.provider, "Guid": ev.guid}),
        ("EventID", {"Qualifiers": ev.qualifiers} if ev.qualifiers else None, str(ev.event_id)),
        ("Version", None, "0"), ("Level", None, str(ev.level)), ("Task", None, "12544"), ("Opcode", None, "0"),
        ("Keywords", None, "0x8020000000000000"),
        ("TimeCreated", {"SystemTime": _system_time(ev.time)}),
        ("EventRecordID", None, str(record_id)),
        ("Correlation", None),
        ("Execution", {"ProcessID": str(ev.pid), "ThreadID": str(ev.tid)}),
        ("Channel", None, ev.channel), ("Computer", None, ev.computer),
        ("Security", {"UserID": ev.user_sid} if ev.user_sid else None),
    ]
    if ev.user_data:
        element, values = ev.user_data
        body = ("UserData", None, None, [(element, {"xmlns": "http://manifests.microsoft.com/win/2004/08/windows/"
                                                              "eventlog"}, None,
                                          [(k, None, v) for k, v in values.items()])])
    else:
        body = ("EventData", None, None, [("Data", {"Name": k}, v) for k, v in ev.data.items()])
    return ("Event", {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"}, None,
            [("System", None, None, system), body])


def _record(chunk: _Chunk, ev: Event, record_id: int) -> bytes:
    w = _Writer(chunk, len(chunk.buf) + 24 + 4)
    w.out += b"\x0f\x01\x01\x00"  # fragment header
    w.base -= 4
    w.element(*_tree(ev, record_id))
    w.out += b"\x00"  # end of stream
    size = 24 + len(w.out) + 4
    return struct.pack("<4sIQQ", b"**\0\0", size, record_id, _filetime(ev.time)) + bytes(w.out) + struct.pack(
        "<I", size)


def _finish_chunk(chunk: _Chunk, first_id: int, last_id: int, last_offset: int) -> bytes:
    free = len(chunk.buf)
    body = bytes(chunk.buf) + bytes(CHUNK_SIZE - free)
    head = bytearray(body[:CHUNK_HEADER])
    struct.pack_into("<8sQQQQIII", head, 0, b"ElfChnk\0", first_id, last_id, first_id, last_id, 0x80, last_offset,
                     free)
    struct.pack_into("<I", head, 52, zlib.crc32(body[CHUNK_HEADER:free]))
    struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120]) + bytes(head[128:CHUNK_HEADER])))
    return bytes(head) + body[CHUNK_HEADER:]


def chunks(events: Iterable[Event], first_id: int = 1) -> tuple[list[bytes], int]:
    """Records of ``events`` packed into 64 KiB chunks; returns (chunks, next record id)."""
    out: list[bytes] = []
    chunk, rid, start, last_offset = _Chunk(), first_id, first_id, 0
    for ev in events:
        rec = _record(chunk, ev, rid)
        if len(chunk.buf) + len(rec) > CHUNK_SIZE:  # full: names are chunk-relative, so rebuild in the next one
            out.append(_finish_chunk(chunk, start, rid - 1, last_offset))
            chunk, start = _Chunk(), rid
            rec = _record(chunk, ev, rid)
        last_offset = len(chunk.buf)
        chunk.buf += rec
        rid += 1
    if rid > start:
        out.append(_finish_chunk(chunk, start, rid - 1, last_offset))
    return out, rid


def file_header(n_chunks: int, next_id: int) -> bytes:
    head = bytearray(HEADER_BLOCK)
    struct.pack_into("<8sQQQIHHHH", head, 0, b"ElfFile\0", 0, max(n_chunks - 1, 0), next_id, 0x80, 2, 3,
                     HEADER_BLOCK, n_chunks)
    struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120])))
    return bytes(head)


def write(path: Path, events: Iterable[Event], first_id: int = 1) -> Path:
    """Write ``events`` as a complete .evtx file (records numbered from ``first_id``)."""
    body, next_id = chunks(events, first_id)
    with open(path, "wb") as fh:
        fh.write(file_header(len(body), next_id))
        for c in body:
            fh.write(c)
    return path


# -- the shipped sample (parsers/samples/windows_evtx/) -----------------------------------------------------------
PS = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"


def sample_events() -> list[Event]:
    """One event per mapped id: Security logons and account/group changes, log clearing, service install, Sysmon."""
    t = datetime(2026, 11, 24, 1, 15, 2, 123456, tzinfo=UTC)
    at = [t + timedelta(minutes=i) for i in range(21)]
    admin = {"SubjectUserSid": f"{DOMAIN_SID}-500", "SubjectUserName": "quantri", "SubjectDomainName": "DEMO",
             "SubjectLogonId": "0x4a3b2"}
    logon = {"SubjectUserSid": "S-1-5-18", "SubjectUserName": "DC01$", "SubjectDomainName": "DEMO",
             "SubjectLogonId": "0x3e7", "TargetUserSid": f"{DOMAIN_SID}-1105", "TargetUserName": "canbo01",
             "TargetDomainName": "DEMO", "TargetLogonId": "0x8d2f1", "LogonType": "10",
             "LogonProcessName": "User32 ", "AuthenticationPackageName": "Negotiate", "WorkstationName": "DC01",
             "ProcessName": r"C:\Windows\System32\svchost.exe", "IpAddress": "10.10.20.7", "IpPort": "0"}
    user = {"TargetUserName": "tam.nv", "TargetDomainName": "DEMO", "TargetSid": f"{DOMAIN_SID}-1120"}
    member = {"MemberName": "-", "MemberSid": f"{DOMAIN_SID}-1112", "TargetUserName": "Administrators",
              "TargetDomainName": "Builtin", "TargetSid": "S-1-5-32-544", **admin, "PrivilegeList": "-"}
    sysmon_common = {"RuleName": "-", "ProcessGuid": "{3f2a1b4c-0000-0000-0000-000000000001}", "ProcessId": "6120",
                     "Image": PS, "User": "DEMO\\canbo01"}
    return [
        security(4625, at[0], SubjectUserSid="S-1-0-0", SubjectUserName="-", SubjectDomainName="-",
                 SubjectLogonId="0x0", TargetUserSid="S-1-0-0", TargetUserName="administrator",
                 TargetDomainName="DEMO", Status="0xc000006d", FailureReason="%%2313", SubStatus="0xc000006a",
                 LogonType="3", LogonProcessName="NtLmSsp ", AuthenticationPackageName="NTLM", WorkstationName="-",
                 ProcessName="-", IpAddress="203.0.113.9", IpPort="51234"),
        security(4624, at[1], **logon),
        security(4634, at[2], TargetUserSid=f"{DOMAIN_SID}-1105", TargetUserName="canbo01", TargetDomainName="DEMO",
                 TargetLogonId="0x8d2f1", LogonType="10"),
        security(4648, at[3], **admin, TargetUserName="svc_backup", TargetDomainName="DEMO",
                 TargetServerName="fs01.demo.gov.vn", ProcessName=r"C:\Windows\System32\runas.exe",
                 IpAddress="10.10.20.8", IpPort="0"),
        security(4672, at[4], SubjectUserSid=f"{DOMAIN_SID}-500", SubjectUserName="quantri", SubjectDomainName="DEMO",
                 SubjectLogonId="0x4a3b2", PrivilegeList="SeDebugPrivilege\n\t\t\tSeBackupPrivilege"),
        security(4720, at[5], **user, **admin, SamAccountName="tam.nv", DisplayName="Nguyễn Văn Tâm"),
        security(4722, at[6], **user, **admin),
        security(4724, at[7], **user, **admin),
        security(4728, at[8], **{**member, "TargetUserName": "Domain Admins", "TargetDomainName": "DEMO",
                                 "TargetSid": f"{DOMAIN_SID}-512", "MemberName": "CN=tam.nv,CN=Users,DC=demo,DC=local"}),
        security(4732, at[9], **member),
        security(4740, at[10], TargetUserName="canbo02", TargetDomainName="DC01", TargetSid=f"{DOMAIN_SID}-1106",
                 **{**admin, "SubjectUserName": "DC01$", "SubjectUserSid": "S-1-5-18"}),
        security(4756, at[11], **{**member, "TargetUserName": "Enterprise Admins", "TargetDomainName": "DEMO",
                                  "TargetSid": f"{DOMAIN_SID}-519", "MemberName": "CN=tam.nv,CN=Users,DC=demo,DC=local"}),
        log_cleared(at[12], "Security", "quantri", "DEMO"),
        service_installed(at[13], ServiceName="PSEXESVC", ImagePath=r"%SystemRoot%\PSEXESVC.exe",
                          ServiceType="user mode service", StartType="demand start", AccountName="LocalSystem"),
        log_cleared(at[14], "System", "quantri", "DEMO"),
        sysmon(1, at[15], **sysmon_common, UtcTime="2026-11-24 01:30:00.123", OriginalFileName="PowerShell.EXE",
               CommandLine="powershell.exe -nop -w hidden -enc SQBFAFgA", CurrentDirectory="C:\\Users\\canbo01\\",
               IntegrityLevel="Medium", Hashes="SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C",
               ParentImage=r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
               ParentCommandLine='"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n '
                                 '"C:\\Users\\canbo01\\Downloads\\cong-van.docm"'),
        sysmon(3, at[16], **sysmon_common, Protocol="tcp", Initiated="true", SourceIp="10.10.30.21",
               SourcePort="49723", DestinationIp="198.51.100.77", DestinationHostname="-", DestinationPort="443"),
        sysmon(7, at[17], **sysmon_common, ImageLoaded=r"C:\Users\Public\version.dll", Signed="false",
               Signature="-", Hashes="SHA256=0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9"),
        sysmon(11, at[18], **sysmon_common, TargetFilename=r"C:\Users\Public\svchost.exe"),
        sysmon(13, at[19], **{**sysmon_common, "Image": r"C:\Windows\System32\reg.exe"}, EventType="SetValue",
               TargetObject=f"HKU\\{DOMAIN_SID}-1105\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater",
               Details=r"C:\Users\Public\svchost.exe"),
        sysmon(22, at[20], **sysmon_common, QueryName="update-check.example.net", QueryStatus="0",
               QueryResults="::ffff:198.51.100.77;"),
    ]
