"""Linux auditd ``audit.log`` decoder: the records of one event (SYSCALL, EXECVE, PATH, CWD, PROCTITLE, USER_* …)
joined by their ``msg=audit(<epoch>:<serial>)`` into one row, hex-encoded values decoded. Decodes only; never drops
a line silently (every line is part of a row or a failure with a reason).

Columns: ``node``, ``record_type`` (the event's main record), ``record_types`` (all, comma-joined), ``epoch``,
``sequence``, every ``key=value`` of its records (``msg='…'`` opened up; the main record's value wins, EXECVE's
``a0…`` win over SYSCALL's), ``args`` (EXECVE arguments joined by U+001F), ``argc``, ``proctitle``, ``cwd``,
``path`` (the first PATH ``name``), ``command_line`` (arguments joined by a space, else the process title);
the names ``log_format=ENRICHED`` appends (``UID="root"``) as ``uid_name`` …
"""

from __future__ import annotations

import re

from soc import fastcols
from soc.ingest.decoded import Decoded
from soc.ingest.jsontext import as_text
from soc.ingest.parser_spec import Parser

# An optional relay header (audisp-syslog / rsyslog: "Nov 24 08:15:02 web01 audispd: ") before the record
_HEAD = re.compile(r"(?:[^=\n]{0,200}?: )?(?:node=(\S+) )?type=(\S+) msg=audit\((\d+(?:\.\d+)?):(\d+)\):\s*")
_HEAD_B = re.compile(rb"(?:[^=\n]{0,200}?: )?(?:node=(\S+) )?type=\S+ msg=audit\((\d+(?:\.\d+)?:\d+)\):")
# ``op``'s bare value runs on over words without "=" (``op=adding user id=1005``: op is "adding user").
_PAIR = re.compile(r"""(op(?==)|[A-Za-z0-9_-]+)=("[^"]*"|'[^']*'|(?<=op=)\S*(?: [^\s='"]+(?= |$))*|\S*)""")
_HEX = re.compile(r"(?:[0-9A-F]{2})+")
# Values auditd writes in hex when they hold a space, a quote or a control character (unquoted when encoded).
_ENCODED = {"proctitle", "cmd", "exe", "comm", "name", "cwd", "acct", "data", "path", "new", "old", "ocomm",
            "root_dir", "sw", "vm", "grp", "new_group", "old_group", "watch", "key"}
_ARG = re.compile(r"a(\d+)$")
# Records that add detail to an event but are not its main record.
_DETAIL = {"EXECVE", "PATH", "CWD", "PROCTITLE", "SOCKADDR", "EOE", "BPRM_FCAPS", "MMAP", "OBJ_PID", "FD_PAIR",
           "NETFILTER_PKT", "KERN_MODULE", "CAPSET", "IPC", "MQ_OPEN", "SECCOMP", "TTY"}
SEP = "\x1f"


def _decode_hex(key: str, value: str, execve: bool) -> str:
    if key in _ENCODED or (execve and _ARG.match(key)):
        if key == "key" and value == "(null)":
            return value
        if len(value) >= 2 and _HEX.fullmatch(value):
            raw = bytes.fromhex(value)
            if key == "proctitle":
                raw = raw.rstrip(b"\x00").replace(b"\x00", b" ")
            return raw.decode("utf-8", "replace")
    return value


def pairs(text: str, execve: bool = False) -> dict[str, str]:
    """``key=value`` pairs of one record's body, quotes removed, hex values decoded (EXECVE's ``aN`` too when
    ``execve``), ``msg='…'`` opened up; the names ``log_format=ENRICHED`` appends after a U+001D (``UID="root"``
    beside ``uid=0``: one column name to SQL) become ``uid_name`` …"""
    out: dict[str, str] = {}
    enriched = ""
    if "\x1d" in text:
        text, enriched = text.split("\x1d", 1)
    for key, value in _PAIR.findall(text):
        first = value[:1]
        if first == "'":
            if key == "msg":
                out.update(pairs(value[1:-1]))
            else:
                out[key] = value[1:-1]
        elif first == '"':
            out[key] = value[1:-1]
        elif key in _ENCODED or (execve and key[0] == "a"):
            out[key] = _decode_hex(key, value, execve)
        else:
            out[key] = value
    for key, value in _PAIR.findall(enriched):
        out[key.lower() + "_name"] = value[1:-1] if value[:1] in ("'", '"') else value
    return out


class AuditdDecoder:
    """Groups the records of a chunk by (node, time stamp and serial), in order of their first line; one row per
    event."""

    def __init__(self, parser: Parser):
        self.parser = parser
        self.names = parser.raw_columns()

    def tail_start(self, lines: list[bytes]) -> int | None:
        """First line of the chunk's last event: its other records may open the next chunk."""
        if not lines:
            return None
        m = _HEAD_B.match(lines[-1])
        if m is None:
            return None
        for i, line in enumerate(lines):
            mm = _HEAD_B.match(line)
            if mm is not None and mm.groups() == m.groups():
                return i
        return None

    def decode(self, lines: list[str]) -> Decoded:
        out = Decoded()
        # (node, "epoch:serial") → [first line, [(type, epoch, body)], texts]: the serial alone restarts at boot
        events: dict[tuple[str | None, str], list] = {}
        for i, line in enumerate(lines):
            m = _HEAD.match(line)
            if m is None:
                out.failures.append((i, f"not an audit record: no 'type=… msg=audit(…)' (parser '{self.parser.name}')"))
                continue
            node, rtype, epoch, serial = m.groups()
            ev = events.get((node, f"{epoch}:{serial}"))
            if ev is None:
                events[(node, f"{epoch}:{serial}")] = [i, [(rtype, epoch, line[m.end():])], [line]]
            else:
                ev[1].append((rtype, epoch, line[m.end():]))
                ev[2].append(line)
        docs: list[dict[str, str]] = []
        originals: list[str] = []
        for (node, stamp), (first, records, texts) in events.items():
            docs.append(self._event(node, stamp.rsplit(":", 1)[1], records))
            out.rows.append(first)
            originals.append("\n".join(texts))
        order = sorted(range(len(docs)), key=lambda k: out.rows[k])  # rows in line order
        docs = [docs[k] for k in order]
        out.rows = [out.rows[k] for k in order]
        out.originals = [originals[k] for k in order]
        out.pattern = [0] * len(docs)
        out.columns = dict(zip(self.names, fastcols.columns(docs, self.names, as_text), strict=True))
        return out

    @staticmethod
    def _event(node: str | None, serial: str, records: list[tuple[str, str, str]]) -> dict[str, str]:
        main = next((r for r in records if r[0] not in _DETAIL), records[0])
        doc: dict[str, str] = {}
        args: dict[int, str] = {}
        for rtype, _, body in records:
            if body is main[2] and rtype not in _DETAIL:
                continue
            kv = pairs(body, rtype == "EXECVE")
            if rtype == "EXECVE":
                for k, v in kv.items():
                    if (a := _ARG.match(k)) is not None:
                        args[int(a.group(1))] = v
                if "argc" in kv:
                    doc["argc"] = kv["argc"]
                continue
            if rtype == "PATH":  # the file acted on: the first PATH that is not the parent directory
                if kv.get("name") not in (None, "(null)") and ("path" not in doc or doc.get("nametype") == "PARENT"):
                    doc["path"] = kv["name"]
                    for k in ("nametype", "inode", "mode", "ouid", "ogid"):
                        if k in kv:
                            doc[k] = kv[k]
                continue
            if rtype == "PROCTITLE" and "proctitle" in kv:
                doc["proctitle"] = kv["proctitle"]
                continue
            for k, v in kv.items():
                doc.setdefault(k, v)
        if main[0] not in _DETAIL:
            doc.update(pairs(main[2]))  # the main record's own values win
        if args:
            for k in [k for k in doc if _ARG.match(k)]:
                del doc[k]  # SYSCALL's register values: the arguments are EXECVE's
            ordered = [args[k] for k in sorted(args)]
            doc["args"] = SEP.join(ordered)
            doc["command_line"] = " ".join(ordered)
            for k, v in args.items():
                doc[f"a{k}"] = v
        elif doc.get("cmd") or doc.get("proctitle"):
            doc["command_line"] = doc.get("cmd") or doc["proctitle"]
        if node:
            doc["node"] = node
        doc["record_type"] = main[0]
        doc["record_types"] = ",".join(dict.fromkeys(r[0] for r in records))
        doc["epoch"] = main[1]
        doc["sequence"] = serial
        return doc

    def score(self, lines: list[str]) -> float:
        if not lines:
            return 0.0
        return sum(1 for line in lines if _HEAD.match(line)) / len(lines)
