"""Read one item ahead in a thread: record decoders (tshark, the evtx parser) keep producing the next batch while
the engine maps and stores the previous one. At most one batch waits, so memory stays bounded; an error in the
producer is raised in the consumer; a consumer that stops early stops the producer."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(make: Callable[[], Iterator[T]], name: str, join_timeout: float = 60.0) -> Iterator[T]:
    """The items of ``make()``, produced in thread ``name`` one item ahead of the caller."""
    ahead: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        items: Iterator[T] | None = None
        try:
            items = make()
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while (item := ahead.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=join_timeout)
