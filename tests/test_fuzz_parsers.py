"""Fuzz (issue 15): every text parser under ``parsers/`` fed mutated lines built from its own samples through the real
ingest path (a file on disk, ``ingest_paths``, the real store and dead-letter file). No exception may escape, and each
input line is accounted for exactly once: the first or a continuation line of one stored event or of one dead
letter, or a line with no data a decoder consumes (a W3C directive, a blank line between ModSecurity records). Seeded: a failure names the seed and the parser to replay it.

The count of inputs tried is printed in pytest's terminal summary (``pytest_terminal_summary`` in conftest.py).
"""

from __future__ import annotations

import base64
import json
import math
import os
import random
import re
from collections import Counter
from pathlib import Path

from soc.config import from_dict
from soc.ingest.engine import ingest_paths
from soc.ingest.parser import all_parsers
from soc.ingest.registry import is_record_decoder
from soc.ingest.samples import sample_files
from soc.store.registry import open_store

TOTAL = int(os.environ.get("SOC_FUZZ_INPUTS", "100000"))  # inputs per run, over all text parsers
SEED = int(os.environ.get("SOC_FUZZ_SEED", "15"))
TEXT_PARSERS = sorted(n for n, p in all_parsers().items() if not is_record_decoder(p.decoder))
DIRECTIVE = re.compile(r"#(Fields|Software|Version|Date|Start-Date|End-Date|Remark|Time Format):")
# Decoders that join the records of one event by a key (auditd: the serial), not by neighbouring lines: their
# events are checked by the lines' text, each input line in exactly one event or dead letter.
JOINED_BY_KEY = {"auditd"}

CHARS = list('"\\[]{}<>|,;:= \t\'%&?#@-+/.0123456789aZ') + ["\x00", "\x1b", "\r", "ạ", "\u202e", "\ufeff", "é"]
TOKENS = ['"', '\\"', " ", "  ", "-", "9" * 25, "-1", "1e999", "NaN", "::", "999.999.999.999", "\x00", "CEST", "XYZT",
          "+25:99", "{", "}", "[", "]", '{"a":', "null", "%s", "' OR 1=1--", "\r", "=", "==", "\\", "|", "#Fields: a b",
          "2026-02-30 25:61:61", "Feb 30 99:99:99", "-0000", "http://", "GET / HTTP/1.1", "12345678901234567890"]
JSON_VALUES = [None, 1e308, -1, 0, [], {}, {"a": {"b": [1, {"c": None}]}}, "x" * 300, True, "2026-13-45T99:99:99Z",
               "not a time", 2**70, -(2**63), 1.5, "", "-", "::1", "300.1.1.1", ["a", 1, None]]


def _mutate_json(line: str, rng: random.Random) -> str | None:
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not doc:
        return None
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(list(doc))
        if rng.random() < 0.2:
            del doc[key]
            if not doc:
                break
        else:
            doc[key] = rng.choice(JSON_VALUES)
    return json.dumps(doc, ensure_ascii=rng.random() < 0.5)


def mutate(line: str, pool: list[str], rng: random.Random) -> str:
    """One random variation of ``line``: 1-3 edits (a character changed, a span cut or doubled, a token inserted,
    digits replaced, the tail of another sample spliced on, a JSON value retyped …)."""
    if line.startswith("{") and rng.random() < 0.5:
        out = _mutate_json(line, rng)
        if out is not None:
            return out
    s = line
    for _ in range(rng.randint(1, 3)):
        n = len(s)
        op = rng.randrange(8)
        i = rng.randint(0, n)
        j = rng.randint(i, min(n, i + 12))
        if op == 0 and n:
            s = s[:min(i, n - 1)] + rng.choice(CHARS) + s[min(i, n - 1) + 1:]
        elif op == 1:
            s = s[:i] + s[j:]
        elif op == 2:
            s = s[:i] + rng.choice(TOKENS) + s[i:]
        elif op == 3:
            s = s[:i]
        elif op == 4:
            s = s[:j] + s[i:j] + s[j:]
        elif op == 5:
            other = rng.choice(pool)
            s = s[:i] + other[rng.randint(0, len(other)):]
        elif op == 6:
            s = re.sub(r"\d+", lambda m: rng.choice(["0", "99999999999999999999", "-5", "x", "", m.group(0)]), s,
                       count=rng.randint(1, 3))
        else:
            parts = s.split(" ")
            if len(parts) > 2:
                a, b = rng.randrange(len(parts)), rng.randrange(len(parts))
                parts[a], parts[b] = parts[b], parts[a]
                s = " ".join(parts)
    return s.replace("\n", " ")


def inputs(name: str, count: int, rng: random.Random) -> list[str]:
    pool = [line for log in sample_files(all_parsers()[name])
            for line in log.read_text(encoding="utf-8").splitlines()]
    pool = pool or ["x"]
    return [line if rng.random() < 0.1 else mutate(line, pool, rng) for line in (rng.choice(pool)
                                                                                  for _ in range(count))]


def consumed(line: str) -> bool:
    """A line a decoder may read without making it an event or a failure: a W3C directive (``#Fields:`` …), a
    blank line between ModSecurity records."""
    return bool(DIRECTIVE.match(line)) or not line.strip()


def _check_by_text(name: str, lines: list[str], events: list[dict], dead: list[dict]) -> list[str]:
    """Every input line (directives and blanks aside) in exactly one stored event or dead letter, by its text."""
    want = Counter(line for line in lines if not consumed(line))
    got: Counter[str] = Counter()
    for ev in events:
        got.update(ev["event.original"].split("\n"))
    for d in dead:
        raw = d["raw"] if "raw" in d else base64.b64decode(d["raw_base64"]).decode("utf-8", "replace")
        got.update(raw.split("\n"))
    got = Counter({k: v for k, v in got.items() if not consumed(k)})
    if got == want:
        return []
    twice, lost = got - want, want - got
    return [f"{name} (seed {SEED}): lines counted twice {list(twice)[:3]!r}, lines lost {list(lost)[:3]!r}"]


def _lines_of(text: str) -> int:
    return text.count("\n") + 1


def test_fuzz_every_parser_stores_or_dead_letters_each_input_once(tmp_path: Path, record_property):
    per_parser = math.ceil(TOTAL / len(TEXT_PARSERS))
    tried = 0
    problems: list[str] = []
    for name in TEXT_PARSERS:
        rng = random.Random(f"{SEED}:{name}")
        lines = inputs(name, per_parser, rng)
        log = tmp_path / f"{name}.log"
        log.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
        starts, pos = {}, 0
        for k, line in enumerate(lines):
            starts[pos] = k
            pos += len(line.encode("utf-8")) + 1
        cfg = from_dict({}, data_dir=tmp_path / f"data-{name}")
        try:
            summary = ingest_paths(cfg, [log], parser=name)
        except Exception as exc:  # noqa: BLE001 - the point: nothing may escape; report it with the seed
            problems.append(f"{name} (seed {SEED}): {type(exc).__name__}: {str(exc)[:300]}")
            continue
        tried += len(lines)
        covered = [0] * len(lines)
        with open_store(cfg) as store:
            events = store.events.dump("log.offset") if summary.stored else []
        for ev in events:
            first = starts[ev["log.offset"]]
            for k in range(first, first + _lines_of(ev["event.original"])):
                covered[k] += 1
        dead = [json.loads(x) for f in sorted((cfg.data_dir / "deadletter").glob("*.jsonl"))
                for x in f.read_text(encoding="utf-8").splitlines()]
        for d in dead:
            raw = d["raw"] if "raw" in d else base64.b64decode(d["raw_base64"]).decode("utf-8", "replace")
            first = starts[d["offset"]]
            for k in range(first, first + _lines_of(raw)):
                covered[k] += 1
        if name in JOINED_BY_KEY:
            problems += _check_by_text(name, lines, events, dead)
            continue
        twice = [k + 1 for k, c in enumerate(covered) if c > 1]
        lost = [k + 1 for k, c in enumerate(covered) if c == 0 and not consumed(lines[k])]
        if twice or lost or summary.skipped:
            problems.append(f"{name} (seed {SEED}): lines counted twice {twice[:5]}, lines lost {lost[:5]} "
                            f"(e.g. {lines[(twice or lost or [1])[0] - 1]!r}), skipped {summary.skipped}")
    record_property("fuzz_inputs", tried)
    assert not problems, f"{tried} fuzz inputs tried; " + "\n".join(problems)
    assert tried >= TOTAL, f"only {tried} fuzz inputs tried"

