"""Helpers for detection tests: store hand-made ECS events and convert inline Sigma rules."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from soc import ecs
from soc.store.embedded import EventStore
from soc.store.events_api import ArrowBatch

T0 = datetime(2026, 11, 24, 3, 0, 0)

_ARROW = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "TIMESTAMP": pa.timestamp("us"), "DOUBLE": pa.float64(),
          "VARCHAR[]": pa.list_(pa.string())}


def event(**fields: Any) -> dict[str, Any]:
    """An event from keyword arguments; ``__`` in a name stands for a dot (``source__ip``)."""
    doc = {k.replace("__", "."): v for k, v in fields.items()}
    doc.setdefault("@timestamp", T0)
    doc.setdefault("event.dataset", "nginx.access")
    doc.setdefault("event.id", hashlib.sha1(repr(sorted(doc.items(), key=str)).encode()).hexdigest())
    return doc


def store(data_dir: Path, events: list[dict[str, Any]], ingested: datetime | None = None) -> int:
    """Append events to the EventStore of ``data_dir`` (event.ingested = ``ingested`` or now)."""
    ingested = ingested or datetime.utcnow()
    names = sorted({k for e in events for k in e} | {"event.ingested"})
    columns = {}
    for n in names:
        ftype = ecs.field_type(n)
        values = [e.get(n, ingested if n == "event.ingested" else None) for e in events]
        columns[n] = pa.array(values, type=_ARROW.get(ftype, pa.string()))
    es = EventStore(data_dir)
    with es.write_lock():
        return es.append(ArrowBatch(pa.table(columns)))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
