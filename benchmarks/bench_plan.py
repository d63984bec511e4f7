"""Benchmark: plan 10,000 to 100,000 hazardous areas with a certified gap, side by side with the alternatives.

A seeded synthetic problem at national scale (``random_problem``; SIMULATED: 11,667 km2 suspected, 34,500
families, US$ 62 M a year, 6 % foreign) is solved in the same run by:

- the greedy benefit/cost baseline (inside every planner run);
- ``ClearancePlanner(method=...)`` for each ``--methods`` entry: ``lagrangian`` (prices on yearly money and
  team-days for the bound, list scheduling, neighbourhood MIPs; what ``auto`` uses above 20,000 area-years),
  ``lp`` (the LP relaxation of the whole model by dual simplex, rounding, one neighbourhood MIP: the method
  before), ``mip`` (the whole MIP with the LP bound);
- (unless ``--no-full``) the whole time-indexed MIP handed to HiGHS as it is, warm-started from greedy,
  under the same hard limit;
- (with ``--replan K``) re-planning from the first method's plan after K areas change (``changed_problem``:
  released, split, re-estimated, new) with next year's budget as it was, 10 % lower and 10 % higher, beside
  a fresh plan of the changed problem and the number of areas each moved.

Writes ``<out>/plan.json`` and prints one line per method: wall and CPU seconds (planner process plus its
HiGHS child processes), certified gap, objective against greedy. Usage::

    python benchmarks/bench_plan.py [--n 10000] [--years 10] [--time-limit 60] [--methods lagrangian,lp]
                                    [--no-full] [--replan 100] [--out bench-out]

Budgets: 100,000 areas x 15 years with ``--time-limit 60`` within 90 s wall, certified gap at most 0.5 %,
objective at least greedy's; re-planning after 100 of 10,000 areas change within 5 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

from mineaction.plan import (
    ClearancePlanner,
    PlanningProblem,
    benefits,
    changed_problem,
    plan_document,
    random_problem,
    replan,
)
from mineaction.plan.greedy import greedy_schedule
from mineaction.plan.highs_run import run_highs
from mineaction.plan.model import time_indexed_model


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def plan_with(problem: PlanningProblem, method: str, time_limit_s: float, seed: int) -> tuple[dict, Any]:  # type: ignore[type-arg]
    """One planner run: its figures, and the result."""
    wall, cpu = time.perf_counter(), _cpu()
    result = ClearancePlanner(time_limit_s=time_limit_s, seed=seed, method=method).solve(problem)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {
        "method": method,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "certified_gap": result.mip_gap,
        "greedy_objective": result.greedy_objective,
        "greedy_gap_to_bound": (result.bound - result.greedy_objective) / result.bound,
        "at_least_greedy": bool(result.objective >= result.greedy_objective),
        "families_returned_by_year_3": result.families_by_year(3),
        "greedy_families_returned_by_year_3": result.families_by_year(3, greedy=True),
        "description": result.method,
        "produced_by": result.produced_by,
        "steps": [dict(s) for s in result.steps],
    }, result


def full_mip(problem: PlanningProblem, time_limit_s: float) -> dict[str, Any]:
    """The whole model in HiGHS, warm-started from greedy, under the hard limit."""
    b = benefits(problem)
    wall, cpu = time.perf_counter(), _cpu()
    model = time_indexed_model(problem)
    run = run_highs(
        model,
        integer=True,
        time_limit_s=time_limit_s,
        mip_gap=0.01,
        start=model.start(greedy_schedule(problem, b)),
    )
    return {
        "method": "whole MIP in HiGHS",
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(_cpu() - cpu, 2),
        "status": run.status,
        "objective": run.objective,
        "bound": run.bound,
        "certified_gap": run.gap,
        "killed": run.killed,
    }


def replan_measurement(
    problem: PlanningProblem, planner: ClearancePlanner, result: Any, k: int, compare_limit_s: float
) -> list[dict[str, Any]]:
    """Re-plan after ``k`` areas change, with next year's budget as it was, 10 % lower and 10 % higher;
    beside each, a full planner run on the changed problem and how many areas it moved."""
    document = json.loads(json.dumps(plan_document(problem, planner, result, version="bench")))
    rows = []
    for factor in (1.0, 0.9, 1.1):
        changed = changed_problem(problem, k, seed=1, next_year_budget_factor=factor)
        wall, cpu = time.perf_counter(), _cpu()
        again = replan(document, changed, time_limit_s=5.0)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        full = ClearancePlanner(time_limit_s=compare_limit_s, seed=planner.seed).solve(changed)
        saved = document["result"]["schedule"]
        full_moved = sum(1 for u, y in full.schedule.items() if u in saved and saved[u] != y)
        rows.append(
            {
                "areas_changed": k,
                "next_year_budget_factor": factor,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "moved": again.moved,
                "freed_areas": len(again.freed_areas),
                "full_replan": again.full_replan,
                "summary": again.summary(),
                "certified_gap": again.result.mip_gap,
                "objective": again.result.objective,
                "greedy_objective": again.result.greedy_objective,
                "full_planner": {
                    "objective": full.objective,
                    "certified_gap": full.mip_gap,
                    "moved": full_moved,
                },
            }
        )
        print(
            f"re-plan after {k} area changes, next year's budget x {factor}: {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU, {again.moved} areas moved ({len(again.freed_areas)} freed; full re-plan: "
            f"{again.full_replan}), certified gap {100 * again.result.mip_gap:.3f} %, objective "
            f"{again.result.objective:,.1f} vs greedy {again.result.greedy_objective:,.1f}; "
            f"planning afresh moves {full_moved} "
            f"(objective {full.objective:,.1f})",
            flush=True,
        )
    return rows


def _line(row: dict[str, Any]) -> str:
    gap = row.get("certified_gap")
    versus = ""
    if "greedy_objective" in row:
        versus = (
            f", objective {row['objective']:,.1f} vs greedy {row['greedy_objective']:,.1f} "
            f"({'better' if row['objective'] > row['greedy_objective'] else 'no better'}; greedy "
            f"{100 * row['greedy_gap_to_bound']:.3f} % from the bound)"
        )
    gap_text = f"{100 * gap:.3f} %" if isinstance(gap, float) and gap == gap and gap < 1e9 else "none"
    took = f"{row['wall_s']:.1f} s wall, {row['cpu_s']:.1f} s CPU"
    return f"{row['method']}: {took}, certified gap {gap_text}{versus}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="hazardous areas")
    parser.add_argument("--years", type=int, default=10, help="plan years")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0, help="planner time limit, s")
    parser.add_argument(
        "--methods", default="lagrangian,lp", help="comma-separated planner methods to compare"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--no-full", action="store_true", help="skip the whole-model MIP comparison")
    parser.add_argument(
        "--replan", type=int, default=0, metavar="K", help="also re-plan after K areas change"
    )
    parser.add_argument(
        "--replan-compare-limit", type=float, default=20.0, help="limit of the fresh plans, s"
    )
    args = parser.parse_args()
    problem = random_problem(args.n, args.years, seed=args.seed)
    out: dict[str, Any] = {
        "data": "SIMULATED (random_problem, national scale)",
        "areas": args.n,
        "years": args.years,
        "binaries": args.n * args.years,
        "time_limit_s": args.time_limit,
        "runs": [],
    }
    results = {}
    for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
        row, results[method] = plan_with(problem, method, args.time_limit, args.seed)
        row["within_budget"] = bool(
            row["wall_s"] <= 1.5 * args.time_limit
            and row["certified_gap"] <= 0.005
            and row["at_least_greedy"]
        )
        out["runs"].append(row)
        print(_line(row), flush=True)
    if not args.no_full:
        out["runs"].append(full_mip(problem, args.time_limit))
        print(_line(out["runs"][-1]), flush=True)
    if args.replan:
        method, result = next(iter(results.items()))
        planner = ClearancePlanner(time_limit_s=args.time_limit, seed=args.seed, method=method)
        out["replan"] = replan_measurement(problem, planner, result, args.replan, args.replan_compare_limit)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "plan.json").write_text(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
