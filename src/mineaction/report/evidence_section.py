"""Report sections of the evidence analytics: records, outside share, alerts, casualties, land release,
funding, data quality, and the maps.

``evidence_results(context)`` computes every analysis once per report (kept in
``context.results["evidence"]``) so the briefing and the sections show the same numbers.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from mineaction import analysis
from mineaction.report import charts
from mineaction.report.framework import ReportContext, ReportFigure, ReportSection, table_html
from mineaction.report.maps import evidence_map

__all__ = ["build_section", "casualty_aggregates", "evidence_results"]


def evidence_results(context: ReportContext) -> dict[str, Any]:
    """Every analysis result the evidence sections show, computed once and cached in ``context.results``."""
    if "evidence" in context.results:
        return dict(context.results["evidence"])
    frames, settings = dict(context.frames), context.settings
    crs = analysis.metric_crs_for(frames, settings)
    table = analysis.casualty_table(frames.get("victims"), frames.get("accidents"))
    acts, finds = frames.get("activities"), frames.get("finds")
    results = {
        "crs": crs,
        "assess": analysis.assess_records(
            frames, settings=settings, crs=crs, hazard_history=_hazard_history(context)
        ),
        "alerts": analysis.new_contamination_alerts(finds, acts, settings=settings, crs=crs),
        "casualty_table": table,
        "casualty_totals": analysis.casualty_totals(table),
        "casualties_since": analysis.totals_with_aggregates(
            analysis.casualty_totals(table), casualty_aggregates(context)
        ),
        "ledger": analysis.land_release_ledger(acts, finds, by=["year", "district", "operator", "method"]),
        "release_totals": analysis.release_totals(acts, finds),
        "funding_totals": analysis.funding_totals(frames.get("funding")),
        "funding_by_year": analysis.funding_by_year(frames.get("funding")),
        "funding_by_source": analysis.funding_by_source(frames.get("funding"), acts),
        "quality": analysis.data_quality(frames, settings=settings),
    }
    context.results["evidence"] = results
    return dict(results)


def casualty_aggregates(context: ReportContext) -> pd.DataFrame | None:
    """Yearly casualty aggregates of the years before victim records (``results["casualty_aggregates"]``, or
    the store's document ``aggregates/casualties``), or None."""
    aggregates = context.results.get("casualty_aggregates")
    if aggregates is None and context.store is not None:
        try:
            aggregates = pd.DataFrame(context.store.load_document("aggregates", "casualties")["rows"])
        except LookupError:
            return None
    return None if aggregates is None else pd.DataFrame(aggregates)


def _hazard_history(context: ReportContext) -> pd.DataFrame | None:
    """The store's revisions of hazardous areas (to date what was known when), or None without a store."""
    return None if context.store is None else context.store.history("hazardous_areas")


def _note(context: ReportContext) -> str:
    return "SIMULATED data" if context.simulated else ""


def _pct(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{100 * float(value):.1f} %"


def _records_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    assess = res["assess"]
    by_source = pd.DataFrame(assess["by_source"])
    parts = assess["parts"]
    body = (
        f"<p>Of {parts['n_records']} minefield records, {parts['n_processed']} are fully processed (at least "
        f"90 % of the perimeter's area covered by ended survey or clearance). Record accuracy: "
        f"<b>{_pct(assess['record_accuracy'])}</b> of them are confirmed, complete and positioned within "
        f"{assess['tolerance_m']:g} m. Record recall: <b>{_pct(assess['record_recall'])}</b> of "
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
        note=_note(context),
    )
    return ReportSection(
        "Minefield record accuracy",
        body,
        [ReportFigure("by-source", fig, f"Share of fully processed records (%) by source. {_note(context)}")],
        order=20,
    )


def _outside_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    assess = res["assess"]
    by_year = pd.DataFrame(assess["outside_by_year"])
    body = (
        f"<p>{assess['n_accidents_located']} accidents have a known location. Outside every minefield "
        f"record: <b>{_pct(assess['outside_share_records'])}</b>; outside every hazardous area known on the "
        f"accident's date: <b>{_pct(assess['outside_share_known_hazards'])}</b>. Mine finds outside every "
        f"record: {_pct(assess['finds_outside_records'])}.</p>"
    )
    if len(by_year):
        shown = by_year.assign(
            outside_records=(100 * by_year["outside_records"]).round(1),
            outside_known_hazards=(100 * by_year["outside_known_hazards"]).round(1),
        )
        shown.columns = ["year", "accidents (count)", "outside records (%)", "outside known hazards (%)"]
        body += table_html(shown.astype({"year": int}), caption="Outside share by year")
    by_district = pd.DataFrame(assess["outside_by_district"])
    if len(by_district):
        shown = by_district.assign(
            outside_records=(100 * by_district["outside_records"]).round(1),
            outside_known_hazards=(100 * by_district["outside_known_hazards"]).round(1),
        )
        shown.columns = ["district", "accidents (count)", "outside records (%)", "outside known hazards (%)"]
        body += table_html(shown, caption="Outside share by district")
    fig = charts.outside_share_chart(
        by_year if len(by_year) else pd.DataFrame(columns=["year"]), note=_note(context)
    )
    return ReportSection(
        "Accidents outside the mapped areas",
        body,
        [ReportFigure("by-year", fig, f"Share of located accidents (%). {_note(context)}")],
        order=25,
    )


def _alerts_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    alerts = res["alerts"]
    cutoff = context.settings.ceasefire.isoformat()
    body = (
        f"<p>{len(alerts)} alerts of new contamination: clusters of finds made after {cutoff} (by "
        f"manufacture year) or found in land released earlier.</p>"
    )
    if len(alerts):
        shown = analysis.alerts_for_display(alerts)
        body += table_html(shown, caption="New-contamination alerts", float_format="{:.4f}")
    return ReportSection("New contamination", body, order=30)


def _casualty_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    table, totals, since = res["casualty_table"], res["casualty_totals"], res["casualties_since"]
    body = (
        f"<p>{totals['total']} casualties recorded (people): {totals['killed']} killed, {totals['injured']} "
        f"injured; {totals['children']} children (under 18), {totals['women']} women, "
        f"{totals['civilians']} civilians.</p>"
    )
    if since["since"] is not None:
        body += (
            f"<p>Since {since['since']}, with the yearly aggregates of the years before victim records: "
            f"<b>{since['total']:,}</b> casualties, {since['children']:,} children, "
            f"{since['women']:,} women, {since['killed']:,} killed (people).</p>"
        )
    for key in ("setting", "district", "victim_group"):
        counts = analysis.casualties_by(table, key).rename(
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
            charts.casualties_by_year_chart(analysis.casualties_by(table, "year"), note=_note(context)),
            f"Casualties per year (people). {_note(context)}",
        ),
        ReportFigure(
            "by-age-sex",
            charts.casualties_by_band_chart(
                analysis.casualties_by(table, ["age_band", "sex"]), note=_note(context)
            ),
            f"Casualties by age band and sex (people). {_note(context)}",
        ),
    ]
    return ReportSection("Casualties", body, figs, order=35)


def _operator_names(context: ReportContext) -> Any:
    """A function giving ``name (OP-...)`` for an operator id, or the id when the operator is unknown."""
    operators = context.frame("operators")
    names = (
        dict(zip(operators["id"], operators["name"], strict=True)) if {"id", "name"} <= set(operators) else {}
    )
    return lambda op: f"{names[op]} ({op})" if op in names else op


def _release_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    ledger, totals = res["ledger"], res["release_totals"]
    body = (
        f"<p>Land released: <b>{totals['released_ha']:,.0f} ha</b> (cancelled "
        f"{totals['cancelled_m2'] / 1e4:,.0f} ha, reduced {totals['reduced_m2'] / 1e4:,.0f} ha, cleared "
        f"{totals['cleared_m2'] / 1e4:,.0f} ha); cost {totals['cost_per_m2_usd']:.2f} US$ per m2 released; "
        f"{totals['finds_per_ha']:.2f} finds per cleared ha.</p>"
    )
    by_operator = analysis.land_release_ledger(
        context.frame("activities"), context.frame("finds"), by="operator"
    )
    if len(by_operator):
        shown = by_operator[
            ["operator", "n_activities", "released_m2", "cost_usd", "cost_per_m2_usd", "finds_per_ha"]
        ]
        body += table_html(
            shown.assign(
                released_m2=shown["released_m2"] / 1e4,
                operator=shown["operator"].map(_operator_names(context)),
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
    note = _note(context)
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


def _funding_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    totals, by_source = res["funding_totals"], res["funding_by_source"]
    body = (
        f"<p>Funding recorded: {totals['total_usd'] / 1e6:,.1f} million US$, of which foreign "
        f"<b>{_pct(totals['foreign_share'])}</b> (world norm in affected countries: 78 to 91 %).</p>"
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
    fig = charts.funding_chart(res["funding_by_year"], note=_note(context))
    return ReportSection(
        "Funding",
        body,
        [ReportFigure("by-year", fig, f"Funding (million US$) and foreign share (%). {_note(context)}")],
        order=45,
    )


def _quality_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    issues = res["quality"]
    summary = analysis.quality_summary(issues)
    body = f"<p>{len(issues)} data-quality issues, each with the record id and the fix.</p>"
    if len(summary):
        body += table_html(summary.rename(columns={"n_issues": "issues (count)"}), caption="Issues by check")
        body += table_html(issues.head(30), caption="First 30 issues")
    return ReportSection("Data quality", body, order=50)


def _alert_bounds(alerts: pd.DataFrame, crs: str, pad_m: float = 5000.0) -> tuple[float, float, float, float]:
    pts = gpd.GeoSeries(gpd.points_from_xy(alerts["lon"], alerts["lat"]), crs=4326).to_crs(crs)
    xmin, ymin, xmax, ymax = pts.total_bounds
    return xmin - pad_m, ymin - pad_m, xmax + pad_m, ymax + pad_m


def _maps_section(context: ReportContext, res: dict[str, Any]) -> ReportSection:
    note, crs, alerts = _note(context), res["crs"], res["alerts"]
    frames = dict(context.frames)
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


def build_section(context: ReportContext) -> list[ReportSection]:
    """The evidence sections of the report (records, outside share, alerts, casualties, land release,
    funding, data quality, maps)."""
    res = evidence_results(context)
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
    return [build(context, res) for build in builders]
