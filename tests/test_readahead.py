"""The read-ahead thread under the record decoders: order kept, errors raised in the consumer, early stop honoured."""

from __future__ import annotations

import threading

import pytest

from soc.ingest.readahead import read_ahead


def test_items_in_order_and_producer_error_raised_in_consumer() -> None:
    def items():
        yield from range(5)
        raise ValueError("chunk at byte 4096: bad header")

    got = []
    with pytest.raises(ValueError, match="bad header"):
        for item in read_ahead(items, "test-reader"):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_consumer_stopping_early_stops_and_closes_the_producer() -> None:
    closed = threading.Event()
    produced = []

    def items():
        try:
            for n in range(10_000):
                produced.append(n)
                yield n
        finally:
            closed.set()

    reader = read_ahead(items, "test-reader")
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    reader.close()
    assert closed.wait(5)
    assert len(produced) <= 6  # one item ahead (plus the one being put), never the whole input
