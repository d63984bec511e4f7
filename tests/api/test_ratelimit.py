"""Writes a minute, counted in the store over a sliding window: the limit holds across a minute's edge, the
wait is the time until the oldest counted write leaves the window, and 0 turns the limit off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mineaction.api.ratelimit import spend_write
from mineaction.errors import RateLimited

T0 = datetime(2026, 1, 1, 12, 0, 59, tzinfo=UTC)  # one second before a minute's edge


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_limit_holds_across_a_minutes_edge(store: Any) -> None:
    assert spend_write(store, "user:a", per_minute=2, now=_at(0)) == 1
    assert spend_write(store, "user:a", per_minute=2, now=_at(0.5)) == 2
    with pytest.raises(RateLimited, match="most allowed is 2") as refused:
        spend_write(store, "user:a", per_minute=2, now=_at(1.5))  # a new minute, the same window
    assert refused.value.retry_after_s == 59
    assert spend_write(store, "user:b", per_minute=2, now=_at(1.5)) == 1  # each caller counts alone


def test_the_window_slides_and_zero_means_no_limit(store: Any) -> None:
    spend_write(store, "user:a", per_minute=1, now=_at(0))
    assert spend_write(store, "user:a", per_minute=1, now=_at(60.5)) == 1
    assert spend_write(store, "user:a", per_minute=0, now=_at(60.6)) == 0
    rows = store.query("SELECT COUNT(*) FROM mineaction_request_counts")[0][0]
    assert rows == 2  # a write no limit counts is not logged; old windows are cleared as the log grows
