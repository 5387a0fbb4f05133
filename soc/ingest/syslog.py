"""The syslog header (RFC 3164 and RFC 5424) as a reusable step under other parsers.

A regex parser uses it with ``prefix: syslog`` (header required) or ``prefix: syslog?`` (header optional, e.g.
FortiGate sends ``<189>date=…`` or bare ``date=…``); a Python decoder (kv, cef, w3c) with the option
``syslog: required|optional``. Both yield the raw columns ``syslog_*`` and the parser gains the ``log.syslog.*``
fields below unless it maps them itself. This module never decides a product's own fields.
"""

from __future__ import annotations

import re
from typing import Any

_SD = r"(?:-|(?:\[(?:[^\]\\]|\\.)*\])+)"
# RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG; RFC 3164: <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
# (rsyslog's RFC 3339 timestamp accepted in place of the BSD one; the TAG is optional: relays often drop it).
PRI = r"(?:<(?P<syslog_pri>\d{1,3})>)?"
HEADER = (
    r"(?:"
    r"1 (?P<syslog_ts5424>\d{4}-\d\d-\d\dT\S+|-) (?P<syslog_host5424>\S+) (?P<syslog_app5424>\S+) "
    r"(?P<syslog_pid5424>\S+) (?P<syslog_msgid>\S+) (?P<syslog_sd>" + _SD + r") ?"
    r"|(?:(?P<syslog_ts_bsd>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)|(?P<syslog_ts_iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*))"
    r" (?P<syslog_host>[^\s=]+) (?:(?P<syslog_app>[^\s\[:=|]+)(?:\[(?P<syslog_pid>\d+)\])?: )?"
    r")"
)
# A header starts with its <PRI>, "1 " (RFC 5424), a month name or an ISO date: a line starting otherwise has none.
FIRST_CHARS = frozenset("<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
PREFIXES = {"syslog": "^" + PRI + HEADER, "syslog?": "^" + PRI + "(?:" + HEADER + ")?"}
NAMES = ["syslog_pri", "syslog_ts5424", "syslog_host5424", "syslog_app5424", "syslog_pid5424", "syslog_msgid",
         "syslog_sd", "syslog_ts_bsd", "syslog_ts_iso", "syslog_host", "syslog_app", "syslog_pid"]

_FACILITIES = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
               "ntp", "security", "console", "solaris-cron"] + [f"local{i}" for i in range(8)]
_SEVERITIES = ["emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"]


def _case(expr: str, names: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{n}'" for i, n in enumerate(names))
    return f"CASE {expr} {whens} END"


# target → field spec (same shape as a parser YAML's ``fields:`` entry); added unless the parser maps the target.
FIELDS: dict[str, Any] = {
    "log.syslog.priority": {"from": "syslog_pri", "type": "long"},
    "log.syslog.hostname": {"from": ["syslog_host", "syslog_host5424"]},
    "log.syslog.appname": {"from": ["syslog_app", "syslog_app5424"]},
    "log.syslog.procid": {"from": ["syslog_pid", "syslog_pid5424"]},
    "log.syslog.msgid": {"from": "syslog_msgid"},
    "log.syslog.structured_data": {"from": "syslog_sd"},
    "log.syslog.facility.code": {"expr": '"log.syslog.priority" // 8'},
    "log.syslog.severity.code": {"expr": '"log.syslog.priority" % 8'},
    "log.syslog.facility.name": {"expr": _case('"log.syslog.priority" // 8', _FACILITIES)},
    "log.syslog.severity.name": {"expr": _case('"log.syslog.priority" % 8', _SEVERITIES)},
}
# Added only when absent too, but they are the product's fields: a parser usually maps them from its own message.
DEFAULTS: dict[str, Any] = {
    "@timestamp": {"from": ["syslog_ts_iso", "syslog_ts5424", "syslog_ts_bsd"], "type": "timestamp",
                   "format": ["iso8601", "%b %d %H:%M:%S"], "year": "infer"},
    "host.hostname": {"from": ["syslog_host", "syslog_host5424"]},
    "process.name": {"from": ["syslog_app", "syslog_app5424"]},
    "process.pid": {"from": ["syslog_pid", "syslog_pid5424"], "type": "long"},
}


def compiled(mode: str | bool | None) -> re.Pattern | None:
    """The header regex for a Python decoder's ``syslog`` option (None: no header step)."""
    if not mode:
        return None
    if mode is True or mode == "required":
        return re.compile(PREFIXES["syslog"])
    if mode == "optional":
        return re.compile(PREFIXES["syslog?"])
    raise ValueError(f"syslog option must be 'required' or 'optional', not {mode!r}")


def uses_syslog(prefix: str, options: dict) -> bool:
    return prefix in PREFIXES or bool(options.get("syslog"))
