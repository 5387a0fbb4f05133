"""Times analysts type (``24h``, ``2026-11-24T10:00``) are read in the configured zone and compared in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from soc.timefmt import local_time, parse_when

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_relative_times_count_back_from_now() -> None:
    assert parse_when("30m", "Asia/Ho_Chi_Minh", NOW) == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)
    assert parse_when("2W", "UTC", NOW) == datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def test_naive_iso_is_local_and_offsets_are_kept() -> None:
    assert parse_when("2026-11-24T10:00", "Asia/Ho_Chi_Minh", NOW) == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    assert parse_when("2026-11-24", "Asia/Ho_Chi_Minh", NOW) == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert parse_when("2026-11-24T10:00+00:00", "Asia/Ho_Chi_Minh", NOW) == datetime(2026, 11, 24, 10, tzinfo=UTC)


def test_unreadable_time_names_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match="24h, 7d"):
        parse_when("yesterday", "UTC", NOW)


def test_local_time_round_trips() -> None:
    assert local_time("2026-11-24T03:00:01Z", "Asia/Ho_Chi_Minh") == "2026-11-24 10:00:01"
    assert local_time(None, "Asia/Ho_Chi_Minh") == ""
