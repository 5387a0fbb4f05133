"""Palo Alto Networks PAN-OS syslog in CSV (TRAFFIC, THREAT, SYSTEM, GLOBALPROTECT): each log type's columns named
after the PAN-OS syslog field reference. Decodes only; a line of another type or too few columns is a failure.
"""

from __future__ import annotations

import csv

from soc.ingest.lines import LineDecoder
from soc.ingest.parser_spec import Parser

_COMMON = ["future_use1", "receive_time", "serial", "type", "sub_type", "config_version", "generated_time"]
_SESSION = ["src_ip", "dst_ip", "nat_src_ip", "nat_dst_ip", "rule", "src_user", "dst_user", "app", "vsys",
            "from_zone", "to_zone", "in_if", "out_if", "log_action", "time_logged", "session_id", "repeat_count",
            "src_port", "dst_port", "nat_src_port", "nat_dst_port", "flags", "proto", "action"]
COLUMNS: dict[str, list[str]] = {
    "TRAFFIC": _COMMON + _SESSION + [
        "bytes", "bytes_sent", "bytes_received", "packets", "start_time", "elapsed", "category", "future_use2",
        "sequence", "action_flags", "src_location", "dst_location", "future_use3", "packets_sent",
        "packets_received", "session_end_reason"],
    "THREAT": _COMMON + _SESSION + [
        "misc", "threat_id", "category", "severity", "direction", "sequence", "action_flags", "src_location",
        "dst_location", "future_use2", "content_type", "pcap_id", "file_digest", "cloud", "url_idx", "user_agent",
        "file_type", "xff", "referer", "sender", "subject", "recipient", "report_id"],
    "SYSTEM": _COMMON + [
        "vsys", "event_id", "object", "future_use2", "future_use3", "module", "severity", "description", "sequence",
        "action_flags"],
    "GLOBALPROTECT": _COMMON + [
        "vsys", "event_id", "stage", "auth_method", "tunnel_type", "src_user", "src_region", "machine_name",
        "public_ip", "public_ipv6", "private_ip", "private_ipv6", "host_id", "serial_number", "client_ver",
        "client_os", "client_os_ver", "repeat_count", "reason", "error", "description", "status", "location",
        "login_duration", "connect_method", "error_code", "portal", "sequence"],
}
_MIN = {"TRAFFIC": 31, "THREAT": 35, "SYSTEM": 15, "GLOBALPROTECT": 29}


class PanosDecoder(LineDecoder):
    """CSV after an optional syslog header; columns by the log type in the fourth field."""

    def __init__(self, parser: Parser):
        super().__init__(parser)
        wanted = set(self.read_names)  # only the columns the parser maps are taken from a row
        self.slots = {kind: [(i, n) for i, n in enumerate(cols) if n in wanted] for kind, cols in COLUMNS.items()}
        self.width = {kind: max((i for i, _ in slots), default=-1) + 1 for kind, slots in self.slots.items()}

    def fields(self, text: str):
        row = next(csv.reader([text]), []) if '"' in text else text.split(",")
        kind = row[3] if len(row) > 3 else ""
        if kind not in COLUMNS:
            return "not a PAN-OS TRAFFIC, THREAT, SYSTEM or GLOBALPROTECT CSV line"
        n = len(row)
        if n < _MIN[kind]:
            return f"PAN-OS {kind} line has {n} fields, expected at least {_MIN[kind]}"
        if n >= self.width[kind]:  # the common case: every wanted column is there (no bound check per column)
            return {name: value for i, name in self.slots[kind] if (value := row[i])}
        return {name: row[i] for i, name in self.slots[kind] if i < n and row[i]}
