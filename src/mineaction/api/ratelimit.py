"""How many writes one caller may make in a minute, counted in the store so that every server process (and
every machine behind a proxy) shares one count.

Each write request (POST, PUT, PATCH, DELETE: features, jobs, approvals, field submissions) is logged with its
instant for its caller; past the setting ``server_writes_per_minute`` writes in the last 60 seconds (a sliding
window: no burst of twice the limit across a minute's edge) the request gets 429 with ``Retry-After`` and
changes nothing. Reads are not counted: they change nothing, and counting them would make every read a write
(a proxy in front limits them where that is wanted).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from mineaction.errors import RateLimited
from mineaction.store import SQLStore

__all__ = ["WINDOW_S", "WRITE_METHODS", "spend_write"]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WINDOW_S = 60.0


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # sorts as text, microseconds apart


def spend_write(store: SQLStore, subject: str, *, per_minute: int, now: datetime | None = None) -> int:
    """Log one write of ``subject``; RateLimited when it would be more than ``per_minute`` writes in the last
    60 s (0: no limit). Returns the writes counted in the window, this one included."""
    if per_minute <= 0:
        return 0
    now = now or datetime.now(UTC)
    since = now - timedelta(seconds=WINDOW_S)
    with store.transaction():
        store.execute(
            "INSERT INTO mineaction_request_counts (subject, window_start, requests) VALUES (?, ?, 1) "
            "ON CONFLICT (subject, window_start) "
            "DO UPDATE SET requests = mineaction_request_counts.requests + 1",
            (subject, _instant(now)),
        )
        used, oldest = store.query(
            "SELECT SUM(requests), MIN(window_start) FROM mineaction_request_counts "
            "WHERE subject = ? AND window_start > ?",
            [subject, _instant(since)],
        )[0]
        used = int(used)
        if used == 1:  # the first write in a window clears the log that is over, everyone's
            store.execute(
                "DELETE FROM mineaction_request_counts WHERE window_start < ?",
                (_instant(since - timedelta(seconds=WINDOW_S)),),
            )
    if used > per_minute:
        first = datetime.strptime(oldest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        wait = max(1, math.ceil(WINDOW_S - (now - first).total_seconds()))
        raise RateLimited(
            f"{subject} made {used - 1} write requests in the last minute, the most allowed is {per_minute}; "
            f"try again in {wait} s",
            retry_after_s=wait,
        )
    return used
