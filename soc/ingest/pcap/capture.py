"""Reading pcap/pcapng files block by block, to hand tshark a capture in segments of a bounded number of packets.

tshark keeps state for every frame and conversation it has seen, so one tshark over a whole mirror-port capture
grows with the capture. Feeding it segments (each a valid capture: the file's header blocks, then packets) keeps
memory bounded. This reader also finds where a file is cut short or corrupt: it hands over only whole blocks and
says where the damage starts. It never reads more than one block ahead and never writes to the file.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
SHB = 0x0A0D0D0A
PACKET_BLOCKS = {2, 3, 6}  # obsolete packet, simple packet, enhanced packet
IDB = 1
MAX_BLOCK = 64 * 1024 * 1024


class CaptureError(Exception):
    """Not a pcap/pcapng file."""


class CaptureReader:
    """Blocks of a capture; ``headers`` is what every segment must start with (pcap header, or SHB + IDBs)."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.offset = 0
        self.packets = 0
        self.done = False
        self.error: str | None = None
        magic = fh.read(4)
        if magic in PCAP_MAGICS:
            self.ng = False
            self.endian = PCAP_MAGICS[magic]
            rest = fh.read(20)
            if len(rest) < 20:
                raise CaptureError("pcap file header cut short")
            self.headers = magic + rest
            self.offset = 24
        elif magic == struct.pack("<I", SHB):
            self.ng = True
            self.endian = "<"
            self.headers = b""
            self._pending = magic
        else:
            raise CaptureError(f"not a pcap/pcapng file (starts with {magic.hex()})")

    def _damage(self, what: str) -> None:
        self.error = f"capture cut short or corrupt at byte {self.offset} (after packet {self.packets}): {what}"
        self.done = True

    def next_block(self) -> tuple[bytes, bool] | None:
        """The next whole block and whether it is a packet; None at the end or at damage (then ``error`` is set)."""
        if self.done:
            return None
        if not self.ng:
            head = self.fh.read(16)
            if not head:
                self.done = True
                return None
            if len(head) < 16:
                self._damage("incomplete packet header")
                return None
            incl = struct.unpack(self.endian + "I", head[8:12])[0]
            if incl > MAX_BLOCK:
                self._damage(f"packet length {incl} is not plausible")
                return None
            body = self.fh.read(incl)
            if len(body) < incl:
                self._damage(f"packet of {incl} bytes has only {len(body)}")
                return None
            self.offset += 16 + incl
            self.packets += 1
            return head + body, True
        head = getattr(self, "_pending", b"") + self.fh.read(8 - len(getattr(self, "_pending", b"")))
        self._pending = b""
        if not head:
            self.done = True
            return None
        if len(head) < 8:
            self._damage("incomplete block header")
            return None
        btype = struct.unpack(self.endian + "I", head[:4])[0]
        if btype == SHB:
            bom = self.fh.read(4)
            if len(bom) < 4:
                self._damage("incomplete section header")
                return None
            self.endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            head += bom
        length = struct.unpack(self.endian + "I", head[4:8])[0]
        if length < len(head) + 4 or length % 4 or length > MAX_BLOCK:
            self._damage(f"block length {length} is not plausible")
            return None
        body = self.fh.read(length - len(head))
        if len(body) < length - len(head):
            self._damage(f"block of {length} bytes has only {len(head) + len(body)}")
            return None
        block = head + body
        self.offset += length
        if btype == SHB:
            self.headers = block
        elif btype == IDB:
            self.headers += block
        is_packet = btype in PACKET_BLOCKS
        self.packets += is_packet
        return block, is_packet
