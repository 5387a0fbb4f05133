"""Which store a ``[store] kind`` means: one name → (events class, state class) registry, and ``open_store``.

The embedded store (Parquet + DuckDB events, SQLite state, under ``data_dir``) is the first and the default. A
stage opens its store here and talks to it only through ``soc.store.contract``; it never names a store class.
"""

from __future__ import annotations

from pathlib import Path

from soc.config import Config, ConfigError
from soc.store.cluster.events import ClusterEventStore
from soc.store.cluster.open import open_cluster
from soc.store.cluster.state import ClusterState
from soc.store.contract import Store
from soc.store.embedded import EventStore
from soc.store.state import StateDB

STORES: dict[str, tuple[type, type]] = {"embedded": (EventStore, StateDB),
                                        "elasticsearch": (ClusterEventStore, ClusterState),
                                        "opensearch": (ClusterEventStore, ClusterState)}
CLUSTER_KINDS = ("elasticsearch", "opensearch")
DEFAULT_KIND = "embedded"


def store_kind(cfg: Config) -> str:
    """``[store] kind`` (or ``SOC_STORE``; default: embedded); an unknown kind is a configuration error naming the
    known ones."""
    kind = cfg.store or DEFAULT_KIND
    if kind not in STORES:
        raise ConfigError(f"[store] kind = {kind!r} is not a known store (known: {', '.join(STORES)})")
    return kind


def open_store(cfg: Config) -> Store:
    """The store ``cfg`` names, both halves (the state half is opened on first use)."""
    kind = store_kind(cfg)
    if kind in CLUSTER_KINDS:
        return open_cluster(cfg)
    events_cls, state_cls = STORES[kind]
    data_dir = Path(cfg.data_dir)
    state_path = data_dir / "state.db"
    return Store(events_cls(data_dir), lambda: state_cls(state_path), state_path.is_file)
