"""Opens a cluster store from config: one connection shared by the events and state halves.

Never prints the settings' secrets; the state half reads nothing until first used.
"""

from __future__ import annotations

from pathlib import Path

from soc.config import Config
from soc.store.cluster.connection import Connection
from soc.store.cluster.events import ClusterEventStore
from soc.store.cluster.settings import cluster_settings
from soc.store.cluster.state import ClusterState
from soc.store.contract import Store


def open_cluster(cfg: Config) -> Store:
    """The cluster ``cfg`` names, both halves (state always exists: it lives in the cluster)."""
    settings = cluster_settings(cfg)
    conn = Connection(settings)
    events = ClusterEventStore(conn, settings.prefix, Path(cfg.data_dir), settings.retention_days)
    return Store(events, lambda: ClusterState(conn, settings.prefix), None)
