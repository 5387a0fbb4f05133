"""What text every match of a regular expression must contain: the cluster's candidate query for a Sigma ``|re``
(``soc.detect.cluster_backend``) looks those strings up in a keyword's lowercase sub-field instead of reading every
event.

:func:`required_literals` gives groups of lowercase ASCII strings: a string the regex finds (RE2, searched, as the
embedded store's ``regexp_matches``) contains, for each group, at least one of its strings, compared after lower-
casing. Anything this cannot read the RE2 way gives no group (never a wrong one): the pattern is parsed with Python's
own parser, which reads RE2's common syntax alike; RE2-only syntax fails to parse (``\\pL``, ``\\Q…\\E``, ``\\z``) or
is refused here (POSIX classes ``[[:alpha:]]``, which Python reads as a set followed by a literal ``]``).
"""

from __future__ import annotations

import re
import warnings

try:  # Python 3.11+: the parser moved under re
    from re import _constants as C  # noqa: N812
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]  # noqa: N812
    import sre_parse  # type: ignore[no-redef]

Group = frozenset[str]
MAX_GROUPS = 6  # a query ANDs at most this many groups (the longest strings narrow most)
MAX_STRINGS = 64  # a group with more alternatives than this is not worth its query clauses
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
_INLINE_I = re.compile(r"\(\?[a-zA-Z]*i")


def required_literals(pattern: str, ignore_case: bool = False) -> list[Group]:
    """Groups of lowercase ASCII strings, each group naming strings one of which every match contains (best first);
    empty when nothing is known. ``ignore_case``: the rule's ``|i`` (an inline ``(?i)`` is seen here too)."""
    if "[:" in pattern:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" and the like: the parse is what counts
            parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return []
    # Under case folding RE2 finds "s" also as "ſ" (U+017F), which lowercasing leaves as it is: split there.
    folding = ignore_case or bool(parsed.state.flags & re.IGNORECASE) or bool(_INLINE_I.search(pattern))
    groups = {g for g in _sequence(list(parsed), folding) if g and len(g) <= MAX_STRINGS}
    return sorted(groups, key=lambda g: (-min(map(len, g)), len(g), sorted(g)))[:MAX_GROUPS]


def _sequence(items: list[tuple], folding: bool) -> list[Group]:
    """The groups every match of the sequence ``items`` satisfies: its runs of literal characters, and what its
    groups, repeats (at least once) and alternations require."""
    out: list[Group] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is C.LITERAL and _plain(av, folding):
            run.append(chr(av).lower())
            continue
        flush()
        if op is C.SUBPATTERN:
            out += _sequence(list(av[-1]), folding)
        elif op is getattr(C, "ATOMIC_GROUP", None):
            out += _sequence(list(av), folding)
        elif op in _REPEATS and av[0] >= 1:
            out += _sequence(list(av[2]), folding)
        elif op is C.BRANCH:
            best = [_best(_sequence(list(branch), folding)) for branch in av[1]]
            if all(b is not None for b in best):
                out.append(frozenset().union(*best))  # type: ignore[arg-type]
    flush()
    return out


def _plain(code: int, folding: bool) -> bool:
    """A character the cluster finds lowercased as the regex does: ASCII, and not ``s`` under case folding."""
    return code < 128 and not (folding and chr(code) in "sS")


def _best(groups: list[Group]) -> Group | None:
    """The group that narrows most: the longest shortest string, then the fewest strings."""
    return min(groups, key=lambda g: (-min(map(len, g)), len(g)), default=None)
