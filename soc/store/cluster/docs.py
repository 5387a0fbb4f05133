"""ECS rows ↔ cluster documents: flat dotted keys, times as ISO UTC strings, and typed Arrow tables back.

Never drops a field: what a row holds is what the document holds (None and empty lists left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from soc import ecs
from soc.store.duck import connect, ident, literal

_ARROW = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int64(), "DOUBLE": pa.float64(),
          "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("us"), "VARCHAR[]": pa.list_(pa.string())}
_SAFE = re.compile(r"[^a-z0-9_.-]")
IGNORE_ABOVE = 8191  # longest keyword value indexed (UTF-16 units; 4 bytes each stay under Lucene's term limit)
# The string fields of a document whose value (an element, for a list) is too long to be indexed: a cluster scan
# finds those events by this field (their ``<field>.lc`` is empty), where it would otherwise read every event
# without an indexed value (soc.store.cluster.detection).
UNINDEXED = "soc.unindexed_fields"


def iso(moment: datetime) -> str:
    """A naive-UTC (or aware) time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: Any) -> datetime | None:
    """An ISO time from a document as naive UTC (as the embedded store returns them)."""
    if text is None or isinstance(text, datetime):
        return text
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def nanos(moment: datetime) -> int:
    """Epoch nanoseconds of a naive-UTC time (``date_nanos`` sort values)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return int(aware.timestamp()) * 1_000_000_000 + aware.microsecond * 1000


def _json_expr(name: str, kind: pa.DataType) -> str:
    """SQL for one column's ``"name":value`` JSON member, NULL when the row leaves the field out (None, empty list,
    a float JSON cannot hold)."""
    col = ident(name)
    key = literal(orjson.dumps(name).decode() + ":")
    if pa.types.is_timestamp(kind):
        return f"{key} || '\"' || strftime({col}, '%Y-%m-%dT%H:%M:%S.%fZ') || '\"'"
    if pa.types.is_date(kind):
        return f"{key} || '\"' || strftime({col}, '%Y-%m-%d') || '\"'"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"CASE WHEN len({col}) > 0 THEN {key} || to_json({col}) END"
    if pa.types.is_floating(kind):
        return f"CASE WHEN isfinite({col}) THEN {key} || to_json({col}) END"
    return f"{key} || to_json({col})"


def _is_text(kind: pa.DataType) -> bool:
    views = getattr(pa.types, "is_string_view", lambda _: False)
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or views(kind)


def _unindexed_member(table: pa.Table) -> str | None:
    """SQL for the :data:`UNINDEXED` member (names of the fields too long to index), None when no value of
    ``table`` is (most batches: then it costs one length check per string column). Lengths in bytes: never fewer
    than the UTF-16 units the cluster counts."""
    checks = []
    for f, column in zip(table.schema, table.columns, strict=True):
        listed = pa.types.is_list(f.type) or pa.types.is_large_list(f.type)
        values = pc.list_flatten(column) if listed else column
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        if not _is_text(values.type) or len(values) == 0:
            continue
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.large_string())  # string views
        longest = pc.max(pc.binary_length(values)).as_py()
        if longest is None or longest <= IGNORE_ABOVE:
            continue
        col = ident(f.name)
        # a list: its elements' bytes together (never less than its longest element's: marks a superset)
        size = f"strlen(array_to_string({col}, ''))" if listed else f"strlen({col})"
        checks.append((f"{size} > {IGNORE_ABOVE}", literal(orjson.dumps(f.name).decode())))
    if not checks:
        return None
    key = literal(orjson.dumps(UNINDEXED).decode() + ":[")
    names = ", ".join(f"CASE WHEN {test} THEN {name} END" for test, name in checks)
    return f"CASE WHEN {' OR '.join(test for test, _ in checks)} THEN {key} || concat_ws(',', {names}) || ']' END"


def json_sources(con: Any, table: pa.Table, rows: int = 2000) -> Iterator[tuple[str, str | None, str | None, str]]:
    """``(event.id, event.dataset, "YYYY-MM" of @timestamp, document JSON)`` per row of ``table``: the same
    document the rows hold (None and empty lists left out), written as JSON by DuckDB a column at a time (values escaped by DuckDB's JSON
    writer), for a bulk request to send as is. Yields as DuckDB writes them, ``rows`` at a time, so sending can
    start before the last document is written."""
    members = [_json_expr(f.name, f.type) for f, c in zip(table.schema, table.columns, strict=True)
               if c.null_count < len(c)]
    if long := _unindexed_member(table):
        members.append(long)
    names = set(table.column_names)
    dataset = ident("event.dataset") if "event.dataset" in names else "NULL"
    month = f"strftime({ident('@timestamp')}, '%Y-%m')" if "@timestamp" in names else "NULL"
    cur = con.cursor()
    try:
        cur.register("soc_batch", table)
        cur.execute(f"SELECT CAST({ident('event.id')} AS VARCHAR), {dataset}, {month}, "
                    f"'{{' || concat_ws(',', {', '.join(members) or 'NULL'}) || '}}' FROM soc_batch")
        while chunk := cur.fetchmany(rows):
            yield from chunk
    finally:
        cur.close()


def index_part(text: str | None) -> str:
    """A dataset name as a piece of an index name (lower case, no characters an index name refuses)."""
    return _SAFE.sub("_", (text or "unknown").lower()).strip("._-")[:60] or "unknown"


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "TIMESTAMP":
        return parse_time(value)
    if kind == "VARCHAR[]":
        return [str(v) for v in (value if isinstance(value, list) else [value])]
    if kind == "VARCHAR":
        return value if isinstance(value, str) else (str(value) if not isinstance(value, list) else str(value[0]))
    if kind == "BOOLEAN":
        return bool(value)
    if kind in ("BIGINT", "INTEGER"):
        return int(value)
    if kind == "DOUBLE":
        return float(value)
    return value


def typed_rows(docs: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, Any]]:
    """Documents as rows holding exactly ``fields``, each in its ECS type (times naive UTC; None where absent)."""
    kinds = [(f, ecs.field_type(f)) for f in fields]
    return [{f: _cell(d.get(f), k) for f, k in kinds} for d in docs]


def arrow_table(docs: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> pa.Table:
    """Documents as an Arrow table with one typed column per field of ``fields``."""
    rows = typed_rows(docs, fields)
    schema = pa.schema([(f, _ARROW.get(ecs.field_type(f), pa.string())) for f in fields])
    return pa.Table.from_pylist(rows, schema=schema)


def local_view(docs: Iterable[Mapping[str, Any]], fields: Sequence[str], name: str) -> Any:
    """A DuckDB connection whose view ``name`` holds ``docs`` (the ``fields`` read from the cluster), every other
    registered ECS field a typed NULL column: the embedded store's SQL runs on it unchanged."""
    con = connect()
    con.register("soc_cluster_rows", arrow_table(docs, fields))
    con.execute("CREATE TABLE soc_fetched AS SELECT * FROM soc_cluster_rows")
    con.unregister("soc_cluster_rows")
    missing = [f"NULL::{t} AS {ident(n)}" for n, t in ecs.FIELDS.items() if n not in fields]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS SELECT *"
                + (", " + ", ".join(missing) if missing else "") + " FROM soc_fetched")
    return con
