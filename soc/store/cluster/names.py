"""Names of a cluster store's event targets: data streams ``logs-soc.<dataset>-<namespace>`` and the older
monthly indices ``soc-<namespace>-events-<dataset>-<YYYY.MM>``, and the pattern every reader reads both through.

Never lets a dataset or namespace carry a ``-`` into a stream name: the last ``-`` of a stream name always starts its
namespace, so one namespace's pattern never matches another's streams.
"""

from __future__ import annotations

from soc.store.cluster.docs import index_part

RETENTION_DAYS = 366  # 12 months (the legal minimum for system logs) when the config names none


def namespace_of(prefix: str) -> str:
    """The namespace part of a stream name for the store whose indices start with ``prefix`` (``soc-<ns>``)."""
    return prefix.removeprefix("soc-").replace("-", "_")


def stream(prefix: str, dataset: str | None) -> str:
    """``logs-soc.<dataset>-<namespace>``: the data stream of one dataset (``-`` in either part becomes ``_``)."""
    return f"logs-soc.{index_part(dataset).replace('-', '_')}-{namespace_of(prefix)}"


def stream_pattern(prefix: str) -> str:
    """Every data stream of the store (its index template's pattern)."""
    return f"logs-soc.*-{namespace_of(prefix)}"


def monthly_pattern(prefix: str) -> str:
    """Every monthly event index of the store (the layout before data streams, and where an engine has none)."""
    return f"{prefix}-events-*"


def readers(prefix: str) -> str:
    """What every reader searches: the streams and any older monthly indices (a comma list, wildcards allowed)."""
    return f"{stream_pattern(prefix)},{monthly_pattern(prefix)}"
