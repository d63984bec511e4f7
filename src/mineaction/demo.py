"""The demo pipeline: simulate a scenario, import it into a GeoPackage store, run every job, write the report
and brief the headline figures, as a list of named steps others can extend.

Each step is a :class:`DemoStep` (a name, a one-line description and a function of the :class:`DemoRun`);
``STEPS`` runs in order. A capability joins the demo by adding a step (``register_step``): risk and plan steps
go after ``analyse`` and before ``report``. Steps call the jobs of :mod:`mineaction.workflows` (the same
functions as the commands), so the demo's figures, ``risk.tif`` and plans are those the commands give on the
same store and settings. Every output says the data are SIMULATED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mineaction.settings import Settings

__all__ = ["STEPS", "DemoRun", "DemoStep", "demo_time_limit_s", "register_step", "run_demo"]

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
    snapshot: Any = None  # the store as the jobs read it, read once after the import
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
    from mineaction.workflows import StoreSnapshot

    run.snapshot = StoreSnapshot(run.store, settings=run.settings)


def _analyse(run: DemoRun) -> None:
    from mineaction.workflows import assess_records, summarise_store

    run.results["records"] = assess_records(run.snapshot)
    run.results["summary"] = summarise_store(run.snapshot)


def _truth(run: DemoRun) -> Any:
    """The simulated true mines as WGS84 points (the report adds the capture of all true mines)."""
    devices = run.scenario.truth.get("devices") if run.scenario is not None else None
    if devices is None:
        return None
    import geopandas as gpd

    points = gpd.points_from_xy(devices["lon"], devices["lat"])
    return gpd.GeoDataFrame(devices, geometry=points, crs="EPSG:4326")


def _risk(run: DemoRun) -> None:
    from mineaction.io import write_candidates, write_risk_geotiff
    from mineaction.workflows import risk_results

    res = risk_results(run.snapshot, truth=_truth(run))
    write_risk_geotiff(run.out_dir / "risk.tif", res.surface.grid, res.surface.surface, simulated=True)
    write_candidates(run.out_dir / "candidates.gpkg", res.candidates.candidates, simulated=True)
    run.results["risk"] = res


def _plan(run: DemoRun) -> None:
    from mineaction.workflows import builtin_scenarios, plan_clearance

    run.results["plan"] = plan_clearance(
        run.snapshot,
        scenarios=builtin_scenarios()[:2],  # 6 % foreign (as now) vs the world norm
        time_limit_s=demo_time_limit_s(run.scale),
    )


def demo_time_limit_s(scale: str) -> float:
    """The planner's time limit in the demo, s: short for the tiny scale used in tests."""
    return 8.0 if scale == "tiny" else 20.0


def _report(run: DemoRun) -> None:
    from mineaction.report import build_report
    from mineaction.workflows import report_data

    aggregates = run.scenario.tables.get("casualties_1991_2020") if run.scenario is not None else None
    # yearly 1991-2020 totals: kept with the data so `mineaction stats` and `report` count them
    if aggregates is not None:
        rows = aggregates[["year", "victims", "killed", "children", "women"]].to_dict(orient="records")
        run.store.save_document(
            "aggregates",
            "casualties",
            {"rows": rows, "note": "SIMULATED aggregates"},
            author=AUTHOR,
            reason="SIMULATED 1991-2020 casualty aggregates",
        )
    plan = run.results.get("plan")
    data = report_data(
        run.snapshot,
        risk=run.results.get("risk"),
        plans=None if plan is None else [p.full() for p in plan.plans],
    )
    run.results["report"] = build_report(
        data, run.out_dir / "report", title="Mine action evidence report (SIMULATED data)"
    )


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
    chosen = (settings or Settings()).replace(random_state=seed)
    if chosen.author == Settings().author:
        chosen = chosen.replace(author=AUTHOR)
    run = DemoRun(Path(out_dir), scale=scale, seed=seed, settings=chosen)
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
