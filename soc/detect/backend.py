"""pySigma backend emitting DuckDB SQL over the ``events`` view (one column per dotted ECS field).

Mostly class attributes, like pySigma's own backends; methods are overridden only where DuckDB or our column types
differ. It never runs queries: ``soc.detect.scan`` does. Correlation templates live in ``soc.detect.correlation``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.state import ConversionState
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExpansion,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
    TimestampPart,
)

from soc import ecs
from soc.detect.correlation import WindowCorrelationMixin
from soc.store.duck import ident, literal

# Value types compared as text: on a non-text column the column is cast, on an array column any element matches.
_TEXT_VALUES = (SigmaString, SigmaRegularExpression, SigmaBool)
_ELEMENT = "sigma_x"  # lambda parameter naming one element of an array column
# Map columns: ``<map>.<key>`` with no column of its own reads ``<map>[key]`` (e.g. winlog.event_data, every
# EventData field of a Windows record as written). A map element lookup reads one Parquet column for all keys, so
# fields rules name often keep a column of their own (the parsers' list) and the map serves the long tail.
MAP_FIELDS: tuple[str, ...] = tuple(f for f, t in ecs.FIELDS.items() if t.startswith("MAP("))


class DuckDBBackend(WindowCorrelationMixin, TextQueryBackend):
    """Sigma → DuckDB SQL. Plain strings match case-insensitively (ILIKE), ``|cased`` with LIKE, ``|re`` with RE2."""

    name: ClassVar[str] = "soc DuckDB backend"
    identifier: ClassVar[str] = "duckdb"
    formats: ClassVar[dict[str, str]] = {"default": "DuckDB SQL over the events view"}
    requires_pipeline: ClassVar[bool] = False

    precedence: ClassVar[tuple[type, type, type]] = (ConditionNOT, ConditionAND, ConditionOR)
    parenthesize: bool = True
    group_expression: ClassVar[str] = "({expr})"
    token_separator: str = " "
    or_token: ClassVar[str] = "OR"
    and_token: ClassVar[str] = "AND"
    not_token: ClassVar[str] = "NOT"
    eq_token: ClassVar[str] = " = "

    field_quote: ClassVar[str] = '"'
    field_quote_pattern = None  # always quote: ECS names are dotted
    field_escape: ClassVar[str] = '"'

    # Strings: LIKE patterns with backslash escapes; quotes are doubled in convert_value_str.
    str_quote: ClassVar[str] = "'"
    escape_char: ClassVar[str] = "\\"
    wildcard_multi: ClassVar[str] = "%"
    wildcard_single: ClassVar[str] = "_"
    add_escaped: ClassVar[str] = "\\"
    filter_chars: ClassVar[str] = ""
    bool_values: ClassVar[dict[bool, str]] = {True: "'true'", False: "'false'"}

    # Plain strings compare case-insensitively. Values without inner wildcards use DuckDB's fast string functions
    # on lower(); anything else becomes one ILIKE pattern (convert_value_str emits a pattern only for those).
    eq_expression: ClassVar[str] = "lower({field}) = lower({value})"
    startswith_expression: ClassVar[str] = "starts_with(lower({field}), lower({value}))"
    endswith_expression: ClassVar[str] = "ends_with(lower({field}), lower({value}))"
    contains_expression: ClassVar[str] = "contains(lower({field}), lower({value}))"
    wildcard_match_expression: ClassVar[str] = "{field} ILIKE {value} ESCAPE '\\'"
    case_sensitive_startswith_expression: ClassVar[str] = "starts_with({field}, {value})"
    case_sensitive_endswith_expression: ClassVar[str] = "ends_with({field}, {value})"
    case_sensitive_contains_expression: ClassVar[str] = "contains({field}, {value})"
    case_sensitive_eq_expression: ClassVar[str] = "{field} = {value}"
    case_sensitive_match_expression: ClassVar[str] = "{field} LIKE {value} ESCAPE '\\'"

    re_expression: ClassVar[str] = "regexp_matches({field}, '{regex}')"
    re_escape_char: ClassVar[str] = ""
    re_escape: ClassVar[tuple[str, ...]] = ()
    re_escape_escape_char: bool = False
    re_flag_prefix: bool = True  # (?i) (?m) (?s) prefixes, understood by RE2

    cidr_expression: ClassVar[str | None] = None  # no inet extension offline: pySigma expands to prefix patterns
    compare_op_expression: ClassVar[str] = "{field} {operator} {value}"
    compare_operators: ClassVar[dict[Any, str]] = {
        SigmaCompareExpression.CompareOperators.LT: "<",
        SigmaCompareExpression.CompareOperators.LTE: "<=",
        SigmaCompareExpression.CompareOperators.GT: ">",
        SigmaCompareExpression.CompareOperators.GTE: ">=",
    }

    field_equals_field_expression: ClassVar[str] = "lower({field1}::VARCHAR) = lower({field2}::VARCHAR)"
    field_equals_field_startswith_expression: ClassVar[str] = (
        "starts_with(lower({field1}::VARCHAR), lower({field2}::VARCHAR))"
    )
    field_equals_field_endswith_expression: ClassVar[str] = (
        "ends_with(lower({field1}::VARCHAR), lower({field2}::VARCHAR))"
    )
    field_equals_field_contains_expression: ClassVar[str] = (
        "contains(lower({field1}::VARCHAR), lower({field2}::VARCHAR))"
    )
    field_timestamp_part_expression: ClassVar[str] = "date_part('{timestamp_part}', {field})"
    timestamp_part_mapping: ClassVar[dict[TimestampPart, str]] = {
        TimestampPart.MINUTE: "minute",
        TimestampPart.HOUR: "hour",
        TimestampPart.DAY: "day",
        TimestampPart.WEEK: "week",
        TimestampPart.MONTH: "month",
        TimestampPart.YEAR: "year",
    }

    field_null_expression: ClassVar[str] = "{field} IS NULL"
    field_exists_expression: ClassVar[str] = "{field} IS NOT NULL"
    field_not_exists_expression: ClassVar[str] = "{field} IS NULL"
    # A negated expression over an absent field must read as true (Sigma: missing field = no match).
    null_safe_not_expression: ClassVar[str] = "NOT coalesce({expr}, false)"
    array_any_expression: ClassVar[str] = "coalesce(len(list_filter({field}, lambda " + _ELEMENT + ": {expr})) > 0, false)"

    # Keywords (values without a field) search the raw line.
    keyword_field: str = "event.original"
    table: str = "events"
    query_template: ClassVar[str] = "SELECT * FROM {table} WHERE {query}"

    def __init__(
        self,
        processing_pipeline: Any = None,
        collect_errors: bool = False,
        field_types: Mapping[str, str] | None = None,
        table: str = "events",
        **options: Any,
    ):
        super().__init__(processing_pipeline, collect_errors, **options)
        self.field_types = dict(field_types if field_types is not None else ecs.FIELDS)
        self.table = table
        self.used_fields: set[str] = set()  # every column a converted rule names (for open_events(need=...))
        self.map_keys: set[str] = set()  # fields read from a map column (``winlog.event_data.<Name>``), by full name
        self._field_exprs: dict[str, str] = {}

    # -- fields ----------------------------------------------------------------------------------------------
    def escape_and_quote_field(self, field_name: str) -> str:
        if field_name in self._field_exprs:
            return self._field_exprs[field_name]
        if (element := map_element(field_name, self.field_types)) is not None:
            self.used_fields.add(element[0])
            self.map_keys.add(field_name)
            return f"{ident(element[0])}[{literal(element[1])}]"
        if field_name != _ELEMENT:
            self.used_fields.add(field_name)
        return ident(field_name)

    def field_type(self, field_name: str) -> str:
        return self.field_types.get(field_name, "VARCHAR")

    @contextmanager
    def _field_as(self, field_name: str, expr: str) -> Iterator[None]:
        if field_name != _ELEMENT:
            self.used_fields.add(field_name)
        self._field_exprs[field_name] = expr
        try:
            yield
        finally:
            del self._field_exprs[field_name]

    def convert_condition_field_eq_val(self, cond: ConditionFieldEqualsValueExpression, state: ConversionState) -> Any:
        """Adapt the column to the value: text values cast non-text columns, arrays match on any element."""
        ftype = self.field_type(cond.field) if cond.field else "VARCHAR"
        value = cond.value
        if isinstance(value, SigmaNumber) and not _numeric(ftype):
            cond = ConditionFieldEqualsValueExpression(cond.field, SigmaString(str(value)))
            value = cond.value
        if ftype.endswith(ecs.ARRAY_SUFFIX) and isinstance(value, (*_TEXT_VALUES, SigmaNumber, SigmaCompareExpression)):
            with self._field_as(_ELEMENT, ident(_ELEMENT)):
                inner = ConditionFieldEqualsValueExpression(_ELEMENT, value)
                expr = super().convert_condition_field_eq_val(inner, state)
            self.used_fields.add(cond.field)
            return self.array_any_expression.format(field=ident(cond.field), expr=expr)
        if isinstance(value, _TEXT_VALUES) and ftype != "VARCHAR":
            with self._field_as(cond.field, f"CAST({ident(cond.field)} AS VARCHAR)"):
                return super().convert_condition_field_eq_val(cond, state)
        if isinstance(value, SigmaCompareExpression) and not _numeric(ftype):
            with self._field_as(cond.field, f"TRY_CAST({ident(cond.field)} AS DOUBLE)"):
                return super().convert_condition_field_eq_val(cond, state)
        return super().convert_condition_field_eq_val(cond, state)

    # -- values ----------------------------------------------------------------------------------------------
    def convert_value_str(self, s: SigmaString, state: ConversionState) -> str:
        """A quoted literal: plain text when ``s`` has no wildcard, else a LIKE pattern (wildcards → % and _,
        literal %, _ and backslash escaped). Quotes are doubled either way."""
        if s.contains_special():
            converted = s.convert(self.escape_char, self.wildcard_multi, self.wildcard_single, self.add_escaped)
        else:
            converted = s.convert(None, None, None, "")
        return self.quote_string(converted.replace("'", "''"))

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        if not cond.value.contains_special():
            return self.case_sensitive_eq_expression.format(
                field=self.escape_and_quote_field(cond.field), value=self.convert_value_str(cond.value, state)
            )
        return super().convert_condition_field_eq_val_str_case_sensitive(cond, state)

    def convert_value_re(self, r: SigmaRegularExpression, state: ConversionState) -> str:
        return str(super().convert_value_re(r, state)).replace("'", "''")

    def convert_condition_field_eq_val_bool(self, cond: ConditionFieldEqualsValueExpression, state: ConversionState) -> str:
        field = self.escape_and_quote_field(cond.field)
        return f"lower({field}::VARCHAR) IN ({self.bool_values[cond.value.boolean]}, '{int(cond.value.boolean)}')"

    def convert_condition_field_eq_val_cidr(self, cond: ConditionFieldEqualsValueExpression, state: ConversionState) -> Any:
        expanded = ConditionOR(
            [ConditionFieldEqualsValueExpression(cond.field, SigmaString(n)) for n in cond.value.expand()], cond.source
        )
        return self.convert_condition_group(expanded, state)

    def compare_precedence(self, outer: Any, inner: Any) -> bool:
        # A CIDR expanding to several prefixes converts into an OR: group it like a SigmaExpansion.
        if (
            isinstance(inner, ConditionFieldEqualsValueExpression)
            and isinstance(inner.value, SigmaCIDRExpression)
            and len(inner.value.expand()) > 1
        ):
            return isinstance(outer, ConditionOR)
        return super().compare_precedence(outer, inner)

    # -- keywords --------------------------------------------------------------------------------------------
    def convert_condition_val(self, cond: ConditionValueExpression, state: ConversionState) -> Any:
        """Keywords: match anywhere in ``event.original``; expansions (|windash, |base64offset) are ORed."""
        if isinstance(cond.value, SigmaExpansion):
            parts = ConditionOR([ConditionValueExpression(v) for v in cond.value.values], cond.source)
            return self.convert_condition_group(parts, state)
        return super().convert_condition_val(cond, state)

    def convert_condition_val_str(self, cond: ConditionValueExpression, state: ConversionState) -> str:
        value = cond.value
        if not value.startswith(SpecialChars.WILDCARD_MULTI):
            value = SigmaString("*") + value
        if not value.endswith(SpecialChars.WILDCARD_MULTI):
            value = value + SigmaString("*")
        cased = isinstance(cond.value, SigmaCasedString)
        return self.convert_condition_field_eq_val(
            ConditionFieldEqualsValueExpression(self.keyword_field, SigmaCasedString.from_sigma_string(value) if cased else value),
            state,
        )

    def convert_condition_val_num(self, cond: ConditionValueExpression, state: ConversionState) -> str:
        return self.convert_condition_val_str(ConditionValueExpression(SigmaString(str(cond.value)), cond.source), state)

    def convert_condition_val_re(self, cond: ConditionValueExpression, state: ConversionState) -> str:
        return self.re_expression.format(
            field=self.escape_and_quote_field(self.keyword_field),
            regex=self.convert_value_re(cond.value, state),
            **self.get_flag_template(cond.value),
        )

    # -- boolean structure -----------------------------------------------------------------------------------
    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> str | None:
        """NOT that treats an unknown (NULL) operand as false, so ``selection and not filter`` keeps rows
        whose filter field is absent (SQL three-valued logic would drop them)."""
        arg = cond.args[0]
        if arg is None:
            return None
        expr = self.convert_condition_group(arg, state) if arg.__class__ in self.precedence else self.convert_condition(arg, state)
        return None if expr is None else self.null_safe_not_expression.format(expr=expr)

    # -- queries ---------------------------------------------------------------------------------------------
    def finalize_query_default(self, rule: SigmaRule | SigmaCorrelationRule, query: str, index: int, state: ConversionState) -> str:
        if isinstance(rule, SigmaCorrelationRule):
            return query
        return self.query_template.format(table=ident(self.table), query=query)


def map_element(field_name: str, field_types: Mapping[str, str]) -> tuple[str, str] | None:
    """(map column, key) when ``field_name`` is a key of a map column and has no column of its own, else None."""
    if field_name in field_types:
        return None
    for column in MAP_FIELDS:
        if field_name.startswith(column + ".") and field_types.get(column, "").startswith("MAP("):
            return column, field_name[len(column) + 1:]
    return None


def _numeric(ftype: str) -> bool:
    return ftype in ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "HUGEINT", "SMALLINT", "TINYINT", "DECIMAL")

