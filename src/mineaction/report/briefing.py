"""The one-page briefing at the top of the report: the headline figures, each computed from the data.

Each card gives a figure with its unit and the definition it rests on (docs/metrics.md), the way a briefing
would quote it: record accuracy, accidents outside the records and the known hazards, new contamination,
casualties, land released, cost and foreign share.
"""

from __future__ import annotations

import html
from typing import Any

from mineaction.report.framework import ReportSection
from mineaction.workflows import ReportData

__all__ = ["briefing_cards", "build_section"]


def _pct(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{100 * float(value):.0f} %"


def _range(item: Any) -> str:
    """`` (95 % interval 11–40 %)`` for a share with its interval; empty without one."""
    if not item or item.get("low") is None or item["low"] != item["low"]:
        return ""
    return f" (95 % interval {100 * item['low']:.0f}–{100 * item['high']:.0f} %)"


def briefing_cards(data: ReportData) -> list[tuple[str, str]]:
    """(value with unit, label) of every headline figure, from the report's evidence."""
    ev = data.evidence
    assess, alerts = ev.assessment.to_dict(), ev.alerts
    victims, release, funding = ev.casualties_since, ev.release_totals, ev.funding_totals
    since = f" since {victims['since']}" if victims["since"] is not None else ""
    parts = assess["parts"]
    n_post = alerts.n_post_conflict
    cards = [
        (
            _pct(assess["record_accuracy"]),
            f"of {parts['n_processed']} fully processed minefield records are accurate (confirmed, complete, "
            f"positioned){_range(assess['intervals']['record_accuracy'])}",
        ),
        (
            _pct(assess["record_recall"]),
            "of mine finds lie inside a minefield record (record recall)"
            + _range(assess["intervals"]["record_recall"]),
        ),
        (
            _pct(assess["outside_share_records"]),
            f"of {assess['n_accidents_located']} located accidents happened outside every minefield record"
            + _range(assess["intervals"]["outside_share_records"]),
        ),
        (
            _pct(assess["outside_share_known_hazards"]),
            "of located accidents happened outside every hazardous area known at the time"
            + _range(assess["intervals"]["outside_share_known_hazards"]),
        ),
        (
            f"{alerts.n_alerts} alerts",
            f"of new contamination ({n_post} finds made after the ceasefire, clustered)",
        ),
        (
            f"{victims['total']:,} casualties",
            f"recorded{since}: {victims['children']:,} children, {victims['women']:,} women, "
            f"{victims['killed']:,} killed",
        ),
        (f"{release['released_ha']:,.0f} ha", "released (cancelled, reduced and cleared)"),
        (
            "n/a"
            if release["cost_per_m2_usd"] != release["cost_per_m2_usd"]
            else f"{release['cost_per_m2_usd']:.2f} US$/m2",
            "cost per m2 released",
        ),
        (
            _pct(funding["foreign_share"]),
            "of funding is foreign"
            + _range(funding.get("foreign_share_interval"))
            + " (world norm: 78 to 91 %)",
        ),
        (f"{len(ev.quality.issues):,} issues", "of data quality to fix (see Data quality)"),
    ]
    return cards


def build_section(data: ReportData) -> ReportSection:
    """The briefing section (first in the report)."""
    cards = "".join(
        f'<div class="figure-card"><div class="value">{html.escape(value)}</div>'
        f'<div class="label">{html.escape(label)}</div></div>'
        for value, label in briefing_cards(data)
    )
    lead = (
        "<p><b>SIMULATED data.</b> These figures come from a simulated scenario; they show what the "
        "method measures, not the real situation.</p>"
        if data.simulated
        else ""
    )
    return ReportSection("Briefing", lead + f'<div class="headline">{cards}</div>', order=0)
