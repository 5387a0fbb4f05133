"""DuckDB connections configured the same way everywhere (UTC session, no network, quoted identifiers)."""

from __future__ import annotations

import duckdb


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC that never downloads extensions."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": True})
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def ident(name: str) -> str:
    """Quote ``name`` as a SQL identifier (field names come from parsers and rules; treat them as data)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote ``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"
