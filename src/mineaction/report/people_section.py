"""Report sections about people: risk education (reach and coverage of returning families), the risk
education the latest saved plan needs before returns, and assistance to survivors.

Every figure comes from ``data.people`` (:class:`mineaction.workflows.PeopleResults`: the jobs
``risk_education``, ``survivor_assistance`` and ``eore_needs``, the same the commands ``eore coverage``,
``survivors`` and ``eore needs`` print). The report is a public output: survivors' figures are in their
public form (counts from 1 to 4 as "<5", no share or median from fewer than 5 survivors) and nothing
personal is shown.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from mineaction.report.framework import ReportFigure, ReportSection, new_figure, table_html
from mineaction.workflows import EoreNeeds, ReportData, RiskEducationResult, SurvivorAssistance

__all__ = ["build_section"]


def _pct(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{100 * float(value):.1f} %"


def _note(data: ReportData) -> str:
    return "SIMULATED data." if data.simulated else ""


def _coverage_chart(rows: pd.DataFrame, note: str) -> Figure:
    fig = new_figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    if rows.empty:
        ax.text(0.5, 0.5, "no returns", ha="center", va="center", transform=ax.transAxes)
    else:
        by_year = rows.groupby("year")[["families", "families_reached_before"]].sum()
        x = by_year.index.astype(str)
        ax.bar(x, by_year["families"], color="#c9c9c9", label="families returning")
        ax.bar(x, by_year["families_reached_before"], color="#2b6a99", label="reached before return")
        ax.legend(frameon=False, fontsize=8)
    ax.set_xlabel("year of return")
    ax.set_ylabel("families")
    ax.set_title(f"Returning families reached by risk education first {note}".strip(), fontsize=9)
    fig.tight_layout()
    return fig


def _risk_education(data: ReportData, result: RiskEducationResult) -> ReportSection | None:
    if not result.records and not result.coverage_by_settlement:
        return None
    c, v = result.coverage, result.victims_reached
    body = (
        f"<p>On {result.as_of}: {result.records:,} risk education sessions and campaigns recorded. Of "
        f"{c['families']:,} families whose return was due, <b>{c['families_reached_before']:,}"
        f"</b> were reached by risk education in the {result.lead_days} days before they went home: "
        f"<b>{_pct(c['coverage'])}</b>; {c['returns_missed']} of {c['returns']} returns were reached by no "
        f"session first. {_pct(v['share'])} of {v['with_community']} civilian accident victims came from a "
        f"community reached in the year before the accident (definitions in docs/metrics.md).</p>"
    )
    by_district = pd.DataFrame(result.coverage_by_district_year)
    if len(by_district):
        shown = by_district[["district", "year", "returns", "missed", "families", "families_reached_before"]]
        shown = shown.assign(coverage=(100 * by_district["coverage"].astype(float)).round(1))
        shown.columns = [
            "district",
            "year of return",
            "returns",
            "missed",
            "families",
            "reached first",
            "coverage (%)",
        ]
        body += table_html(
            shown, caption="Returning families reached before their return, by district and year"
        )
    reach = pd.DataFrame(result.reach_by_district_year)
    if len(reach):
        shown = reach[["district", "year", "sessions", "campaigns", "people", "people_estimated", "children"]]
        shown.columns = [
            "district",
            "year",
            "sessions",
            "campaigns",
            "people reached",
            "of them estimated",
            "children",
        ]
        body += table_html(
            shown, caption="People reached by district and year (people; media reach estimated)"
        )
    figure = _coverage_chart(pd.DataFrame(result.coverage_by_settlement), _note(data))
    caption = (
        f"Families returning and families reached before their return (families), by year. {_note(data)}"
    )
    return ReportSection("Risk education", body, [ReportFigure("coverage", figure, caption)], order=45)


def _needs(result: EoreNeeds) -> ReportSection:
    plan = result.plan
    sessions = pd.DataFrame(plan["sessions"])
    covered, overdue = len(plan["covered"]), plan["overdue"]
    body = (
        f"<p>Under plan {html.escape(result.plan_id)}, families of {plan['returning_before_release']} "
        "settlements return before the hazardous areas around them are released. "
        f"<b>{plan['sessions_needed']}</b> need risk education first ({overdue} overdue: their "
        f"families are already back), for {plan['families_to_reach']:,} families. Reached in full "
        f"already: {covered}.</p>"
    )
    if len(sessions):
        shown = sessions[
            [
                "needed_by",
                "settlement",
                "name",
                "district",
                "families_to_reach",
                "return_on",
                "released_in",
                "status",
            ]
        ].fillna({"released_in": "not in plan"})
        shown.columns = [
            "needed by",
            "settlement",
            "name",
            "district",
            "families to reach",
            "return",
            "released in (year)",
            "status",
        ]
        body += table_html(shown, caption="Risk education sessions needed before return, in the order needed")
    return ReportSection("Risk education needed before return", body, order=71)


def _survivors(data: ReportData, result: SurvivorAssistance) -> ReportSection | None:
    t = result.totals
    if not t["survivors"]:
        return None
    median = t["median_days_to_first_service"]
    text = {k: html.escape(str(v)) for k, v in t.items()}  # counts under 5 are the text "<5"
    body = (
        f"<p>On {result.as_of}: {text['survivors']} survivors (injured victims); {text['assessed']} had "
        f"their needs assessed ({_pct(t['assessed_share'])}); median {'n/a' if median is None else median} "
        f"days from the accident to the first service; {text['needs_open_over_a_year']} needs open more "
        "than a year. Counts under 5 are shown as &lt;5 and no share or median is given for fewer than 5 "
        f"survivors: these figures come from personal data. {_note(data)}</p>"
    )
    columns = [
        "survivors",
        "assessed",
        "assessed_share",
        "median_days_to_first_service",
        "needs_open",
        "needs_open_over_a_year",
    ]
    by = pd.DataFrame(result.by_sex_age_band)
    if len(by):
        shown = by[["sex", "age_band", *columns]].copy()
        shown["assessed_share"] = shown["assessed_share"].map(_pct)
        shown.columns = [
            "sex",
            "age band",
            "survivors",
            "assessed",
            "share assessed",
            "median days to first service",
            "needs open",
            "open more than a year",
        ]
        body += table_html(shown, caption="Survivors by sex and age band (child under 18)")
    needs = pd.DataFrame(result.by_need)
    if len(needs):
        needs.columns = [
            "need",
            "needs",
            "met",
            "open",
            "open more than a year",
            "median days from assessment to service",
        ]
        body += table_html(needs, caption="Needs by kind")
    return ReportSection("Assistance to survivors", body, order=46)


def build_section(data: ReportData) -> list[ReportSection] | None:
    """The people sections that the data hold something for (none when the report job gave no people)."""
    people = data.people
    if people is None:
        return None
    sections = [
        _risk_education(data, people.risk_education),
        _survivors(data, people.survivors),
        None if people.needs is None else _needs(people.needs),
    ]
    return [s for s in sections if s is not None] or None
