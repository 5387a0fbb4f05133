"""Every decoder a parser can name (``decoder: <name>`` in its YAML): one name → class registry, as pySigma
registers its transformations. Adding a decoder is one line here; nothing else chooses a decoder by name.

Text decoders are built with the parser (``decoder_for``); record decoders (:class:`RecordDecoder`) name the module
that reads their files, imported only when a file needs it.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from soc.ingest.auditd import AuditdDecoder
from soc.ingest.decoders import JsonDecoder, RegexDecoder
from soc.ingest.lines import CefDecoder, KvDecoder, W3cDecoder
from soc.ingest.modsec_native import ModsecDecoder
from soc.ingest.panos import PanosDecoder
from soc.ingest.parser_spec import Parser
from soc.ingest.records import DecoderUnavailable, EvtxRecords, PcapRecords, RecordDecoder
from soc.ingest.winfw import WinFirewallDecoder

DECODERS: dict[str, type] = {
    "regex": RegexDecoder,
    "json": JsonDecoder,
    "kv": KvDecoder,
    "cef": CefDecoder,
    "w3c": W3cDecoder,
    "modsec": ModsecDecoder,
    "auditd": AuditdDecoder,
    "winfw": WinFirewallDecoder,
    "panos": PanosDecoder,
    "evtx": EvtxRecords,
    "pcap": PcapRecords,
}


def is_record_decoder(name: str) -> bool:
    """Whether decoder ``name`` reads records of binary files rather than text lines."""
    cls = DECODERS.get(name)
    return cls is not None and issubclass(cls, RecordDecoder)


def decoder_for(parser: Parser) -> Any:
    """A fresh text decoder for ``parser`` (stateful ones, like w3c, keep state per instance: use one per file)."""
    cls = DECODERS.get(parser.decoder)
    if cls is None or issubclass(cls, RecordDecoder):
        raise ValueError(f"parser '{parser.name}': decoder '{parser.decoder}' is not implemented")
    return cls(parser)


def record_decoder(name: str) -> Any:
    """The ``DECODER`` of record decoder ``name``; :class:`DecoderUnavailable` when its module cannot load."""
    try:
        return DECODERS[name].load()
    except ModuleNotFoundError as exc:
        raise DecoderUnavailable(f"decoder '{name}' is not available: {exc}") from exc


def _record_decoders() -> list[tuple[str, type[RecordDecoder]]]:
    return [(name, cls) for name, cls in DECODERS.items() if issubclass(cls, RecordDecoder)]


def sniff(head: bytes) -> str | None:
    """The record decoder whose magic bytes start ``head``, if any."""
    return next((name for name, cls in _record_decoders() if cls.recognises(head)), None)


def fingerprint_span(head: bytes, fh: BinaryIO) -> tuple[int, int] | None:
    """(offset, length) of the bytes identifying a file of a record decoder whose module defines
    ``fingerprint_span(fh)`` (files whose first bytes are rewritten as they grow); None: use the first bytes."""
    name = sniff(head)
    return DECODERS[name].fingerprint_span(fh) if name is not None else None
