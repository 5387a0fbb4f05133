"""Sigma → a cluster *candidate* query (Lucene query string, pySigma's Elasticsearch Lucene backend with our ECS
pipelines): every event a rule's SQL matches is among the events this query finds, so a cluster scan fetches only
those and confirms them locally with the SQL. It must never miss a match; finding more is allowed.

How it stays a superset: plain and ``|cased`` strings on keyword fields are looked up lowercased in the
``<field>.lc`` sub-field (``normalizer: lowercase``, ``soc.store.cluster.schema``), ``?`` widened to ``*``, OR'd
with "no indexed ``.lc`` value" (a value longer than ``ignore_above`` is not indexed); a regex (RE2) becomes the
strings each of its matches contains (``soc.detect.regex_literals``), looked up as ``*text*``; numbers, IPs and
CIDRs go to typed fields as they are; anything the cluster cannot answer the SQL's way (keywords over the unindexed
``event.original``, text that may lowercase differently in Java than in DuckDB, regexes without known strings,
field references, null tests and exists tests on lists) and every negated part become "any event" (``*:*``).
"""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar

from sigma.conditions import ConditionAND, ConditionFieldEqualsValueExpression, ConditionNOT, ConditionOR
from sigma.conversion.state import ConversionState
from sigma.types import (
    SigmaBool,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

from soc import ecs
from soc.detect.regex_literals import required_literals

# pySigma's Elasticsearch backend pins pySigma < 2: installed with --no-deps (README); without it, rules have no
# candidate queries and a cluster scan reads whole windows.
try:
    from sigma.backends.elasticsearch import LuceneBackend
except ImportError:  # pragma: no cover - exercised only on an install without the backend
    LuceneBackend = None  # type: ignore[assignment,misc]

LANGUAGE = "lucene"  # what DetectionRun.prefilter_language names when a store takes these queries
LC = "lc"  # the lowercase-normalised keyword sub-field the index template gives every keyword field
ANY = "*:*"
_UNINDEXED = frozenset({"event.original"})


def cluster_type(field: str) -> str:
    """The cluster mapping type of ``field`` (as ``soc.store.cluster.schema`` maps our ECS types; unknown fields
    are dynamic strings, keywords)."""
    if field in _UNINDEXED:
        return "none"
    kind = ecs.field_type(field).removesuffix(ecs.ARRAY_SUFFIX)
    if kind == "TIMESTAMP":
        return "date"
    if kind in ("BIGINT", "INTEGER", "DOUBLE"):
        return "number"
    if kind == "BOOLEAN":
        return "boolean"
    if field.endswith(".ip") or field == "related.ip":
        return "ip"
    if kind.startswith("MAP("):
        return "none"
    return "keyword"


def _lowers_alike(text: str) -> bool:
    """Whether ``text`` lowercases the same in Python, DuckDB (``lower``) and the cluster (Java's per-code-point
    ``toLowerCase``): ASCII, Latin-1, Latin Extended-A/B, Vietnamese (Latin Extended Additional) and combining
    marks, but U+0130 (İ: Python gives two characters). Checked code point by code point for the three."""
    return all(c < 0x80 or (0xC0 <= c < 0x250 and c != 0x130) or 0x300 <= c < 0x370 or 0x1E00 <= c < 0x1F00
               for c in map(ord, text))


def _widened_lower(s: SigmaString) -> SigmaString | None:
    """``s`` lowercased with ``?`` as ``*`` (one character in SQL may be several bytes or code units elsewhere);
    None when some of its text may lowercase differently between engines (:func:`_lowers_alike`)."""
    if any(isinstance(p, str) and not _lowers_alike(p) for p in s.s):
        return None
    out = SigmaString("")
    out.s = tuple(p.lower() if isinstance(p, str) else
                  (SpecialChars.WILDCARD_MULTI if p == SpecialChars.WILDCARD_SINGLE else p) for p in s.s)
    return out


if LuceneBackend is not None:

    class ClusterBackend(LuceneBackend):  # type: ignore[misc,valid-type]
        """Candidate queries for a cluster scan (see the module docstring); one query string per rule query."""

        name: ClassVar[str] = "soc cluster candidates (Lucene)"
        requires_pipeline: ClassVar[bool] = False

        def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> Any:
            """Any event (a negated part never narrows, so the superset holds), except "not null" on our own
            short ``soc.*`` keyword fields (no value of theirs exceeds ``ignore_above``): the field exists."""
            arg = cond.args[0]
            if self._is_field_null_condition(arg) and _short_keyword(arg.field):  # type: ignore[union-attr]
                return f"_exists_:{self.escape_and_quote_field(arg.field)}"  # type: ignore[union-attr]
            return ANY

        def _lc(self, field: str, values: list[SigmaString], *more: list[SigmaString]) -> str:
            """Events whose lowercase ``field`` matches one of ``values`` (and one of each list of ``more``), or
            whose ``field`` has no indexed lowercase value (too long for ``ignore_above``)."""
            sub = self.escape_and_quote_field(f"{field}.{LC}")
            found = []
            for group in (values, *more):
                lowered = [_widened_lower(v) for v in group]
                if not lowered or any(v is None for v in lowered):
                    return ANY
                items = [self.convert_value_str(v, ConversionState()) for v in lowered if v is not None]
                found.append(f"{sub}:{items[0]}" if len(items) == 1 else f"{sub}:({' OR '.join(items)})")
            every = found[0] if len(found) == 1 else f"({' AND '.join(found)})"
            return f"({every} OR (*:* AND NOT _exists_:{sub}))"

        def _regex(self, field: str, value: SigmaRegularExpression) -> str:
            """The strings every match of the regex contains (``soc.detect.regex_literals``), else any event."""
            folding = SigmaRegularExpressionFlag.IGNORECASE in value.flags
            groups = required_literals(str(value.regexp), ignore_case=folding)
            if not groups:
                return ANY
            return self._lc(field, *[[_containing(text) for text in sorted(group)] for group in groups])

        def _as_string(self, value: Any) -> SigmaString | None:
            if isinstance(value, SigmaString):
                return value
            if isinstance(value, SigmaNumber):
                return SigmaString(str(value))
            return None

        def convert_condition_field_eq_val(self, cond: ConditionFieldEqualsValueExpression,
                                           state: ConversionState) -> Any:
            value, field = cond.value, cond.field
            kind = cluster_type(field) if field else "none"
            if isinstance(value, SigmaExists) and value.exists and _short_keyword(field):
                return f"_exists_:{self.escape_and_quote_field(field)}"
            if isinstance(value, SigmaExists) and value.exists and kind == "keyword" and not _listed(field):
                # the SQL's IS NOT NULL: an indexed value, or one too long to index (the scan narrows that clause)
                sub = self.escape_and_quote_field(f"{field}.{LC}")
                return f"(_exists_:{self.escape_and_quote_field(field)} OR (*:* AND NOT _exists_:{sub}))"
            if isinstance(value, SigmaExpansion):
                return self.convert_condition_or(ConditionOR(
                    [ConditionFieldEqualsValueExpression(field, v) for v in value.values], cond.source), state)
            if isinstance(value, SigmaBool):  # the SQL: lower(field::VARCHAR) IN ('true', '1') (or false, 0)
                if kind == "boolean":
                    return f"{self.escape_and_quote_field(field)}:{str(value.boolean).lower()}"
                if kind == "keyword":
                    return self._lc(field, [SigmaString(str(value.boolean).lower()), SigmaString(str(int(value.boolean)))])
                return ANY
            if kind == "keyword" and isinstance(value, SigmaRegularExpression):
                return self._regex(field, value)
            if kind == "keyword" and (text := self._as_string(value)) is not None:
                return self._lc(field, [text])
            if kind == "number":
                if isinstance(value, SigmaNumber | SigmaCompareExpression):
                    return super().convert_condition_field_eq_val(cond, state)
                if isinstance(value, SigmaString) and not value.contains_special() and _number(str(value)):
                    return f"{self.escape_and_quote_field(field)}:{str(value)}"
            if kind == "ip":
                if isinstance(value, SigmaCIDRExpression):
                    return super().convert_condition_field_eq_val(cond, state)
                if isinstance(value, SigmaString) and not value.contains_special() and _ip(str(value)):
                    return f'{self.escape_and_quote_field(field)}:"{str(value)}"'
            return ANY

        def decide_convert_condition_as_in_expression(self, cond: ConditionOR | ConditionAND,
                                                      state: ConversionState) -> bool:
            if not isinstance(cond, ConditionOR) or not super().decide_convert_condition_as_in_expression(cond, state):
                return False
            return cluster_type(cond.args[0].field) == "keyword"  # type: ignore[union-attr]

        def convert_condition_as_in_expression(self, cond: ConditionOR | ConditionAND, state: ConversionState
                                               ) -> Any:
            values = [self._as_string(a.value) for a in cond.args]  # type: ignore[union-attr]
            return self._lc(cond.args[0].field, [v for v in values if v is not None])  # type: ignore[union-attr]

        # Values without a field search the raw line, which the cluster keeps but does not index.
        def convert_condition_val(self, cond: Any, state: ConversionState) -> Any:
            return ANY

        def convert_condition_field_eq_field(self, cond: Any, state: ConversionState) -> Any:
            return ANY

        def finalize_query_default(self, rule: Any, query: Any, index: int, state: ConversionState) -> Any:
            return query
else:  # pragma: no cover
    ClusterBackend = None  # type: ignore[assignment,misc]


def _containing(text: str) -> SigmaString:
    """The wildcard pattern ``*text*`` (``text`` taken literally)."""
    out = SigmaString("")
    out.s = (SpecialChars.WILDCARD_MULTI, text, SpecialChars.WILDCARD_MULTI)
    return out


def _listed(field: str) -> bool:
    """A list field: an empty list is a value to the SQL but no field in a cluster document."""
    return ecs.field_type(field).endswith(ecs.ARRAY_SUFFIX)


def _short_keyword(field: str) -> bool:
    """Our own ``soc.*`` keyword fields: short by construction (never past ``ignore_above``), so "has a value" is
    "the field exists" in the cluster."""
    return field.startswith("soc.") and cluster_type(field) == "keyword"


def _number(text: str) -> bool:
    return text.removeprefix("-").isdigit() and text.isascii()  # integers only: a long field refuses "1.5"


def _ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
