"""Report sections of the evidence analytics: records, outside share, alerts, casualties, land release,
funding, data quality, and the maps.

Every figure comes from :class:`mineaction.workflows.ReportData` (``data.evidence``), computed once by the
report job, so the briefing and the sections show the same numbers as ``records assess``, ``alerts`` and
``quality``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from mineaction.report import charts
from mineaction.report.framework import ReportFigure, ReportSection, table_html
from mineaction.report.maps import evidence_map
from mineaction.workflows import ReportData, format_share

__all__ = ["build_section"]


def _note(data: ReportData) -> str:
    return "SIMULATED data" if data.simulated else ""


def _pct(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{100 * float(value):.1f} %"


def _records_section(data: ReportData) -> ReportSection:
    assess = data.evidence.assessment.to_dict()
    by_source = pd.DataFrame(assess["by_source"])
    parts = assess["parts"]
    body = (
        f"<p>Of {parts['n_records']} minefield records, {parts['n_processed']} are fully processed (at least "
        f"90 % of the perimeter's area covered by ended survey or clearance). Record accuracy: "
        f"<b>{format_share(assess['intervals']['record_accuracy'])}</b> of them are confirmed, complete and "
        f"positioned within {assess['tolerance_m']:g} m (95 % Wilson interval and count). Record recall: "
        f"<b>{format_share(assess['intervals']['record_recall'])}</b> of "
        f"{parts['n_mine_finds']} mine finds lie inside a record (definitions in docs/metrics.md).</p>"
    )
    if len(by_source):
        shown = by_source.assign(
            **{
                c: (100 * by_source[c].astype(float)).round(1)
                for c in ("confirmed", "complete", "positioned", "accuracy")
            }
        )
        shown.columns = [
            "source",
            "records",
            "fully processed",
            "confirmed (%)",
            "complete (%)",
            "positioned (%)",
            "accurate (%)",
        ]
        body += table_html(shown, caption="Record accuracy by source")
    fig = charts.accuracy_by_source_chart(
        by_source if len(by_source) else pd.DataFrame(columns=["handed_over_by", "n_processed"]),
        note=_note(data),
    )
    return ReportSection(
        "Minefield record accuracy",
        body,
        [ReportFigure("by-source", fig, f"Share of fully processed records (%) by source. {_note(data)}")],
        order=20,
    )


def _outside_section(data: ReportData) -> ReportSection:
    assess = data.evidence.assessment.to_dict()
    by_year = pd.DataFrame(assess["outside_by_year"])
    body = (
        f"<p>{assess['n_accidents_located']} accidents have a known location. Outside every minefield "
        f"record: <b>{format_share(assess['intervals']['outside_share_records'])}</b>; outside every "
        f"hazardous area known on the accident's date: "
        f"<b>{format_share(assess['intervals']['outside_share_known_hazards'])}</b>. Mine finds outside "
        f"every record: {format_share(assess['intervals']['finds_outside_records'])} "
        "(95 % Wilson intervals).</p>"
    )
    if len(by_year):
        by_year = by_year[["year", "n_accidents", "outside_records", "outside_known_hazards"]]
        shown = by_year.assign(
            outside_records=(100 * by_year["outside_records"]).round(1),
            outside_known_hazards=(100 * by_year["outside_known_hazards"]).round(1),
        )
        shown.columns = ["year", "accidents (count)", "outside records (%)", "outside known hazards (%)"]
        body += table_html(shown.astype({"year": int}), caption="Outside share by year")
    by_district = pd.DataFrame(assess["outside_by_district"])
    if len(by_district):
        by_district = by_district[["district", "n_accidents", "outside_records", "outside_known_hazards"]]
        shown = by_district.assign(
            outside_records=(100 * by_district["outside_records"]).round(1),
            outside_known_hazards=(100 * by_district["outside_known_hazards"]).round(1),
        )
        shown.columns = ["district", "accidents (count)", "outside records (%)", "outside known hazards (%)"]
        body += table_html(shown, caption="Outside share by district")
    fig = charts.outside_share_chart(
        by_year if len(by_year) else pd.DataFrame(columns=["year"]), note=_note(data)
    )
    return ReportSection(
        "Accidents outside the mapped areas",
        body,
        [ReportFigure("by-year", fig, f"Share of located accidents (%). {_note(data)}")],
        order=25,
    )


def _alerts_section(data: ReportData) -> ReportSection:
    alerts = data.evidence.alerts
    cutoff = data.settings.ceasefire.isoformat()
    body = (
        f"<p>{alerts.n_alerts} alerts of new contamination: clusters of finds made after {cutoff} (by "
        f"manufacture year) or found in land released earlier.</p>"
    )
    if alerts.n_alerts:
        body += table_html(alerts.display, caption="New-contamination alerts", float_format="{:.4f}")
    return ReportSection("New contamination", body, order=30)


def _casualty_section(data: ReportData) -> ReportSection:
    ev = data.evidence
    totals, since = ev.casualty_totals, ev.casualties_since
    body = (
        f"<p>{totals['total']} casualties recorded (people): {totals['killed']} killed, {totals['injured']} "
        f"injured; {totals['children']} children (under 18), {totals['women']} women, "
        f"{totals['civilians']} civilians. Killed: "
        f"{format_share(totals['intervals']['killed_share_recorded'])} of the victim records "
        "(95 % Wilson interval and count).</p>"
    )
    if since["since"] is not None:
        body += (
            f"<p>Since {since['since']}, with the yearly aggregates of the years before victim records: "
            f"<b>{since['total']:,}</b> casualties, {since['children']:,} children, "
            f"{since['women']:,} women, {since['killed']:,} killed (people); children "
            f"{format_share(totals['intervals']['children_share'])}, women "
            f"{format_share(totals['intervals']['women_share'])} of them.</p>"
        )
    for key in ("setting", "district", "victim_group"):
        counts = ev.casualties_by[key].rename(
            columns={
                "casualties": "casualties (people)",
                "killed": "killed (people)",
                "injured": "injured (people)",
            }
        )
        body += table_html(counts, caption=f"Casualties by {key.replace('_', ' ')}")
    figs = [
        ReportFigure(
            "by-year",
            charts.casualties_by_year_chart(ev.casualties_by["year"], note=_note(data)),
            f"Casualties per year (people). {_note(data)}",
        ),
        ReportFigure(
            "by-age-sex",
            charts.casualties_by_band_chart(ev.casualties_by["age_band_sex"], note=_note(data)),
            f"Casualties by age band and sex (people). {_note(data)}",
        ),
    ]
    return ReportSection("Casualties", body, figs, order=35)


def _operator_names(data: ReportData) -> Any:
    """A function giving ``name (OP-...)`` for an operator id, or the id when the operator is unknown."""
    operators = data.frame("operators")
    names = (
        dict(zip(operators["id"], operators["name"], strict=True)) if {"id", "name"} <= set(operators) else {}
    )
    return lambda op: f"{names[op]} ({op})" if op in names else op


def _release_section(data: ReportData) -> ReportSection:
    ledger, totals = data.evidence.ledger, data.evidence.release_totals
    body = (
        f"<p>Land released: <b>{totals['released_ha']:,.0f} ha</b> (cancelled "
        f"{totals['cancelled_m2'] / 1e4:,.0f} ha, reduced {totals['reduced_m2'] / 1e4:,.0f} ha, cleared "
        f"{totals['cleared_m2'] / 1e4:,.0f} ha); cost {totals['cost_per_m2_usd']:.2f} US$ per m2 released; "
        f"{totals['finds_per_ha']:.2f} finds per cleared ha.</p>"
    )
    by_operator = data.evidence.release_by_operator
    if len(by_operator):
        shown = by_operator[
            ["operator", "n_activities", "released_m2", "cost_usd", "cost_per_m2_usd", "finds_per_ha"]
        ]
        body += table_html(
            shown.assign(
                released_m2=shown["released_m2"] / 1e4,
                operator=shown["operator"].map(_operator_names(data)),
            ).rename(
                columns={
                    "n_activities": "activities (count)",
                    "released_m2": "released (ha)",
                    "cost_usd": "cost (US$)",
                    "cost_per_m2_usd": "cost (US$ per m2)",
                    "finds_per_ha": "finds per cleared ha",
                }
            ),
            caption="Land release by operator",
        )
    note = _note(data)
    by_year = ledger.groupby("year", as_index=False)[["cancelled_m2", "reduced_m2", "cleared_m2"]].sum()
    figs = [
        ReportFigure(
            "by-year", charts.release_by_year_chart(by_year, note=note), f"Hectares per year. {note}"
        )
    ]
    for key in ("method", "district"):
        figs.append(
            ReportFigure(
                f"by-{key}",
                charts.release_breakdown_chart(ledger, key, note=note),
                f"Hectares released by {key}. {note}",
            )
        )
    return ReportSection("Land release", body, figs, order=40)


def _funding_section(data: ReportData) -> ReportSection:
    totals, by_source = data.evidence.funding_totals, data.evidence.funding_by_source
    body = (
        f"<p>Funding recorded: {totals['total_usd'] / 1e6:,.1f} million US$, of which foreign "
        f"<b>{format_share(totals['foreign_share_interval'])}</b> (95 % bootstrap interval over the grants, "
        "n grants; world norm in affected countries: 78 to 91 %).</p>"
    )
    if len(by_source):
        body += table_html(
            by_source.rename(
                columns={
                    "donor_kind": "donor kind",
                    "amount_usd": "amount (US$)",
                    "released_m2": "released (m2)",
                    "cost_per_m2_usd": "cost (US$ per m2)",
                }
            ),
            caption="Cost per m2 released by funding source",
        )
    fig = charts.funding_chart(data.evidence.funding_by_year, note=_note(data))
    return ReportSection(
        "Funding",
        body,
        [ReportFigure("by-year", fig, f"Funding (million US$) and foreign share (%). {_note(data)}")],
        order=45,
    )


def _quality_section(data: ReportData) -> ReportSection:
    issues, summary = data.evidence.quality.issues, data.evidence.quality.summary
    body = f"<p>{len(issues)} data-quality issues, each with the record id and the fix.</p>"
    if len(summary):
        body += table_html(summary.rename(columns={"n_issues": "issues (count)"}), caption="Issues by check")
        body += table_html(issues.head(30), caption="First 30 issues")
    return ReportSection("Data quality", body, order=50)


def _alert_bounds(alerts: pd.DataFrame, crs: str, pad_m: float = 5000.0) -> tuple[float, float, float, float]:
    pts = gpd.GeoSeries(gpd.points_from_xy(alerts["lon"], alerts["lat"]), crs=4326).to_crs(crs)
    xmin, ymin, xmax, ymax = pts.total_bounds
    return xmin - pad_m, ymin - pad_m, xmax + pad_m, ymax + pad_m


def _maps_section(data: ReportData) -> ReportSection:
    note, crs, alerts = _note(data), data.evidence.crs, data.evidence.alerts.alerts
    frames = dict(data.frames)
    figs = [
        ReportFigure(
            "overview",
            evidence_map(frames, alerts, crs=crs, title="Evidence map", note=note),
            f"Hazardous areas, minefield records, finds, accidents and alerts (axes in km, {crs}). {note}",
        )
    ]
    if len(alerts):
        zoom = evidence_map(
            frames,
            alerts,
            crs=crs,
            title="New-contamination alerts",
            note=note,
            bounds=_alert_bounds(alerts, crs),
        )
        figs.append(
            ReportFigure("alerts", zoom, f"The alerts and the finds around them (axes in km). {note}")
        )
    body = "<p>Evidence on the ground, drawn without background tiles.</p>"
    return ReportSection("Maps", body, figs, order=15)


def build_section(data: ReportData) -> list[ReportSection]:
    """The evidence sections of the report (records, outside share, alerts, casualties, land release,
    funding, data quality, maps)."""
    builders = (
        _maps_section,
        _records_section,
        _outside_section,
        _alerts_section,
        _casualty_section,
        _release_section,
        _funding_section,
        _quality_section,
    )
    return [build(data) for build in builders]
