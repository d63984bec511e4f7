"""The demo pipeline: simulate a scenario, import it into a GeoPackage store, run the analyses, write the
report,
and brief the headline figures, as a list of named steps others can extend.

Each step is a :class:`DemoStep` (a name, a one-line description and a function of the :class:`DemoRun`);
``STEPS`` runs in order. A capability joins the demo by adding a step (``register_step``): risk and plan steps
go after ``analyse`` and before ``report``. Every output says the data are SIMULATED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mineaction.settings import Settings

__all__ = ["STEPS", "DemoRun", "DemoStep", "register_step", "run_demo"]

AUTHOR = "mineaction demo"


@dataclass
class DemoRun:
    """State shared by the steps: options, the scenario, the open store and the results by step name."""

    out_dir: Path
    scale: str = "small"
    seed: int = 0
    settings: Settings = field(default_factory=Settings)
    scenario: Any = None
    files: dict[str, Path] = field(default_factory=dict)
    store: Any = None
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def store_path(self) -> Path:
        return self.out_dir / "mineaction.gpkg"


@dataclass(frozen=True)
class DemoStep:
    """One named step of the demo."""

    name: str
    description: str
    run: Callable[[DemoRun], None]


def _simulate(run: DemoRun) -> None:
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import write_scenario

    run.scenario = simulate(scale=run.scale, seed=run.seed)
    run.files = write_scenario(run.scenario, run.out_dir)


def _import(run: DemoRun) -> None:
    from mineaction.io import import_file
    from mineaction.simulate.writer import IMPORTS
    from mineaction.store import init_store

    run.store_path.unlink(missing_ok=True)
    run.store = init_store(run.store_path, aoi=run.settings.aoi)
    run.store.set_setting("simulated", True)
    counts: dict[str, int] = {}
    for kind, name in IMPORTS:
        result = import_file(
            run.store, run.out_dir / name, kind=kind, author=AUTHOR, reason="SIMULATED demo scenario"
        )
        counts[kind] = counts.get(kind, 0) + sum(c.inserted for c in result.counts.values())
    run.results["import"] = counts


def _analyse(run: DemoRun) -> None:
    from mineaction.analysis import assess_records, summary_stats
    from mineaction.domain.schema import ENTITIES

    frames = {kind: run.store.read(kind) for kind in ENTITIES}
    run.results["records"] = assess_records(frames, settings=run.settings)
    run.results["summary"] = summary_stats(frames)


def _report(run: DemoRun) -> None:
    from mineaction.report import build_report, context_from_store

    aggregates = run.scenario.tables.get("casualties_1991_2020") if run.scenario is not None else None
    # yearly 1991-2020 totals: kept with the data so `mineaction report` shows them
    if aggregates is not None:
        rows = aggregates[["year", "victims", "killed", "children", "women"]].to_dict(orient="records")
        run.store.save_document(
            "aggregates",
            "casualties",
            {"rows": rows, "note": "SIMULATED aggregates"},
            author=AUTHOR,
            reason="SIMULATED 1991-2020 casualty aggregates",
        )
    context = context_from_store(run.store, settings=run.settings, results=dict(run.results))
    run.results["report"] = build_report(
        context, run.out_dir / "report", title="Mine action evidence report (SIMULATED data)"
    )


def _risk(run: DemoRun) -> None:
    import geopandas as gpd

    from mineaction.cli.risk_commands import write_candidates, write_surface_geotiff
    from mineaction.domain.schema import ENTITIES
    from mineaction.report.risk_section import risk_results

    frames = {kind: run.store.read(kind) for kind in ENTITIES}
    devices = run.scenario.truth["devices"] if run.scenario is not None else None
    truth = None
    if devices is not None:  # simulated ground truth: the report adds the capture of all true mines
        points = gpd.points_from_xy(devices["lon"], devices["lat"])
        truth = gpd.GeoDataFrame(devices, geometry=points, crs="EPSG:4326")
    res = risk_results(frames, crs=run.settings.metric_crs, truth=truth, seed=run.seed)
    write_surface_geotiff(run.out_dir / "risk.tif", res["grid"], res["surface"], simulated=True)
    write_candidates(run.out_dir / "candidates.gpkg", res["candidates"], simulated=True)
    run.results["risk"] = res


def _plan(run: DemoRun) -> None:
    from mineaction import __version__
    from mineaction.plan import (
        ClearancePlanner,
        apply_scenario,
        build_problem,
        default_scenarios,
        plan_document,
    )

    kinds = ("hazardous_areas", "assets", "operators", "funding", "activities", "accidents")
    problem = build_problem(
        {k: run.store.read(k) for k in kinds}, years=10, settings=run.settings, simulated=True
    )
    planner = ClearancePlanner(time_limit_s=8 if run.scale == "tiny" else 20)
    plans, ids = [], []
    for scenario in default_scenarios(problem.settings)[:2]:  # 6 % foreign (as now) vs the world norm
        case = apply_scenario(problem, scenario)
        result = planner.solve(case)
        doc = plan_document(case, planner, result, scenario=scenario.to_dict(), version=__version__)
        run.store.save_document(
            "plans", doc["plan_id"], doc, author=AUTHOR, reason=f"SIMULATED {scenario.name}"
        )
        plans.append({**result.to_dict(), "scenario": scenario.to_dict()})
        ids.append(doc["plan_id"])
    run.results["plan"] = {"plans": plans, "plan_ids": ids}


STEPS: list[DemoStep] = [
    DemoStep("simulate", "simulate the scenario and write its files", _simulate),
    DemoStep("import", "import every file into the GeoPackage store", _import),
    DemoStep("analyse", "record accuracy, outside shares, casualties, land release, funding", _analyse),
    DemoStep("risk", "risk surface (risk.tif), validation, candidate SHAs (candidates.gpkg)", _risk),
    DemoStep("plan", "clearance plans: 6 % foreign funding vs the world norm, saved in the store", _plan),
    DemoStep("report", "write report/index.html", _report),
]


def register_step(step: DemoStep, *, before: str | None = "report") -> None:
    """Add ``step`` to ``STEPS`` before the step named ``before`` (at the end if None or absent)."""
    names = [s.name for s in STEPS]
    STEPS.insert(names.index(before) if before in names else len(STEPS), step)


def run_demo(
    out_dir: str | Path,
    *,
    scale: str = "small",
    seed: int = 0,
    settings: Settings | None = None,
    on_step: Callable[[DemoStep, int, int], None] | None = None,
) -> DemoRun:
    """Run every step of ``STEPS`` into ``out_dir``; returns the run with its results.

    Parameters
    ----------
    out_dir : path
        Folder for the simulated files, the store ``mineaction.gpkg`` and ``report/``.
    scale, seed
        Scenario size and random seed (see ``mineaction.simulate``).
    settings : Settings, optional
        Settings for the analyses (defaults otherwise).
    on_step : callable, optional
        Called with (step, index, total) before each step (progress display).
    """
    run = DemoRun(Path(out_dir), scale=scale, seed=seed, settings=settings or Settings())
    run.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for k, step in enumerate(list(STEPS)):
            if on_step is not None:
                on_step(step, k, len(STEPS))
            step.run(run)
    finally:
        if run.store is not None:
            run.store.close()
    return run
