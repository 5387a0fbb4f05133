"""Storage: immutable event partitions (Parquet read by DuckDB) and mutable state (SQLite, WAL)."""

from soc.store.embedded import EventStore
from soc.store.state import ConflictError, StateDB

__all__ = ["ConflictError", "EventStore", "StateDB"]
