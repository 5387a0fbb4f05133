"""The batch workspace: the local in-memory columnar engine (DuckDB) where a freshly decoded chunk is mapped to ECS
and enriched before it is appended to the store. Stages hand it Arrow tables and the SQL they compiled.

Only this module (and the embedded store) talk to the engine; no stage calls ``.execute``. It never reads or writes
stored events itself: :meth:`Workspace.batch` hands a table to ``EventStore.append``. Also here, as the one place
ingest and the enrichers both see: what an enricher is handed (:class:`MappedBatch`) and :class:`Enrichers`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from soc.config import Config
from soc.store.duck import connect, ident
from soc.store.events_api import EventBatch, EventStore


class Workspace:
    """One in-memory DuckDB connection in UTC (``soc.store.duck.connect``); ``threads`` as ``[ingest]
    duckdb_threads`` says (None: every core)."""

    query_language = "duckdb"  # what the SQL handed to it must be in

    def __init__(self, threads: int | None = None):
        self._con = connect(threads=threads)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- Arrow in and out ----------------------------------------------------------------------------------
    def register(self, name: str, table: pa.Table) -> None:
        """Make the Arrow ``table`` readable as ``name`` (no copy)."""
        self._con.register(name, table)

    def unregister(self, name: str) -> None:
        """Forget a table given to :meth:`register`."""
        self._con.unregister(name)

    def drop(self, name: str) -> None:
        """Drop the workspace table ``name`` (nothing when there is none)."""
        self._con.execute(f"DROP TABLE IF EXISTS {ident(name)}").fetchall()

    def arrow(self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> pa.Table:
        """The result of a compiled query as an Arrow table."""
        return self._con.sql(query, params=params).to_arrow_table()

    # -- compiled SQL ----------------------------------------------------------------------------------------
    def rows(self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[tuple]:
        """The rows of a compiled query."""
        return self._con.execute(query, params).fetchall()

    def create(self, name: str, query: str) -> None:
        """Materialise a compiled query as the workspace table ``name`` (replacing it)."""
        self._con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS {query}").fetchall()

    def regex_supported(self, pattern: str) -> bool:
        """Whether the engine's regular expressions (RE2) can compile ``pattern``."""
        try:
            self._con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
        except Exception:  # noqa: BLE001 - any RE2 compile error means: no
            return False
        return True

    # -- tables ------------------------------------------------------------------------------------------------
    def columns(self, table: str) -> dict[str, str]:
        """Column name → type of the workspace table ``table``."""
        return {r[0]: str(r[1]) for r in self._con.execute(f"DESCRIBE {ident(table)}").fetchall()}

    def count(self, table: str) -> int:
        return self._con.execute(f"SELECT count(*) FROM {ident(table)}").fetchall()[0][0]

    def select(self, table: str, columns: Sequence[str] | Mapping[str, str], where: str | None = None,
               group_by: int = 0, rowids: Sequence[int] | None = None) -> list[tuple]:
        """Rows of ``table``: ``columns`` are expressions (a mapping: name → expression), kept where ``where``
        holds and, with ``rowids``, only those rows; ``group_by``: grouped by the first that many columns."""
        sql, params = _select(table, columns, where, group_by, rowids)
        return self._con.execute(sql, params).fetchall()

    def select_arrow(self, table: str, columns: Sequence[str] | Mapping[str, str], where: str | None = None,
                     group_by: int = 0, rowids: Sequence[int] | None = None) -> pa.Table:
        """:meth:`select` as an Arrow table."""
        sql, params = _select(table, columns, where, group_by, rowids)
        return self._con.sql(sql, params=params).to_arrow_table()

    def records(self, table: str, order_by: str | None = None) -> list[dict[str, Any]]:
        """Every row of ``table`` as a dict (all columns), ordered by the column ``order_by``."""
        order = f" ORDER BY {ident(order_by)}" if order_by else ""
        cur = self._con.execute(f"SELECT * FROM {ident(table)}{order}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def distinct(self, table: str, column: str) -> list[Any]:
        """The distinct non-NULL values of ``column``."""
        return [r[0] for r in self._con.execute(
            f"SELECT DISTINCT {ident(column)} FROM {ident(table)} WHERE {ident(column)} IS NOT NULL").fetchall()]

    def take(self, table: str, condition: str, column: str) -> list[Any]:
        """Remove the rows of ``table`` where ``condition`` holds; return their ``column`` values."""
        taken = [r[0] for r in self._con.execute(
            f"SELECT {ident(column)} FROM {ident(table)} WHERE {condition}").fetchall()]
        if taken:
            self._con.execute(f"DELETE FROM {ident(table)} WHERE {condition}").fetchall()
        return taken

    def add_column(self, table: str, name: str, sql_type: str) -> None:
        """Add column ``name`` (NULL in every row) unless ``table`` has it."""
        self._con.execute(f"ALTER TABLE {ident(table)} ADD COLUMN IF NOT EXISTS {ident(name)} {sql_type}")

    def update_from(self, table: str, values: pa.Table, sets: Mapping[str, str], on: str) -> None:
        """One UPDATE of ``table`` from the Arrow ``values`` (named ``u``): ``sets`` maps a column to its new value
        (an expression over ``u.<column>`` and the table's columns, qualified by the table's name), ``on`` pairs
        the rows."""
        self._con.register("_ws_update", values)
        try:
            assignments = ", ".join(f"{ident(k)} = {v}" for k, v in sets.items())
            self._con.execute(f"UPDATE {ident(table)} SET {assignments} FROM _ws_update u WHERE {on}").fetchall()
        finally:
            self._con.unregister("_ws_update")

    def retype(self, table: str, column: str, sql_type: str, using: str) -> None:
        """Change the type of ``column`` to ``sql_type``, each value computed by the expression ``using``."""
        self._con.execute(f"ALTER TABLE {ident(table)} ALTER COLUMN {ident(column)} SET DATA TYPE {sql_type} "
                          f"USING {using}")

    def batch(self, table: str, exclude: Sequence[str] = ()) -> WorkspaceBatch:
        """The rows of ``table`` (less the ``exclude`` columns) as an :class:`EventBatch` for ``EventStore.append``."""
        drop = f" EXCLUDE ({', '.join(ident(c) for c in exclude)})" if exclude else ""
        return WorkspaceBatch(self, f"(SELECT *{drop} FROM {ident(table)})")


def _select(table: str, columns: Sequence[str] | Mapping[str, str], where: str | None, group_by: int,
            rowids: Sequence[int] | None) -> tuple[str, list[Any] | None]:
    if isinstance(columns, Mapping):
        shown = ", ".join(f"{expr} AS {ident(name)}" for name, expr in columns.items())
    else:
        shown = ", ".join(columns)
    conditions = [where] if where else []
    params: list[Any] | None = None
    if rowids is not None:
        conditions.append("rowid IN (SELECT unnest(?))")
        params = [list(rowids)]
    sql = f"SELECT {shown} FROM {ident(table)}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    if group_by:
        sql += " GROUP BY " + ", ".join(str(i) for i in range(1, group_by + 1))
    return sql, params


class WorkspaceBatch(EventBatch):
    """A batch that lives in a :class:`Workspace`: the embedded store copies it straight from there to Parquet."""

    def __init__(self, workspace: Workspace, relation: str):
        self.workspace = workspace
        self.relation = relation  # a SQL relation over workspace tables

    def to_arrow(self) -> pa.Table:
        return self.workspace.arrow(f"SELECT * FROM {self.relation}")



# -- enrichers: handed to the ingest engine by its caller (dependency injection) -----------------------------------
@dataclass(frozen=True)
class MappedBatch:
    """A chunk mapped to ECS, in ``workspace`` table ``table``, before it is appended to ``events`` (its history:
    ``EventStore.seen_before``): what a row enricher reads and extends."""

    workspace: Workspace
    table: str
    cfg: Config
    events: EventStore


RowEnricher = Callable[[MappedBatch], None]
ColumnEnricher = Callable[[Config], dict[str, str]]  # cfg -> {field: SQL over the batch's mapped fields}


@dataclass(frozen=True)
class Enrichers:
    """What the caller adds to every batch: ``columns`` in the statement that maps it (an UPDATE of every row of a
    wide batch costs more), then ``rows`` in order. The engine runs them and knows none of them."""

    rows: tuple[RowEnricher, ...] = ()
    columns: tuple[ColumnEnricher, ...] = ()

    def column_sql(self, cfg: Config) -> dict[str, str]:
        """The column enrichers' fields and their SQL, over a mapped batch's columns."""
        return {name: expr for columns in self.columns for name, expr in columns(cfg).items()}

    def enrich(self, batch: MappedBatch) -> None:
        """Run every row enricher over ``batch``."""
        for enricher in self.rows:
            enricher(batch)


NO_ENRICHERS = Enrichers()
