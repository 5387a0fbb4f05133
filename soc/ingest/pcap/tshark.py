"""Running tshark for the pcap decoder: located through pyshark, asked for a fixed list of fields (``-T fields``).

pyshark's own per-packet objects cost tens of microseconds per field, far too slow for a mirror-port capture, so
pyshark finds tshark and we stream its tab-separated field output line by line. tshark keeps state for every
frame it has seen, so it reads the capture in segments (``capture.py``), one process each, the next one starting
while the previous one's output is read: memory stays bounded whatever the capture size. Connections crossing a
segment boundary lose tshark's reassembly there (flows are keyed by address and port, so they stay whole).
This module never writes to the capture and never keeps more than one output line at a time.
"""

from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from functools import cache

from soc.ingest.pcap.capture import CaptureError, CaptureReader
from soc.ingest.records import DecoderUnavailable

AGG = "\x1f"  # separator of repeated values of one field (URLs and user agents contain commas)

# (tshark field, short key) — the order is the column order of the output
WANTED: tuple[tuple[str, str], ...] = (
    ("frame.number", "n"), ("frame.time_epoch", "t"), ("frame.len", "len"),
    ("ip.src", "src"), ("ip.dst", "dst"), ("ipv6.src", "src6"), ("ipv6.dst", "dst6"),
    ("ip.proto", "proto"), ("ipv6.nxt", "nxt"),
    ("tcp.srcport", "tsport"), ("tcp.dstport", "tdport"), ("udp.srcport", "usport"), ("udp.dstport", "udport"),
    ("tcp.stream", "tstream"), ("udp.stream", "ustream"),
    ("dns.id", "dns_id"), ("dns.flags.response", "dns_resp"), ("dns.qry.name", "qname"), ("dns.qry.type", "qtype"),
    ("dns.flags.rcode", "rcode"), ("dns.a", "a"), ("dns.aaaa", "aaaa"), ("dns.cname", "cname"),
    ("http.request.method", "method"), ("http.request.uri", "uri"), ("http.host", "host"),
    ("http.user_agent", "ua"), ("http.referer", "referer"), ("http.request.version", "hver"),
    ("http.response.code", "status"), ("http.content_length_header", "clen"), ("http.content_type", "ctype"),
    ("http.request_in", "req_in"), ("http.authbasic", "basic"), ("http.file_data", "body"),
    ("urlencoded-form.key", "fkey"), ("urlencoded-form.value", "fval"),
    ("tls.handshake.type", "hs"), ("tls.handshake.extensions_server_name", "sni"),
    ("tls.handshake.version", "tlsver"), ("tls.handshake.extensions.supported_version", "tlsvers"),
    ("tls.handshake.ja3", "ja3"), ("tls.handshake.ja4", "ja4"),
    ("ftp.request.command", "ftp_cmd"), ("ftp.request.arg", "ftp_arg"),
    ("smtp.req.command", "smtp_cmd"), ("smtp.req.parameter", "smtp_arg"),
    ("smtp.auth.username", "smtp_user"), ("smtp.auth.password", "smtp_pass"),
    ("pop.request.command", "pop_cmd"), ("pop.request.parameter", "pop_arg"),
    ("imap.request", "imap_req"),
)
COL = {key: i for i, (_, key) in enumerate(WANTED)}
NFLOW = COL["ustream"] + 1  # the first columns are all a flow needs; most packets carry nothing after them
EMPTY_TAIL = b"\t" * (len(WANTED) - NFLOW) + b"\n"
SEGMENT_PACKETS = 100_000  # packets per tshark process: tshark's memory grows with what it has seen
INSTALL = "install the Debian package 'tshark' (apt-get install tshark) — pyshark needs it to read captures"


@cache
def tshark_path() -> str:
    """The tshark executable pyshark would use; DecoderUnavailable naming the package when there is none."""
    try:
        # imported here: pyshark is optional and slow to import
        from pyshark.tshark.tshark import TSharkNotFoundException, get_process_path
    except ModuleNotFoundError as exc:
        raise DecoderUnavailable(f"packet captures need pyshark (pip install pyshark): {exc}") from exc
    try:
        path = get_process_path()
    except TSharkNotFoundException as exc:
        raise DecoderUnavailable(f"tshark not found: {INSTALL}") from exc
    if not os.path.exists(path):
        raise DecoderUnavailable(f"tshark not found at {path}: {INSTALL}")
    return path


@cache
def available_fields() -> frozenset[str]:
    """Field names this tshark knows (JA4, for one, only exists from Wireshark 4.2)."""
    out = subprocess.run([tshark_path(), "-G", "fields"], capture_output=True, text=True, errors="replace",
                         check=False).stdout
    return frozenset(line.split("\t")[2] for line in out.splitlines() if line.startswith("F\t"))


def command(path: str, fields: list[str] | None = None) -> list[str]:
    """The tshark command line printing ``fields`` (default: every field of WANTED this tshark knows)."""
    known = available_fields()
    names = fields or [f for f, _ in WANTED]
    cmd = [tshark_path(), "-r", path, "-n", "-T", "fields", "-E", "occurrence=a", "-E", f"aggregator={AGG}",
           "-E", "quote=n"]
    for f in names:
        # an unknown field would make tshark refuse to run: print a field that is empty in its place (ignored)
        cmd += ["-e", f if f in known else "frame.comment"]
    return cmd


def _feed(reader: CaptureReader, segment: int, slots: threading.Semaphore, out: queue.Queue) -> None:
    """Start one tshark per segment of the capture and write the segment to its stdin (at most two alive)."""
    try:
        while not reader.done:
            slots.acquire()
            err = tempfile.TemporaryFile()
            proc = subprocess.Popen(command("-"), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                    bufsize=1 << 20)
            out.put((proc, err, reader.packets))
            try:
                proc.stdin.write(reader.headers)
                n = 0
                while n < segment and (block := reader.next_block()) is not None:
                    proc.stdin.write(block[0])
                    n += block[1]
                proc.stdin.close()
            except BrokenPipeError:  # tshark gave up on the segment: its stderr says why
                pass
    except Exception as exc:  # noqa: BLE001 - reported as the capture's error, never lost in a thread
        reader.error = reader.error or f"reading the capture failed: {exc}"
        reader.done = True
    finally:
        out.put(None)


def stream(path: str, segment: int = SEGMENT_PACKETS) -> tuple[Iterator[list[str]], Callable[[], str]]:
    """Rows of fields for every packet (frame numbers counted over the whole file; only the first NFLOW columns
    when the others are empty), and a function returning what went wrong ('' when the whole capture was read).
    tshark reads ``segment`` packets at a time."""
    tshark_path()
    problems: list[str] = []
    unknown = {COL[k] for f, k in WANTED if f not in available_fields()}
    n_col, req_col = COL["n"], COL["req_in"]

    def rows() -> Iterator[list[str]]:
        with open(path, "rb") as fh:
            try:
                reader = CaptureReader(fh)
            except CaptureError as exc:
                problems.append(str(exc))
                return
            slots = threading.Semaphore(2)
            procs: queue.Queue = queue.Queue()
            feeder = threading.Thread(target=_feed, args=(reader, segment, slots, procs), daemon=True)
            feeder.start()
            finished = False
            try:
                while (item := procs.get()) is not None:
                    proc, err, base = item
                    try:
                        for raw in proc.stdout:
                            if raw.endswith(EMPTY_TAIL):  # fast path: a packet that only counts for its flow
                                parts = raw[: -len(EMPTY_TAIL)].decode("utf-8", "replace").split("\t")
                            else:
                                parts = raw.decode("utf-8", "replace").rstrip("\n").split("\t")
                                for i in unknown:
                                    parts[i] = ""
                            if base:
                                parts[n_col] = str(base + int(parts[n_col]))
                                if len(parts) > req_col and parts[req_col]:
                                    parts[req_col] = str(base + int(parts[req_col].split(AGG, 1)[0]))
                            yield parts
                    finally:
                        proc.stdout.close()
                        proc.wait()
                        problems.extend(_stderr(err, proc.returncode))
                        slots.release()
                finished = True
            finally:
                reader.done = True  # a consumer that stopped early: end the feeder and its tshark processes
                while not finished and (item := procs.get(timeout=60)) is not None:
                    item[0].kill()
                    item[0].wait()
                    slots.release()
                feeder.join(timeout=60)
            if reader.error:
                problems.append(reader.error)

    return rows(), lambda: " ".join(problems)


def _stderr(err, returncode: int) -> list[str]:
    err.seek(0)
    lines = [ln for ln in err.read().decode("utf-8", "replace").splitlines()
             if ln.strip() and "dangerous" not in ln and not ln.startswith("Running as user")]
    err.close()
    if returncode not in (0, None) and not lines:
        lines = [f"tshark exited with status {returncode}"]
    return lines
