"""Report section on mine-laying patterns: the records' offset and rotation measured on their finds, the
released areas whose finds' pattern or record implies mines left, the mines still expected in the areas being
worked and how much sooner the pattern order expects to find them than lane by lane.

Every figure comes from ``data.patterns`` (:class:`mineaction.workflows.PatternsResult`, the job
``analyse_patterns``, the same ``mineaction patterns`` prints); docs/patterns.md explains the method.
Positions are in the metric CRS of the data (m), densities in mines per m2.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mineaction.report.framework import ReportFigure, ReportSection, new_figure, table_html
from mineaction.workflows import AreaPatterns, PatternsResult, ReportData

__all__ = ["build_section"]

_ORDERS = {"pattern": "pattern", "lane_by_lane": "lane by lane", "record": "record's rows first"}
_SHOWN = 15


def _interval(area: AreaPatterns) -> str:
    low, high = area.residual["interval"]
    return f"{area.residual['expected_mines']:.1f} ({low:g}-{high:g})"


def _records_text(result: PatternsResult) -> str:
    fits = [r for a in result.areas for r in a.records]
    if not fits:
        return "No minefield record lies on or is named by these areas."
    by = result.records_by_status()
    moved = [r for r in fits if r["status"] == "corrected"]
    text = (
        f"{len(fits)} minefield records lie on or are named by them: {by.get('confirmed', 0)} confirmed by "
        f"the finds (within 25 m and 3 degrees), {by.get('corrected', 0)} corrected, "
        f"{by.get('not_matched', 0)} not matched (finds near, none on the record's rows) and "
        f"{by.get('untested', 0)} untested (no finds near them)."
    )
    if moved:
        offset = float(np.median([r["offset_m"] for r in moved]))
        turn = float(np.median([abs(r["rotation_deg"]) for r in moved]))
        text += f" The corrected records were drawn a median {offset:,.0f} m and {turn:.1f} degrees off."
    return text


def _released_table(flagged: list[AreaPatterns]) -> str:
    rows = [
        [
            a.area,
            a.mine_finds,
            len(a.rows),
            _interval(a),
            "; ".join(f"{r['code'].replace('_', ' ')} ({r['mines']:g})" for r in a.release["reasons"][:2]),
        ]
        for a in sorted(flagged, key=lambda a: -float(a.residual["expected_mines"]))[:_SHOWN]
    ]
    columns = ["area", "mine finds", "rows traced", "mines expected (90 % interval)", "main reasons (mines)"]
    caption = f"Released areas the release check flags (the {min(len(flagged), _SHOWN)} with most mines)"
    return table_html(pd.DataFrame(rows, columns=columns), caption=caption)


def _share_at(area: AreaPatterns, order: str, share: float) -> float:
    assert area.order is not None
    points = area.order["expected_share_found"].get(order, [])
    return next(
        (float(p["mines_share"]) for p in points if abs(p["area_share"] - share) < 1e-9), float("nan")
    )


def _working_table(working: list[AreaPatterns]) -> str:
    rows = [
        [
            a.area,
            a.status.replace("_", " "),
            a.mine_finds,
            _interval(a),
            *[f"{100 * _share_at(a, order, 0.2):.0f} %" for order in _ORDERS],
        ]
        for a in sorted(working, key=lambda a: -float(a.residual["expected_mines"]))[:_SHOWN]
    ]
    columns = [
        "area",
        "status",
        "mine finds",
        "mines expected (90 % interval)",
        *[f"found in the first 20 % of the area: {name}" for name in _ORDERS.values()],
    ]
    caption = "Areas still to work: mines expected and the share of them each order expects to find early"
    return table_html(pd.DataFrame(rows, columns=columns), caption=caption)


def _curves_chart(working: list[AreaPatterns], note: str) -> Figure:
    fig = new_figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    steps = np.round(np.arange(0.1, 1.01, 0.1), 1)
    for order, name in _ORDERS.items():
        shares = np.nanmean([[_share_at(a, order, s) for s in steps] for a in working], axis=0)
        ax.plot(100 * np.r_[0.0, steps], 100 * np.r_[0.0, shares], marker="o", ms=3, label=name)
    ax.set_xlabel("share of the area worked (%)")
    ax.set_ylabel("share of the mines expected found (%)")
    ax.set_title(f"Clearance order, mean of {len(working)} areas still to work {note}".strip(), fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def _map_chart(area: AreaPatterns, note: str) -> Figure:
    m = area.residual_map
    rows, cols = m.density.shape
    extent = (m.west, m.west + cols * m.cell_m, m.north - rows * m.cell_m, m.north)
    fig = new_figure(figsize=(6.4, 5.2))
    ax = fig.subplots()
    shown = np.where(m.inside, m.density, np.nan)
    image = ax.imshow(shown, extent=extent, origin="upper", cmap="magma_r", interpolation="nearest")
    fig.colorbar(image, ax=ax, label="probability of a mine per m2")
    for group in area.pattern.groups:
        for x0, y0, x1, y1 in group.row_lines():
            ax.plot([x0, x1], [y0, y1], color="#2b6a99", lw=1)
    if len(area.pattern.xy):
        ax.scatter(area.pattern.xy[:, 0], area.pattern.xy[:, 1], s=4, color="black", label="mine finds")
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set_xlabel(f"easting (m, {m.crs})")
    ax.set_ylabel(f"northing (m, {m.crs})")
    ax.set_title(f"Mines left in {area.area}: {_interval(area)} expected {note}".strip(), fontsize=9)
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.tick_params(axis="x", labelrotation=30)
    fig.tight_layout()
    return fig


def _summary(result: PatternsResult, released: list[AreaPatterns], flagged: list[AreaPatterns]) -> str:
    rows = sum(len(a.rows) for a in result.areas)
    expected = sum(float(a.residual["expected_mines"]) for a in result.areas)
    return (
        f"<p>{len(result.areas):,} hazardous areas hold mine finds or a minefield record; their finds trace "
        f"{rows:,} mine rows. {html.escape(_records_text(result))} In all, <b>{expected:,.0f} mines</b> are "
        f"expected still in the ground of these areas. <b>{len(flagged)} of {len(released)}</b> released "
        f"areas among them are flagged: their finds' pattern or record implies at least "
        f"{result.settings['flag_expected_mines']:g} mine left (each is also an issue of the data-quality "
        "check). Detection assumed per pass: "
        + ", ".join(f"{k} {100 * float(v):.0f} %" for k, v in result.settings["detection"].items() if v)
        + ". The method is explained in docs/patterns.md.</p>"
    )


def build_section(data: ReportData) -> ReportSection | None:
    """The patterns section, or None when the report job gave no patterns or no area has finds or a
    record."""
    result = data.patterns
    if result is None or not result.areas:
        return None
    note = "(SIMULATED data)" if data.simulated else ""
    released = [a for a in result.areas if a.status == "released"]
    flagged = [a for a in released if a.flagged]
    working = [a for a in result.areas if a.order is not None and a.order["cells_to_work"]]
    body = _summary(result, released, flagged)
    figures: list[ReportFigure] = []
    if flagged:
        body += _released_table(flagged)
    if working:
        body += _working_table(working)
        figures.append(
            ReportFigure(
                "order",
                _curves_chart(working, note),
                "Expected share of the mines found against the share of the area worked (%), by order, under "
                f"the pattern model; mean over the areas still to work. {note}".strip(),
            )
        )
    pool = working + flagged or list(result.areas)  # an area with traced rows shows the method best
    top = max(pool, key=lambda a: (bool(a.rows), float(a.residual["expected_mines"])))
    figures.append(
        ReportFigure(
            "residual-map",
            _map_chart(top, note),
            f"Probability of a mine per m2 left in {top.area} ({top.status.replace('_', ' ')}), with the "
            f"rows its finds trace and the finds; {top.residual_map.cell_m:g} m cells in "
            f"{top.residual_map.crs}. {note}".strip(),
        )
    )
    return ReportSection("Mine-laying patterns and release checks", body, figures=figures, order=55)
