"""Packets (tshark field rows) → protocol events and per-connection flow summaries, in bounded memory.

One record per protocol event: ``dns`` (query joined with its answer), ``http`` (request joined with its
response), ``tls`` (client hello), ``credential`` (a login sent in clear text) and ``flow`` (one per connection:
bytes, packets, duration). Flows and unanswered transactions are flushed when idle (capture time) or when their
table is full, so memory does not grow with the capture. Secrets never leave this module: a record holds only a
masked form and the length of a password, and bodies/URLs are masked before they are cut to the stored prefix.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qsl

from soc.ingest.pcap.tshark import AGG, COL, NFLOW

RCODES = {"0": "NOERROR", "1": "FORMERR", "2": "SERVFAIL", "3": "NXDOMAIN", "4": "NOTIMP", "5": "REFUSED"}
QTYPES = {"1": "A", "2": "NS", "5": "CNAME", "6": "SOA", "12": "PTR", "15": "MX", "16": "TXT", "28": "AAAA",
          "33": "SRV", "64": "SVCB", "65": "HTTPS", "255": "ANY"}
TLS_VERSIONS = {"0x0300": "3.0", "0x0301": "1.0", "0x0302": "1.1", "0x0303": "1.2", "0x0304": "1.3"}
TRANSPORTS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp", "47": "gre", "50": "esp"}
PASSWORD_KEYS = r"pass|pwd|mat_?khau|matkhau|secret|passcode"
USER_KEYS = re.compile(r"user|login|email|account|ten_?dang_?nhap|tendangnhap|uid", re.I)
MASK = "********"
IMAP_LOGIN = re.compile(r'^\S+\s+LOGIN\s+("(?:[^"\\]|\\.)*"|\S+)\s+("(?:[^"\\]|\\.)*"|\S+)', re.I)

(N, T, LEN, SRC, DST, SRC6, DST6, PROTO, NXT, TSPORT, TDPORT, USPORT, UDPORT, TSTREAM, USTREAM) = (
    COL[k] for k in ("n", "t", "len", "src", "dst", "src6", "dst6", "proto", "nxt", "tsport", "tdport", "usport",
                     "udport", "tstream", "ustream"))
C = COL


def first(value: str) -> str:
    return value.split(AGG, 1)[0] if AGG in value else value


def unescape(value: str) -> str:
    """tshark escapes tabs/newlines/backslashes in field text."""
    if "\\" not in value:
        return value
    return value.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")


def _b64(text: str) -> str | None:
    try:
        return base64.b64decode(text.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _unquote(s: str) -> str:
    return s[1:-1].replace('\\"', '"').replace("\\\\", "\\") if len(s) >= 2 and s[0] == '"' else s


class Assembler:
    """Feed rows with :meth:`packet`; finished records accumulate in ``out`` as (position, record)."""

    def __init__(self, options: dict[str, Any]):
        self.body_prefix = int(options.get("body_prefix", 256))
        self.idle = float(options.get("flow_idle_seconds", 120))
        self.max_flows = int(options.get("max_flows", 50_000))
        self.max_pending = int(options.get("max_pending", 10_000))
        keys = options.get("password_keys", PASSWORD_KEYS)
        self.secret_key = re.compile(keys, re.I)
        self.mask_form = re.compile(rf"((?:^|[&?;])[^=&?;]*(?:{keys})[^=&]*=)[^&#]*", re.I)
        self.mask_json = re.compile(rf'("[^"]*(?:{keys})[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"', re.I)
        self.flows: OrderedDict[Any, list] = OrderedDict()
        self.http: OrderedDict[str, dict] = OrderedDict()
        self.dns: OrderedDict[tuple, dict] = OrderedDict()
        self.auth: dict[tuple, dict] = {}  # connection → login state (user seen, SMTP LOGIN stage)
        self.out: list[tuple[int, dict]] = []
        self.frame = 0
        self.now = 0.0

    # -- helpers --------------------------------------------------------------------------------------------
    def mask(self, text: str) -> str:
        if not text:
            return text
        return self.mask_json.sub(rf'\1"{MASK}"', self.mask_form.sub(rf"\1{MASK}", text))

    def body(self, raw: str) -> str | None:
        if not raw or self.body_prefix <= 0:
            return None
        return self.mask(unescape(first(raw)))[: self.body_prefix]

    @staticmethod
    def base(p: list[str]) -> dict[str, Any]:
        tcp = bool(p[TSTREAM])
        return {
            "frame": int(p[N]), "ts": p[T],
            "src_ip": first(p[SRC] or p[SRC6]), "dst_ip": first(p[DST] or p[DST6]),
            "src_port": first(p[TSPORT] if tcp else p[USPORT]) or None,
            "dst_port": first(p[TDPORT] if tcp else p[UDPORT]) or None,
            "transport": "tcp" if tcp else "udp" if p[USTREAM] else TRANSPORTS.get(first(p[PROTO] or p[NXT])),
        }

    def emit(self, rec: dict[str, Any]) -> None:
        self.out.append((self.frame, rec))

    def credential(self, p: list[str], protocol: str, ctype: str, user: str | None, secret: str | None) -> None:
        rec = self.base(p) | {"kind": "credential", "protocol": protocol, "cred_type": ctype, "user": user or None,
                              "secret_masked": MASK if secret else None, "secret_length": len(secret or "")}
        self.emit(rec)
        flow = self.flows.get(self.conv(p))
        if flow is not None:
            flow[12] = protocol

    # -- per packet -----------------------------------------------------------------------------------------
    def packet(self, p: list[str]) -> None:
        self.frame = int(p[N])
        self.now = float(p[T])
        self._flow(p)
        if len(p) == NFLOW:
            if self.frame % 2048 == 0:
                self.expire(self.now - self.idle)
            return
        if p[C["dns_id"]]:
            self._dns(p)
        if p[C["method"]] or p[C["status"]]:
            self._http(p)
        if p[C["hs"]]:
            self._tls(p)
        if p[C["ftp_cmd"]] or p[C["pop_cmd"]]:
            self._user_pass(p, "ftp" if p[C["ftp_cmd"]] else "pop3")
        if p[C["smtp_cmd"]] or p[C["smtp_user"]] or p[C["smtp_pass"]]:
            self._smtp(p)
        if p[C["imap_req"]]:
            m = IMAP_LOGIN.match(unescape(first(p[C["imap_req"]])))
            if m:
                self.credential(p, "imap", "imap_login", _unquote(m.group(1)), _unquote(m.group(2)))
        if self.frame % 2048 == 0:
            self.expire(self.now - self.idle)

    @staticmethod
    def ends(p: list[str]) -> tuple[tuple, tuple]:
        """The connection of a packet (transport and its two (address, port) ends in a fixed order), and its
        sending end."""
        src, dst = p[SRC] or p[SRC6], p[DST] or p[DST6]
        if AGG in src or AGG in dst:  # ICMP errors quote the packet they answer: the outer header comes first
            src, dst = first(src), first(dst)
        if p[TSPORT]:
            a, b, t = (src, p[TSPORT]), (dst, p[TDPORT]), "tcp"
        elif p[USPORT]:
            a, b, t = (src, first(p[USPORT])), (dst, first(p[UDPORT])), "udp"
        else:
            a, b, t = (src, ""), (dst, ""), first(p[PROTO] or p[NXT])
        return ((t, a, b) if a <= b else (t, b, a)), a

    def conv(self, p: list[str]) -> tuple:
        return self.ends(p)[0]

    def _flow(self, p: list[str]) -> None:
        key, sender = self.ends(p)
        size = int(p[LEN] or 0)
        flow = self.flows.get(key)
        if flow is not None and flow[1] < self.now - self.idle:  # same addresses and ports, new conversation
            del self.flows[key]
            self._flush_flow(key, flow)
            flow = None
        if flow is None:
            b = self.base(p)
            # first_ts, last_ts, src, sport, dst, dport, transport, fwd pkts, fwd bytes, rev pkts, rev bytes,
            # first frame, application protocol, originating end
            flow = [self.now, self.now, b["src_ip"], b["src_port"], b["dst_ip"], b["dst_port"], b["transport"],
                    0, 0, 0, 0, self.frame, None, sender]
            self.flows[key] = flow
            if len(self.flows) > self.max_flows:
                self._flush_flow(*self.flows.popitem(last=False))
        else:
            self.flows.move_to_end(key)
            flow[1] = self.now
        if sender == flow[13]:
            flow[7] += 1
            flow[8] += size
        else:
            flow[9] += 1
            flow[10] += size

    def _flush_flow(self, key: Any, f: list) -> None:
        self.auth.pop(key, None)
        self.emit({"kind": "flow", "frame": f[11], "ts": repr(f[0]), "end": repr(f[1]), "src_ip": f[2],
                   "src_port": f[3], "dst_ip": f[4], "dst_port": f[5], "transport": f[6], "src_packets": f[7],
                   "src_bytes": f[8], "dst_packets": f[9], "dst_bytes": f[10],
                   "duration_ns": int(round((f[1] - f[0]) * 1e9)), "protocol": f[12]})

    def _app(self, p: list[str], protocol: str) -> None:
        flow = self.flows.get(self.conv(p))
        if flow is not None and flow[12] is None:
            flow[12] = protocol

    def _dns(self, p: list[str]) -> None:
        self._app(p, "dns")
        key = (self.conv(p), first(p[C["dns_id"]]))
        answers = [a for c in ("a", "aaaa", "cname") for a in p[C[c]].split(AGG) if a]
        resolved = [a for c in ("a", "aaaa") for a in p[C[c]].split(AGG) if a]
        if p[C["dns_resp"]] in ("1", "True"):
            rec = self.dns.pop(key, None) or self.base(p) | {"kind": "dns", "dns_id": key[1],
                                                             "qname": first(p[C["qname"]]) or None}
            rec["qtype"] = QTYPES.get(first(p[C["qtype"]]), first(p[C["qtype"]]) or None)
            rec |= {"dns_type": "answer", "rcode": RCODES.get(first(p[C["rcode"]]), first(p[C["rcode"]])),
                    "answers": ",".join(answers) or None, "resolved_ip": ",".join(resolved) or None,
                    "answer_ts": p[T]}
            self.emit(rec)
            return
        self.dns[key] = self.base(p) | {"kind": "dns", "dns_type": "query", "dns_id": key[1],
                                        "qname": first(p[C["qname"]]) or None,
                                        "qtype": QTYPES.get(first(p[C["qtype"]]), first(p[C["qtype"]]) or None)}
        if len(self.dns) > self.max_pending:
            self.emit(self.dns.popitem(last=False)[1])

    def _http(self, p: list[str]) -> None:
        self._app(p, "http")
        if p[C["method"]]:
            uri = self.mask(unescape(first(p[C["uri"]])))
            rec = self.base(p) | {
                "kind": "http", "method": first(p[C["method"]]), "uri": uri, "host": first(p[C["host"]]) or None,
                "ua": unescape(first(p[C["ua"]])) or None, "referer": unescape(first(p[C["referer"]])) or None,
                "version": first(p[C["hver"]]).removeprefix("HTTP/") or None,
                "req_bytes": first(p[C["clen"]]) or None, "req_body": self.body(p[C["body"]])}
            basic = unescape(first(p[C["basic"]]))
            if basic:
                user, _, secret = basic.partition(":")
                rec["user"] = user
                self.credential(p, "http", "http_basic", user, secret)
            self._form(p, uri)
            self.http[p[N]] = rec
            if len(self.http) > self.max_pending:
                self.emit(self.http.popitem(last=False)[1])
            return
        rec = self.http.pop(first(p[C["req_in"]]), None) or self.base(p) | {"kind": "http"}
        rec |= {"status": first(p[C["status"]]), "resp_bytes": first(p[C["clen"]]) or None,
                "resp_body": self.body(p[C["body"]]), "resp_ts": p[T]}
        self.emit(rec)

    def _form(self, p: list[str], uri: str) -> None:
        """Form fields (urlencoded body) or URL query parameters naming a password → a credential event."""
        keys = [unescape(k) for k in p[C["fkey"]].split(AGG)] if p[C["fkey"]] else []
        values = [unescape(v) for v in p[C["fval"]].split(AGG)] if p[C["fval"]] else []
        pairs = list(zip(keys, values, strict=False))
        if not pairs and "?" in p[C["uri"]]:
            pairs = parse_qsl(unescape(first(p[C["uri"]])).split("?", 1)[1], keep_blank_values=True)
        secrets = [v for k, v in pairs if self.secret_key.search(k) and v]
        if secrets:
            user = next((v for k, v in pairs if USER_KEYS.search(k) and not self.secret_key.search(k)), None)
            self.credential(p, "http", "http_form", user, secrets[0])

    def _tls(self, p: list[str]) -> None:
        self._app(p, "tls")
        if "1" not in p[C["hs"]].split(AGG):
            return
        versions = p[C["tlsvers"]].split(AGG)
        version = "1.3" if "0x0304" in versions else TLS_VERSIONS.get(first(p[C["tlsver"]]))
        self.emit(self.base(p) | {"kind": "tls", "sni": first(p[C["sni"]]) or None, "tls_version": version,
                                  "ja3": first(p[C["ja3"]]) or None, "ja4": first(p[C["ja4"]]) or None})

    def _user_pass(self, p: list[str], protocol: str) -> None:
        self._app(p, protocol)
        cmd = first(p[C["ftp_cmd"]] or p[C["pop_cmd"]]).upper()
        arg = unescape(first(p[C["ftp_arg"]] or p[C["pop_arg"]]))
        state = self.auth.setdefault(self.conv(p), {})
        if cmd == "USER":
            state["user"] = arg
        elif cmd == "PASS":
            self.credential(p, protocol, f"{protocol}_user_pass", state.pop("user", None), arg)

    def _smtp(self, p: list[str]) -> None:
        self._app(p, "smtp")
        state = self.auth.setdefault(self.conv(p), {})
        cmd = first(p[C["smtp_cmd"]]).upper()
        if cmd == "AUTH":
            mech, _, initial = unescape(first(p[C["smtp_arg"]])).partition(" ")
            mech = mech.upper()
            if mech == "PLAIN" and initial:
                parts = (_b64(initial) or "").split("\x00")
                if len(parts) == 3:
                    self.credential(p, "smtp", "smtp_auth_plain", parts[1] or parts[0], parts[2])
            elif mech == "LOGIN":
                state["login"] = True
                if initial:
                    state["user"] = _b64(initial)
            return
        if state.get("login") and p[C["smtp_user"]]:
            state["user"] = _b64(first(p[C["smtp_user"]]))
        elif state.get("login") and p[C["smtp_pass"]]:
            secret = _b64(first(p[C["smtp_pass"]])) or ""
            self.credential(p, "smtp", "smtp_auth_login", state.pop("user", None), secret)
            state.pop("login", None)

    # -- flushing -------------------------------------------------------------------------------------------
    def expire(self, before: float | None) -> None:
        """Emit flows and unanswered transactions last seen before ``before`` (None: everything)."""
        while self.flows:
            key, flow = next(iter(self.flows.items()))
            if before is not None and flow[1] >= before:
                break
            del self.flows[key]
            self._flush_flow(key, flow)
        for table in (self.dns, self.http):
            while table:
                key, rec = next(iter(table.items()))
                if before is not None and float(rec["ts"]) >= before:
                    break
                del table[key]
                self.emit(rec)
