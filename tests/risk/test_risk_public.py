"""The baselines of mineaction.risk are documented (public names: tests/test_public_surface.py)."""

from __future__ import annotations

import mineaction.risk as risk


def test_every_baseline_is_documented() -> None:
    assert [b.name for b in risk.BASELINES] == ["records_only", "front_line", "past_events"]
    assert all(b.description and b.columns for b in risk.BASELINES)
