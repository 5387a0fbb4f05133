"""Reproducible packet captures built with scapy, for the pcap tests, the rule samples and bench/pcap.py.

Every capture is a pure function of its arguments (fixed timestamps, seeded randomness), so the committed rule
samples under ``rules/network/samples`` can be rebuilt byte for byte: ``python tests/pcapgen.py``. It never sends
a packet: scapy only builds bytes.
"""

from __future__ import annotations

import base64
import random
import struct
from pathlib import Path

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.layers.tls.extensions import ServerName, TLS_Ext_ServerName, TLS_Ext_SupportedGroups
from scapy.layers.tls.handshake import TLSClientHello
from scapy.layers.tls.record import TLS

T0 = 1795000000.0  # 2026-11-18T11:06:40Z


class Capture:
    """Packets with explicit times, written as a classic little-endian pcap (linktype Ethernet)."""

    def __init__(self, t0: float = T0):
        self.t = t0
        self.frames: list[tuple[float, bytes]] = []

    def add(self, pkt, dt: float = 0.001) -> None:
        self.t += dt
        self.frames.append((self.t, bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / pkt)))

    def write(self, path: Path) -> Path:
        with open(path, "wb") as fh:
            fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, data in self.frames:
                sec = int(t)
                fh.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)), len(data), len(data)))
                fh.write(data)
        return path

    # -- protocols ------------------------------------------------------------------------------------------
    def dns(self, client: str, server: str, name: str, answers: list[str] | None = None, qid: int = 1,
            sport: int = 40000, qtype: str = "A", rcode: int = 0) -> None:
        q = DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype=qtype))
        self.add(IP(src=client, dst=server) / UDP(sport=sport, dport=53) / q)
        if answers is not None:
            an = [DNSRR(rrname=name, type=qtype, ttl=300, rdata=a) for a in answers]
            r = DNS(id=qid, qr=1, rd=1, ra=1, rcode=rcode, qd=DNSQR(qname=name, qtype=qtype), an=an)
            self.add(IP(src=server, dst=client) / UDP(sport=53, dport=sport) / r)

    def tcp(self, client: str, server: str, sport: int, dport: int, exchanges: list[tuple[bool, bytes]],
            close: bool = True) -> None:
        """A TCP connection: handshake, each (from_client, payload) segment acknowledged, then FIN/ACK."""
        cs, ss = 1000, 5000
        self.add(IP(src=client, dst=server) / TCP(sport=sport, dport=dport, flags="S", seq=cs))
        self.add(IP(src=server, dst=client) / TCP(sport=dport, dport=sport, flags="SA", seq=ss, ack=cs + 1))
        cs, ss = cs + 1, ss + 1
        self.add(IP(src=client, dst=server) / TCP(sport=sport, dport=dport, flags="A", seq=cs, ack=ss))
        for from_client, payload in exchanges:
            if from_client:
                self.add(IP(src=client, dst=server) / TCP(sport=sport, dport=dport, flags="PA", seq=cs, ack=ss)
                         / payload)
                cs += len(payload)
            else:
                self.add(IP(src=server, dst=client) / TCP(sport=dport, dport=sport, flags="PA", seq=ss, ack=cs)
                         / payload)
                ss += len(payload)
        if close:
            self.add(IP(src=client, dst=server) / TCP(sport=sport, dport=dport, flags="FA", seq=cs, ack=ss))
            self.add(IP(src=server, dst=client) / TCP(sport=dport, dport=sport, flags="FA", seq=ss, ack=cs + 1))
            self.add(IP(src=client, dst=server) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 1, ack=ss + 1))

    def http(self, client: str, server: str, sport: int, request: bytes, response: bytes) -> None:
        self.tcp(client, server, sport, 80, [(True, request), (False, response)])

    def tls_hello(self, client: str, server: str, sport: int, sni: str) -> None:
        hello = TLS(msg=[TLSClientHello(
            version=0x0303, gmt_unix_time=0, random_bytes=b"\x11" * 28, ciphers=[0x1301, 0xC02F, 0x009C],
            ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=sni.encode())]),
                 TLS_Ext_SupportedGroups(groups=[29, 23])])])
        self.tcp(client, server, sport, 443, [(True, bytes(hello))], close=True)


def http_get(host: str, path: str, ua: str = "Mozilla/5.0", extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\n{extra}\r\n".encode()


def http_post(host: str, path: str, body: str, ua: str = "Mozilla/5.0") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body.encode())}\r\n\r\n"
            f"{body}").encode()


def http_ok(body: str = "<html>ok</html>", status: str = "200 OK") -> bytes:
    data = body.encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode() + data


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- the fixtures ------------------------------------------------------------------------------------------------
def protocols(path: Path) -> Path:
    """One of each: DNS A/AAAA/NXDOMAIN, HTTP GET + response, TLS ClientHello with SNI."""
    c = Capture()
    c.dns("10.0.0.5", "10.0.0.53", "dichvucong.gov.vn", ["203.162.10.20", "203.162.10.21"], qid=0x1234)
    c.dns("10.0.0.5", "10.0.0.53", "khong-ton-tai.gov.vn", [], qid=0x2222, sport=40001, rcode=3)
    c.http("10.0.0.5", "203.162.10.20", 50000,
           http_get("dichvucong.gov.vn", "/tra-cuu?ma=HS001", ua="Mozilla/5.0 (X11; Linux) Firefox/130.0",
                    extra="Referer: http://dichvucong.gov.vn/\r\n"),
           http_ok("<html>Hồ sơ HS001: đã tiếp nhận</html>"))
    c.tls_hello("10.0.0.5", "142.250.66.78", 50001, "mail.google.com")
    return c.write(path)


def credentials(path: Path) -> Path:
    """Cleartext logins: HTTP Basic, form POST, FTP, SMTP AUTH PLAIN and LOGIN, POP3, IMAP."""
    c = Capture()
    c.http("10.0.0.7", "10.1.0.10", 51000,
           http_get("intranet.local", "/admin/", extra=f"Authorization: Basic {b64('admin:Bas1cS3cret')}\r\n"),
           http_ok())
    c.http("10.0.0.7", "10.1.0.10", 51001,
           http_post("portal.local", "/login", "username=nguyenvana&password=F0rmS3cret%21&remember=1"),
           http_ok("welcome"))
    c.tcp("10.0.0.7", "10.1.0.21", 51002, 21, [
        (False, b"220 FTP ready\r\n"), (True, b"USER ftpuser\r\n"), (False, b"331 Password required\r\n"),
        (True, b"PASS FtpS3cret\r\n"), (False, b"230 Logged in\r\n")])
    c.tcp("10.0.0.7", "10.1.0.25", 51003, 25, [
        (False, b"220 mail ESMTP\r\n"), (True, b"EHLO pc\r\n"), (False, b"250 AUTH PLAIN LOGIN\r\n"),
        (True, f"AUTH PLAIN {b64(chr(0) + 'smtpplain' + chr(0) + 'PlainS3cret')}\r\n".encode()),
        (False, b"235 2.7.0 Authentication successful\r\n")])
    c.tcp("10.0.0.7", "10.1.0.25", 51004, 25, [
        (False, b"220 mail ESMTP\r\n"), (True, b"EHLO pc\r\n"), (False, b"250 AUTH LOGIN\r\n"),
        (True, b"AUTH LOGIN\r\n"), (False, b"334 VXNlcm5hbWU6\r\n"), (True, f"{b64('smtplogin')}\r\n".encode()),
        (False, b"334 UGFzc3dvcmQ6\r\n"), (True, f"{b64('LoginS3cret')}\r\n".encode()),
        (False, b"235 2.7.0 Authentication successful\r\n")])
    c.tcp("10.0.0.7", "10.1.0.110", 51005, 110, [
        (False, b"+OK POP3 ready\r\n"), (True, b"USER popuser\r\n"), (False, b"+OK\r\n"),
        (True, b"PASS PopS3cret\r\n"), (False, b"+OK logged in\r\n")])
    c.tcp("10.0.0.7", "10.1.0.143", 51006, 143, [
        (False, b"* OK IMAP4rev1 ready\r\n"), (True, b"a1 LOGIN imapuser ImapS3cret\r\n"),
        (False, b"a1 OK LOGIN completed\r\n")])
    return c.write(path)


SECRETS = ("Bas1cS3cret", "F0rmS3cret", "FtpS3cret", "PlainS3cret", "LoginS3cret", "PopS3cret", "ImapS3cret")


def no_credentials(path: Path) -> Path:
    """Plain traffic without any login: the true negative of the credential rule."""
    c = Capture()
    c.http("10.0.0.7", "10.1.0.10", 52000, http_get("portal.local", "/tin-tuc"), http_ok())
    c.http("10.0.0.7", "10.1.0.10", 52001, http_post("portal.local", "/tim-kiem", "q=thu+tuc&page=2"), http_ok())
    c.tcp("10.0.0.7", "10.1.0.21", 52002, 21, [(False, b"220 FTP ready\r\n"), (True, b"QUIT\r\n")])
    return c.write(path)


def dns_watchlist(path: Path, bad: bool) -> Path:
    c = Capture()
    c.dns("10.0.0.9", "10.0.0.53", "dichvucong.gov.vn", ["203.162.10.20"], qid=1)
    if bad:
        c.dns("10.0.0.9", "10.0.0.53", "c2.evil-example.duckdns.org", ["45.9.148.3"], qid=2, sport=40002)
    else:
        c.dns("10.0.0.9", "10.0.0.53", "duckdns.org.gov.vn", ["203.162.10.22"], qid=2, sport=40002)
    return c.write(path)


def mixed(path: Path, packets: int, seed: int = 7) -> Path:
    """A capture mixing DNS, HTTP, TLS and bare TCP connections; about ``packets``. Clients are 10.0.0.0/8."""
    rnd = random.Random(seed)
    c = Capture()
    names = ["dichvucong.gov.vn", "portal.tinh.gov.vn", "mail.tinh.gov.vn", "www.google.com", "zalo.me"]
    n = 0
    while len(c.frames) < packets:
        n += 1
        client = f"10.{rnd.randrange(4)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
        sport = 1024 + n % 60000
        kind = rnd.random()
        if kind < 0.35:
            c.dns(client, "172.16.0.53", rnd.choice(names), [f"203.162.{rnd.randrange(256)}.{rnd.randrange(256)}"],
                  qid=n % 65536, sport=sport)
        elif kind < 0.7:
            c.http(client, "203.162.10.20", sport, http_get("dichvucong.gov.vn", f"/hs?id={rnd.randrange(99999)}"),
                   http_ok("x" * rnd.randrange(10, 400)))
        elif kind < 0.9:
            c.tls_hello(client, "142.250.66.78", sport, rnd.choice(names))
        else:
            c.tcp(client, "172.16.0.30", sport, 3306, [(True, b"\x00" * rnd.randrange(1, 200)),
                                                     (False, b"\x01" * rnd.randrange(1, 900))])
    return c.write(path)


def replicate(base: Path, out: Path, copies: int, shift: float = 3600.0) -> int:
    """``copies`` of a classic pcap one after the other, each ``shift`` seconds later with its 10.x clients moved to
    (10+i).x so connections stay distinct (tshark would take a repeat for retransmissions). Returns packets."""
    data = base.read_bytes()
    header, frames, pos = data[:24], [], 24
    while pos + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, pos)
        frames.append((sec, usec, orig, data[pos + 16: pos + 16 + incl]))
        pos += 16 + incl
    with open(out, "wb") as fh:
        fh.write(header)
        for i in range(copies):
            for sec, usec, orig, frame in frames:
                b = bytearray(frame)
                for off in (26, 30):  # IPv4 source / destination, first octet (checksums are not validated)
                    if b[off] == 10:
                        b[off] = 10 + i
                fh.write(struct.pack("<IIII", sec + int(i * shift), usec, len(b), orig))
                fh.write(b)
    return len(frames) * copies


if __name__ == "__main__":  # rebuild the committed rule samples
    root = Path(__file__).resolve().parent.parent / "rules" / "network" / "samples"
    for sub in ("cleartext_credentials", "dns_watchlist"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    credentials(root / "cleartext_credentials" / "tp.pcap")
    no_credentials(root / "cleartext_credentials" / "tn.pcap")
    dns_watchlist(root / "dns_watchlist" / "tp.pcap", bad=True)
    dns_watchlist(root / "dns_watchlist" / "tn.pcap", bad=False)
