"""The event search language of the TUI: ``field:value AND NOT field:"quoted value" field:pre* words from:24h``,
parsed into a ``Query`` of terms that each store compiles to its own language (``soc.store.search_sql``).

Never guesses: anything it cannot read raises ``QueryError`` with words an analyst can act on; never runs anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from soc.timefmt import parse_when

TIME_COLUMN = "@timestamp"
TEXT_COLUMN = "event.original"
ALIASES = {  # short names analysts type → ECS fields
    "ip": "source.ip", "src": "source.ip", "dst": "destination.ip", "user": "user.name",
    "dataset": "event.dataset", "url": "url.original", "host": "host.hostname", "system": "soc.system",
    "status": "http.response.status_code", "method": "http.request.method",
}
_TOKEN = re.compile(r'\s*(?:(?P<field>[^\s:"()]+):)?(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s"]+))')
MAX_TERMS = 32


class QueryError(ValueError):
    """The query cannot be run; the message says why in words an analyst can act on."""


@dataclass(frozen=True)
class Term:
    """One condition: ``field`` (None = free text in event.original) matches ``value``."""

    field: str | None
    value: str
    negate: bool = False
    mode: str = "eq"  # eq | prefix | contains


@dataclass
class Query:
    terms: list[Term] = field(default_factory=list)
    since: datetime | None = None  # UTC, naive (as stored)
    until: datetime | None = None


def parse_time(value: str, zone: str, now: datetime | None = None) -> datetime:
    """``24h`` / ``30m`` / ``7d`` ago, or ISO (in ``zone`` unless it has an offset) → naive UTC datetime."""
    try:
        return parse_when(value, zone, now).replace(tzinfo=None)
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def parse(text: str, zone: str = "UTC", now: datetime | None = None) -> Query:
    """Parse the search box; raises ``QueryError`` for anything it cannot read (never guesses)."""
    query = Query()
    pos, negate = 0, False
    text = text.strip()
    if re.sub(r"\\.", "", text).count('"') % 2:
        raise QueryError(f"unclosed quote in {text[text.rfind(chr(34)):][:40]!r}")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            rest = text[pos:].strip()
            if rest.startswith('"'):
                raise QueryError(f"unclosed quote in {rest[:40]!r}")
            raise QueryError(f"cannot read {rest[:40]!r}")
        pos = m.end()
        name, quoted, bare = m.group("field"), m.group("quoted"), m.group("bare")
        if name is None and quoted is None and bare in ("AND", "&&"):
            continue
        if name is None and quoted is None and bare in ("NOT", "-"):
            negate = not negate
            continue
        if name is None and quoted is None and bare in ("OR", "||"):
            raise QueryError("OR is not supported; run one search per alternative")
        value = _unescape(quoted) if quoted is not None else bare
        if name is None and quoted is None and bare.endswith(":"):
            raise QueryError(f"{bare} needs a value (quote it: {bare}\"…\")")
        if name is not None and name.lower() in ("from", "to"):
            if negate:
                raise QueryError(f"NOT cannot apply to {name}:")
            at = parse_time(value, zone, now)
            if name.lower() == "from":
                query.since = at
            else:
                query.until = at
            continue
        if value == "":
            raise QueryError(f"{name or 'text'}: needs a value")
        mode = "eq" if name is not None else "contains"
        if quoted is None and name is not None and value != "*":
            if value.startswith("*") and value.endswith("*") and len(value) > 2:
                mode, value = "contains", value[1:-1]
            elif value.endswith("*"):
                mode, value = "prefix", value[:-1]
            if "*" in value:
                raise QueryError(f"{name}:{bare}: only a trailing * (prefix) or *both ends* (contains) is supported")
        if name is not None and value == "*":
            mode, value = "exists", ""
        field_name = ALIASES.get(name.lower(), name) if name is not None else None
        query.terms.append(Term(field_name, value, negate, mode))
        negate = False
        if len(query.terms) > MAX_TERMS:
            raise QueryError(f"too many conditions (at most {MAX_TERMS})")
    if negate:
        raise QueryError("NOT at the end of the query has nothing to negate")
    if query.since and query.until and query.since > query.until:
        raise QueryError("from: is after to:")
    return query


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)
