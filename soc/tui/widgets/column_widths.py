"""Column widths for a table drawn line by line: each column between its minimum and maximum, sized from what it
holds and from the terminal width. Pure arithmetic over lengths; never reads data or draws anything.

Shares the room by water-filling: every column is given its minimum, then all columns are raised to one common
level, each stopping at the width its content wants. Short columns (an IP, a level) show whole; only the
longest contents are cut, and by the same amount. The flexible column (the rule title) never goes below its room
and takes whatever is left over; optional columns are left out, in order, while the others cannot show whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    least: int  # never narrower
    most: int  # never wider (the flexible column still takes what is left over)


def layout(columns: Sequence[Column], wanted: Mapping[str, int], width: int, flexible: str, room: int,
           optional: Sequence[str] = (), gutter: int = 2) -> list[int]:
    """Width of each column in ``columns`` order, -1 for a column left out. ``wanted``: the length of each
    column's longest content (its header included); ``gutter``: cells before the first column; one space
    follows every column."""
    want = {c.key: min(max(wanted.get(c.key, c.least), c.least), c.most) for c in columns}
    least = {c.key: c.least for c in columns}
    flex = next(c for c in columns if c.key == flexible)
    least[flexible] = max(room, flex.least)
    want[flexible] = min(max(wanted.get(flexible, room), least[flexible]), max(flex.most, least[flexible]))
    shown = [c.key for c in columns]
    for key in optional:  # leave optional columns out while the rest cannot show whole beside the flexible room
        if sum(want[k] for k in shown if k != flexible) + room + len(shown) + gutter <= width:
            break
        shown.remove(key)
    space = max(width - gutter - len(shown), 0)
    got = _fill({k: least[k] for k in shown}, {k: want[k] for k in shown}, space)
    got[flexible] += max(space - sum(got.values()), 0)  # whatever is left: the flexible column
    return [got[c.key] if c.key in got else -1 for c in columns]


def _fill(low: dict[str, int], high: dict[str, int], space: int) -> dict[str, int]:
    """Widths from ``low`` toward ``high``, all raised to one common level (the highest that fits ``space``); a
    cell or two that is left over goes to the longest contents first."""
    def at(level: int) -> dict[str, int]:
        return {k: min(max(level, low[k]), max(high[k], low[k])) for k in low}

    top = max(high.values(), default=0)
    level = 0
    while level < top and sum(at(level + 1).values()) <= space:
        level += 1
    got = at(level)
    left = space - sum(got.values())
    for k in sorted((k for k in got if got[k] < high[k]), key=lambda k: high[k], reverse=True)[:max(left, 0)]:
        got[k] += 1
    return got
