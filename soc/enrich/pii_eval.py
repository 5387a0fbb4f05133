"""Precision and recall of the personal-data detectors on a labelled corpus (JSON lines: text + expected pii).

Scores (type, value) pairs per line, micro-averaged: a detection of the right value with the wrong type counts as
both a false positive and a false negative. Reads the corpus only; never prints a clear identifier.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from soc import paths
from soc.enrich import pii


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    lines: int = 0
    by_type: dict[str, Counter] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # masked descriptions of the misses, for tuning

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def default_corpus() -> Path:
    """``tests/pii_corpus.jsonl`` of a source checkout."""
    return paths.rules_dir().parent / "tests" / "pii_corpus.jsonl"


def evaluate(corpus: Path, today: date | None = None) -> Score:
    """Run the detectors over every line of ``corpus`` and count hits and misses."""
    score = Score()
    with corpus.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text, expected = item["text"], {(t, v) for t, v in item["pii"]}
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{corpus}:{lineno}: not a corpus line ({exc})") from exc
            got = {(m.type, m.value) for m in pii.find(text, today=today)}
            score.lines += 1
            for kind, value in got | expected:
                c = score.by_type.setdefault(kind, Counter())
                hit = (kind, value) in got and (kind, value) in expected
                outcome = "tp" if hit else ("fp" if (kind, value) in got else "fn")
                c[outcome] += 1
                setattr(score, outcome, getattr(score, outcome) + 1)
                if not hit:
                    score.errors.append(f"{corpus.name}:{lineno}: {outcome} {kind} {pii.mask(value, kind)}")
    return score
