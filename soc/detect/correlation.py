"""Sigma correlation rules as DuckDB SQL: real sliding ``timespan`` windows per ``group-by``, bursts merged.

Every event of the referenced rules anchors a window ``[t, t + timespan]``; a window qualifies when its aggregate
meets the condition. Overlapping qualifying windows of a group merge into one burst, returned as one row
(group_key, first_time, last_time, event_ids, first_event_id). Never executes anything.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sigma.correlations import SigmaCorrelationConditionOperator, SigmaCorrelationRule, SigmaRuleReference

from soc.store.duck import ident, literal

# One referenced rule's matches, tagged with the rule name. A referenced *correlation* contributes the events of its
# bursts, so correlations chain (e.g. "brute force, then a successful login").
SEARCH_RULE = "SELECT *{normalization}, {ruleid} AS sigma_rule FROM {table} WHERE {query}"
SEARCH_CORRELATION = (
    "SELECT *{normalization}, {ruleid} AS sigma_rule FROM {table} WHERE \"event.id\" IN "
    "(SELECT unnest(event_ids) FROM ({query}))"
)

# Head: matched events keyed by group; {scored} must define sigma_anchors(sigma_group_key, sigma_start, sigma_end).
HEAD = """WITH sigma_search AS ({search}),
sigma_keyed AS (
  SELECT DISTINCT "event.id" AS sigma_event_id, "@timestamp" AS sigma_ts, sigma_rule, {key} AS sigma_group_key,
         {value} AS sigma_value
  FROM sigma_search WHERE "@timestamp" IS NOT NULL AND "event.id" IS NOT NULL{notnull}
),
{scored}"""

SLIDING = """sigma_scored AS (
  SELECT *, {aggregate} OVER (PARTITION BY sigma_group_key ORDER BY sigma_ts
         RANGE BETWEEN CURRENT ROW AND INTERVAL {timespan} SECOND FOLLOWING) AS sigma_agg
  FROM sigma_keyed
),
sigma_anchors AS (
  SELECT sigma_group_key, sigma_ts AS sigma_start, sigma_ts + INTERVAL {timespan} SECOND AS sigma_end
  FROM sigma_scored WHERE {condition}
),"""

# temporal_ordered: from each event of the first rule, the earliest event of each next rule at or after the
# previous one, all within the timespan of the anchor.
ORDERED_FIRST = """sigma_step1 AS (
  SELECT sigma_group_key, sigma_ts AS sigma_start, sigma_ts AS sigma_t FROM sigma_keyed WHERE sigma_rule = {ruleid}
),"""
ORDERED_NEXT = """sigma_step{n} AS (
  SELECT a.sigma_group_key, a.sigma_start, (
    SELECT min(b.sigma_ts) FROM sigma_keyed b
    WHERE b.sigma_group_key = a.sigma_group_key AND b.sigma_rule = {ruleid} AND b.sigma_ts >= a.sigma_t
      AND b.sigma_ts <= a.sigma_start + INTERVAL {timespan} SECOND) AS sigma_t
  FROM sigma_step{prev} a WHERE a.sigma_t IS NOT NULL
),"""
ORDERED_ANCHORS = """sigma_anchors AS (
  SELECT sigma_group_key, sigma_start, sigma_start + INTERVAL {timespan} SECOND AS sigma_end
  FROM sigma_step{last} WHERE sigma_t IS NOT NULL
),"""

# Tail: merge overlapping windows (gaps and islands) and collect the events of each burst.
BURSTS = """sigma_flagged AS (
  SELECT *, CASE WHEN sigma_start <= max(sigma_end) OVER (PARTITION BY sigma_group_key ORDER BY sigma_start, sigma_end
         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS sigma_new
  FROM sigma_anchors
),
sigma_bursts AS (
  SELECT sigma_group_key, min(sigma_start) AS sigma_start, max(sigma_end) AS sigma_end FROM (
    SELECT *, sum(sigma_new) OVER (PARTITION BY sigma_group_key ORDER BY sigma_start, sigma_end
           ROWS UNBOUNDED PRECEDING) AS sigma_burst FROM sigma_flagged)
  GROUP BY sigma_group_key, sigma_burst
)
SELECT b.sigma_group_key AS group_key, min(k.sigma_ts) AS first_time, max(k.sigma_ts) AS last_time,
       list(DISTINCT k.sigma_event_id ORDER BY k.sigma_event_id) AS event_ids,
       list(k.sigma_event_id ORDER BY k.sigma_ts, k.sigma_event_id)[1] AS first_event_id
FROM sigma_bursts b JOIN sigma_keyed k
  ON k.sigma_group_key = b.sigma_group_key AND k.sigma_ts BETWEEN b.sigma_start AND b.sigma_end
GROUP BY b.sigma_group_key, b.sigma_start
ORDER BY first_time, group_key"""


class WindowCorrelationMixin:
    """Correlation support for :class:`soc.detect.backend.DuckDBBackend` (pySigma template attributes)."""

    correlation_methods: ClassVar[dict[str, str]] = {
        "default": "sliding windows per group-by (DuckDB window functions); overlapping windows merge into bursts"
    }
    correlation_search_field_normalization_expression: ClassVar[str] = ", {field} AS {alias}"
    correlation_search_field_normalization_expression_joiner: ClassVar[str] = ""
    timespan_seconds: ClassVar[bool] = True
    # The windows partition by one readable group key (group_key_expression); these only satisfy pySigma's API.
    groupby_expression: ClassVar[dict[str, str]] = {"default": "{fields}"}
    groupby_field_expression: ClassVar[dict[str, str]] = {"default": "{field}"}
    groupby_field_expression_joiner: ClassVar[dict[str, str]] = {"default": ", "}
    groupby_expression_nofield: ClassVar[dict[str, str]] = {"default": ""}
    event_count_aggregation_expression: ClassVar[dict[str, str]] = {"default": "count(*)"}
    value_count_aggregation_expression: ClassVar[dict[str, str]] = {"default": "count(DISTINCT sigma_value)"}
    temporal_aggregation_expression: ClassVar[dict[str, str]] = {"default": "count(DISTINCT sigma_rule)"}
    event_count_condition_expression: ClassVar[dict[str, str]] = {"default": "sigma_agg {op} {count}"}
    value_count_condition_expression: ClassVar[dict[str, str]] = {"default": "sigma_agg {op} {count}"}
    temporal_condition_expression: ClassVar[dict[str, str]] = {"default": "sigma_agg {op} {count}"}
    temporal_ordered_condition_expression: ClassVar[dict[str, str]] = {"default": "true"}
    correlation_condition_mapping: ClassVar[dict[SigmaCorrelationConditionOperator, str]] = {
        SigmaCorrelationConditionOperator.LT: "<",
        SigmaCorrelationConditionOperator.LTE: "<=",
        SigmaCorrelationConditionOperator.GT: ">",
        SigmaCorrelationConditionOperator.GTE: ">=",
        SigmaCorrelationConditionOperator.EQ: "=",
        SigmaCorrelationConditionOperator.NEQ: "<>",
    }

    def convert_correlation_search(self: Any, rule: SigmaCorrelationRule, **kwargs: Any) -> str:
        parts = []
        for ref in rule.referenced_rules:
            template = SEARCH_CORRELATION if isinstance(ref.rule, SigmaCorrelationRule) else SEARCH_RULE
            for query in ref.rule.get_conversion_result():
                parts.append(
                    template.format(
                        normalization=self.convert_correlation_search_field_normalization_expression(rule.aliases, ref),
                        ruleid=literal(_rule_name(ref)),
                        table=ident(self.table),
                        query=query,
                    )
                )
        return " UNION ALL ".join(parts)

    def convert_correlation_rule_from_template(self: Any, rule: SigmaCorrelationRule, correlation_type: str, method: str) -> list[str]:
        timespan = self.convert_timespan(rule.timespan, method)
        if correlation_type == "temporal_ordered":
            names = [literal(_rule_name(ref)) for ref in rule.referenced_rules]
            steps = [ORDERED_FIRST.format(ruleid=names[0])]
            steps += [
                ORDERED_NEXT.format(n=i + 1, prev=i, ruleid=name, timespan=timespan) for i, name in enumerate(names[1:], 1)
            ]
            scored = "\n".join(steps) + "\n" + ORDERED_ANCHORS.format(timespan=timespan, last=len(names))
        elif correlation_type in ("event_count", "value_count", "temporal"):
            scored = SLIDING.format(
                aggregate=self.convert_correlation_aggregation_from_template(rule, correlation_type, method, ""),
                timespan=timespan,
                condition=self.convert_correlation_condition_from_template(
                    rule.condition, rule.referenced_rules, correlation_type, method
                ),
            )
        else:
            raise NotImplementedError(f"correlation type '{correlation_type}' is not supported by the DuckDB backend")
        group_by = list(rule.group_by or [])
        fieldref = getattr(rule.condition, "fieldref", None) if correlation_type == "value_count" else None
        head = HEAD.format(
            search=self.convert_correlation_search(rule),
            key=self.group_key_expression(group_by),
            notnull="".join(f" AND {self.escape_and_quote_field(f)} IS NOT NULL" for f in group_by),
            value=self.escape_and_quote_field(fieldref) if isinstance(fieldref, str) else "NULL",
            scored=scored,
        )
        return [head + "\n" + BURSTS]

    def group_key_expression(self: Any, group_by: list[str]) -> str:
        """``source.ip=203.0.113.9, user.name=root``: readable, and the partition key of the windows."""
        if not group_by:
            return "''"
        parts = [f"{literal(f + '=')} || CAST({self.escape_and_quote_field(f)} AS VARCHAR)" for f in group_by]
        return "concat_ws(', ', " + ", ".join(parts) + ")"


def _rule_name(ref: SigmaRuleReference) -> str:
    return str(ref.rule.name or ref.rule.id)
