"""The strings every regex match contains (``soc.detect.regex_literals``), checked against RE2 itself: strings
generated from each pattern, mutated (case flips, ``ſ`` for ``s``, the Kelvin sign for ``k``, noise), are kept when
DuckDB's ``regexp_matches`` finds the pattern in them — the embedded store's own test — and each must then contain,
lowercased as the cluster lowercases, a string of every group. Patterns: every ``|re`` of the shipped rules and
syntax where RE2 and Python differ.
"""

from __future__ import annotations

import random
import re
import warnings
from pathlib import Path

import duckdb
import pytest
import yaml

from soc.detect.regex_literals import C, required_literals, sre_parse

RULES = Path(__file__).resolve().parents[1] / "rules"
POOL = "aZ9 _-/.%'\"=<>(sSkKſ\u212a\u0130é\t"
CATEGORIES = {"CATEGORY_SPACE": " \t", "CATEGORY_DIGIT": "07", "CATEGORY_WORD": "aZ_9ſ"}
TRICKY = [
    r"whoami\s+/all", r"(?i)union\s+select", r"(cmd|powershell)\.exe\s+/c", r"a{,3}bc", r"(?:abc|abd)x",
    r"(foo|)bar", r"x(y|z)*w", r"(?i)(?:KUBET|w88)", r"[[:alpha:]]+abc", r"\bpass(word)?=\S+", r"\x41\x42C",
    r"(?s)begin.end", r"ab+c?d", r"(?i:Secret)key", r"(a|b)(c|d)(e|f)", r"^id=\d+$", r"\\\\server\\share",
]


def _shipped() -> list[tuple[str, bool]]:
    """Every ``|re`` value of the shipped rules, with whether it folds case (``|i``)."""
    out = []
    for path in sorted(RULES.rglob("*.yml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            for selection in (doc or {}).get("detection", {}).values():
                for key, value in (selection.items() if isinstance(selection, dict) else ()):
                    mods = key.split("|")[1:]
                    if "re" in mods:
                        out += [(str(v), "i" in mods) for v in (value if isinstance(value, list) else [value])]
    return out


def _generate(items, rnd: random.Random) -> str:
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.SUBPATTERN:
            out.append(_generate(av[-1], rnd))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            out += [_generate(av[2], rnd) for _ in range(rnd.randint(av[0], min(av[1], av[0] + 3)))]
        elif op is C.BRANCH:
            out.append(_generate(rnd.choice(av[1]), rnd))
        elif op is C.IN:
            members = [chr(a) for o, a in av if o is C.LITERAL] + [chr(rnd.randint(*a)) for o, a in av if o is C.RANGE]
            members += [c for o, a in av if o is C.CATEGORY for c in CATEGORIES.get(str(a), "")]
            out.append(rnd.choice(members or list(POOL)))
        elif op in (C.ANY, C.NOT_LITERAL):
            out.append(rnd.choice(POOL))
    return "".join(out)


def _mutate(text: str, rnd: random.Random) -> str:
    swaps = {"s": "ſ", "S": "ſ", "k": "\u212a", "K": "\u212a", "i": "\u0130"}
    chars = [(swaps.get(c, c) if rnd.random() < 0.3 else (c.swapcase() if rnd.random() < 0.4 else c)) for c in text]
    if rnd.random() < 0.3 and chars:
        chars.insert(rnd.randrange(len(chars) + 1), rnd.choice(POOL))
    return "".join(rnd.choice(["", "x ", "GET /?q="]) + "".join(chars) + rnd.choice(["", " y", "&z=1"]))


def _cluster_lower(text: str) -> str:
    """As the cluster's ``lowercase`` normaliser (Java's per-code-point ``toLowerCase``) for the characters here."""
    return "".join("i" if c == "\u0130" else c.lower() for c in text)


@pytest.mark.parametrize("pattern, fold", _shipped() + [(p, False) for p in TRICKY] + [(p, True) for p in TRICKY])
def test_every_match_contains_a_string_of_each_group(pattern: str, fold: bool):
    groups = required_literals(pattern, ignore_case=fold)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set": [[:alpha:]] read the Python way
            parsed = list(sre_parse.parse(pattern))
    except re.error:
        parsed = []
    rnd, db = random.Random(pattern), duckdb.connect()
    texts = {_mutate(_generate(parsed, rnd), rnd) for _ in range(400)} | {_generate(parsed, rnd) for _ in range(50)}
    texts |= {_mutate(pattern, rnd) for _ in range(50)} | {pattern}  # RE2 reads some syntax as literal text
    found = db.execute("SELECT t FROM unnest(?) AS u(t) WHERE regexp_matches(t, ?)",
                       [sorted(texts), ("(?i)" if fold else "") + pattern]).fetchall()
    if pattern != "[[:alpha:]]+abc":
        assert len(found) >= 5, f"too few matching strings generated for {pattern!r}"
    for (text,) in found:
        lowered = _cluster_lower(text)
        for group in groups:
            assert any(s in lowered for s in group), f"{pattern!r} matches {text!r}, which has none of {set(group)}"


def test_what_is_known_and_what_is_refused():
    assert required_literals(r"(^|&)author=[0-9]+(&|$)") == [frozenset({"author="})]
    assert required_literals(r"(?i)union\s+select") == [frozenset({"elect"}), frozenset({"union"})]
    assert required_literals(r"union\s+select") == [frozenset({"select"}), frozenset({"union"})]  # no folding
    assert required_literals(r"(w88|fb88|188bet)\b", ignore_case=True) == [frozenset({"w88", "fb88", "188bet"})]
    assert required_literals(r"(foo|)bar") == [frozenset({"bar"})]  # an empty branch requires nothing
    assert required_literals(r"a*b?") == []
    for refused in (r"[[:alpha:]]abc", r"\pLabc", r"\Qabc\E", r"abc\z", r"ab(?i)cd", r"(unclosed"):
        assert required_literals(refused) == [], refused  # RE2-only or unreadable syntax: nothing claimed


def test_re2_folds_ascii_letters_with_only_the_kelvin_sign_and_the_long_s():
    """The premise of splitting at ``s`` only: under ``(?i)`` RE2 finds an ASCII letter as a non-ASCII character only
    for ``k`` (U+212A, which the cluster lowercases to ``k``) and ``s`` (U+017F, which lowercasing keeps)."""
    db = duckdb.connect()
    db.execute("CREATE TABLE c AS SELECT unnest(?) AS ch",
               [[chr(c) for c in range(0x80, 0x30000) if not 0xD800 <= c < 0xE000]])
    folded = {letter: [ord(ch) for (ch,) in db.execute("SELECT ch FROM c WHERE regexp_matches(ch, ?)",
                                                        [f"(?i)^{letter}$"]).fetchall()]
              for letter in "abcdefghijklmnopqrstuvwxyz"}
    assert {k: v for k, v in folded.items() if v} == {"k": [0x212A], "s": [0x17F]}
