"""Windows Firewall ``pfirewall.log`` decoder: the W3C-like log of ``netsh advfirewall`` (``#Version``,
``#Software: Microsoft Windows Firewall``, ``#Time Format``, ``#Fields``). Decodes only; never drops a line silently.
"""

from __future__ import annotations

from soc.ingest.lines import W3cDecoder

# The field set Windows writes (Windows 10/11 and Server 2016+ add ``pid`` at the end: #Fields names it).
DEFAULT_FIELDS = ("date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin "
                  "icmptype icmpcode info path").split()


class WinFirewallDecoder(W3cDecoder):
    """W3C lines with the firewall's own directives; a file without ``#Software: Microsoft Windows Firewall`` in
    its first lines is not a firewall log for auto-detection."""

    def fields(self, text: str):
        if text.startswith(("#Time Format:", "#Software:", "#Version:")):
            return None
        return super().fields(text)

    def score(self, lines: list[str]) -> float:
        if not any(line.startswith("#Software: Microsoft Windows Firewall") for line in lines[:20]):
            return 0.0
        return super().score(lines)
