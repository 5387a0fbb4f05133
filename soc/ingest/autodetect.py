"""Parser auto-detection: which parser reads a file, judged on its first lines (or a binary file's magic bytes).
Never reads more than it is given, and stores nothing.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from soc.config import from_dict
from soc.ingest.mapper import parse_lines
from soc.ingest.parser import Parser, all_parsers
from soc.ingest.registry import decoder_for, is_record_decoder, sniff
from soc.store.workspace import NO_ENRICHERS, Enrichers

SAMPLE_LINES = 200
MIN_SCORE = 0.2


@dataclass(frozen=True)
class Detection:
    parser: str
    confidence: float  # share of the sampled lines the parser decodes


def rank(lines: list[str], parsers: dict[str, Parser] | None = None, enrichers: Enrichers = NO_ENRICHERS
         ) -> list[Detection]:
    """Every parser's share of ``lines`` it can decode, best first (ties: the more specific parser, then the one
    that maps more of the lines, with ``enrichers`` as ingest would run them, then by name)."""
    sample = [line for line in lines[:SAMPLE_LINES] if line.strip()]
    parsers = parsers or all_parsers()
    scored = [(Detection(name, decoder_for(p).score(sample)), _specific(p, sample)) for name, p in parsers.items()
              if not is_record_decoder(p.decoder)]
    scored.sort(key=lambda s: (-s[0].confidence, -s[1], s[0].parser))
    tied = [d for d, spec in scored if d.confidence > 0 and (d.confidence, spec) == (scored[0][0].confidence,
                                                                                     scored[0][1])]
    if len(tied) > 1:  # same share decoded: the parser that maps more of the lines to ECS wins
        depth = {d.parser: _mapped(parsers[d.parser], sample, enrichers) for d in tied}
        best = sorted(tied, key=lambda d: (-depth[d.parser][0], -depth[d.parser][1], d.parser))
        scored = [(d, 0.0) for d in best] + [s for s in scored if s[0] not in tied]
    return [d for d, _ in scored]


def _mapped(parser: Parser, lines: list[str], enrichers: Enrichers) -> tuple[float, float]:
    """(share of lines mapped with a timestamp, mean number of ECS fields filled) — run through the real
    transform in a throw-away data directory."""
    if not lines:
        return 0.0, 0.0
    with tempfile.TemporaryDirectory(prefix="soc-detect-") as tmp:
        rows, _ = parse_lines(from_dict({}, data_dir=Path(tmp)), lines[:50], parser.name, enrichers=enrichers)
    filled = [sum(v is not None for v in row.values()) for row in rows if row["@timestamp"] is not None]
    return len(filled) / min(len(lines), 50), (sum(filled) / len(filled) if filled else 0.0)


def _specific(parser: Parser, lines: list[str]) -> float:
    """Share of lines a regex parser reads with a pattern other than its catch-all ("other*"): on a tie, the
    product parser (zimbra's postfix lines) beats a generic one (syslog, linux_auth's fallback)."""
    if parser.decoder != "regex" or not lines:
        return 0.5  # python decoders (kv, cef, w3c, json) require their own structure already
    specific = [re.compile(p.regex) for p in parser.patterns if not p.name.startswith("other")]
    return sum(1 for line in lines if any(rx.match(line) for rx in specific)) / len(lines)


def detect_binary(head: bytes, parsers: dict[str, Parser] | None = None) -> Detection | None:
    """The parser of a binary file recognised by its magic bytes (EVTX, pcap …), if any."""
    decoder = sniff(head)
    if decoder is None:
        return None
    for name, p in sorted((parsers or all_parsers()).items()):
        if p.decoder == decoder:
            return Detection(name, 1.0)
    return None


def detect(lines: list[str], parsers: dict[str, Parser] | None = None, enrichers: Enrichers = NO_ENRICHERS
           ) -> Detection | None:
    """The best parser for these lines, or None when no parser decodes at least a fifth of them."""
    ranked = rank(lines, parsers, enrichers)
    if ranked and ranked[0].confidence >= MIN_SCORE:
        return ranked[0]
    return None
