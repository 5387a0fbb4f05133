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
SURE_MARGIN = 0.1  # the winner must decode this much more of the lines than the runner-up to be sure


@dataclass(frozen=True)
class Detection:
    parser: str
    confidence: float  # share of the sampled lines the parser decodes
    specific: float = 0.0  # tie-breaker: share of lines in the parser's product-specific shapes


def rank(lines: list[str], parsers: dict[str, Parser] | None = None, enrichers: Enrichers = NO_ENRICHERS
         ) -> list[Detection]:
    """Every parser's share of ``lines`` it can decode, best first (ties: the more specific parser, then the one
    that maps more of the lines, with ``enrichers`` as ingest would run them, then by name)."""
    sample = [line for line in lines[:SAMPLE_LINES] if line.strip()]
    parsers = parsers or all_parsers()
    scored = [(Detection(name, _score(p, sample), spec), spec) for name, p in parsers.items()
              if not is_record_decoder(p.decoder) for spec in (_specific(p, sample),)]
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


def _score(parser: Parser, lines: list[str]) -> float:
    """The decoder's share of ``lines``; 0 when a line matches the parser's ``detect_exclude`` regex (IIS: a
    "#Software: Microsoft Windows Firewall" header)."""
    exclude = parser.options.get("detect_exclude")
    if exclude and any(re.search(exclude, line) for line in lines[:20]):
        return 0.0
    return decoder_for(parser).score(lines)


def _specific(parser: Parser, lines: list[str]) -> float:
    """Share of lines a regex parser reads with a pattern other than its catch-all ("other*"): on a tie, the
    product parser (zimbra's postfix lines) beats a generic one (syslog, linux_auth's fallback). A parser's
    ``detect_prefer`` regex (lines only that product writes, e.g. Tomcat's thread names) counts above that."""
    prefer = parser.options.get("detect_prefer")
    if prefer and lines:
        share = sum(1 for line in lines if re.search(prefer, line)) / len(lines)
        if share:
            return 1.0 + share
    if parser.decoder != "regex" or not lines:
        return 0.5  # python decoders (kv, cef, w3c, json) require their own structure already
    specific = [re.compile(p.regex) for p in parser.patterns if not p.name.startswith("other")]
    return sum(1 for line in lines if any(rx.match(line) for rx in specific)) / len(lines)


@dataclass(frozen=True)
class Verdict:
    """What detection concludes: the parser chosen (None: none reads the file), how sure, the runner-up."""

    parser: str | None
    confidence: float
    runner_up: Detection | None
    sure: bool
    reason: str

    def line(self) -> str:
        """One line for a person: the choice, its confidence, the runner-up, and whether to trust it."""
        if self.parser is None:
            best = f" (best: {self.runner_up.parser} {self.runner_up.confidence:.0%})" if self.runner_up else ""
            return f"verdict: no parser reads this file{best}: {self.reason}"
        other = (f"; runner-up {self.runner_up.parser} {self.runner_up.confidence:.0%}"
                 if self.runner_up and self.runner_up.confidence > 0 else "; no runner-up")
        head = "verdict" if self.sure else "verdict (UNSURE)"
        share = "file signature" if self.runner_up is None and self.reason.startswith("recognised") else \
            f"{self.confidence:.0%} of the lines"
        return f"{head}: {self.parser} ({share}){other} — {self.reason}"


def verdict(ranked: list[Detection], binary: bool = False) -> Verdict:
    """The verdict over a ranking (best first): sure when the winner reads most lines and clearly more than the
    runner-up, or won a tie on a product-specific line shape."""
    if not ranked:
        return Verdict(None, 0.0, None, False, "no parser applies")
    best, second = ranked[0], (ranked[1] if len(ranked) > 1 else None)
    if binary:
        return Verdict(best.parser, best.confidence, None, True, "recognised by the file signature")
    if best.confidence < MIN_SCORE:
        return Verdict(None, best.confidence, best, False,
                       f"no parser decodes {MIN_SCORE:.0%} of the first lines; name one with --parser")
    gap = best.confidence - (second.confidence if second else 0.0)
    if best.confidence < 0.5:  # (multi-line files count their continuation lines as undecoded: 0.5, not 0.9)
        return Verdict(best.parser, best.confidence, second, False,
                       "only part of the lines decode; check the dead-letter file or name the parser")
    if gap < SURE_MARGIN and best.specific > second.specific:
        return Verdict(best.parser, best.confidence, second, True,
                       f"{second.parser} reads as many lines, but {best.parser} knows their product-specific shape")
    if gap < SURE_MARGIN:
        return Verdict(best.parser, best.confidence, second, False,
                       f"{second.parser} reads as many lines; if wrong, map the path in [ingest.parsers]")
    return Verdict(best.parser, best.confidence, second, True, "clear winner")


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
