"""Benchmark: plan 10,000 hazardous areas over 10 years to within 1 % of optimal in under 60 s.

A seeded synthetic problem at national scale (``random_problem``; SIMULATED: 11,667 km2 suspected, 34,500
families, US$ 62 M a year, 6 % foreign) is solved in the same run by:

- the greedy benefit/cost baseline;
- ``ClearancePlanner(time_limit_s=60)``: LP relaxation bound, LP rounding, neighbourhood MIP (certified gap);
- (unless ``--no-full``) the obvious alternative: the whole time-indexed MIP handed to HiGHS as it is,
  warm-started from greedy, under the same hard limit.

Writes ``<out>/plan.json`` and prints the figures. Usage::

    python benchmarks/bench_plan.py [--n 10000] [--years 10] [--time-limit 60] [--out bench-out] [--no-full]

Budget (DESIGN.md section 10): under 60 s to within 1 % of optimal.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mineaction.plan import ClearancePlanner, benefits, random_problem
from mineaction.plan.greedy import greedy_schedule
from mineaction.plan.highs_run import run_highs
from mineaction.plan.model import time_indexed_model


def full_mip(problem, time_limit_s: float) -> dict:  # type: ignore[no-untyped-def]
    """The whole model in HiGHS, warm-started from greedy, under the hard limit."""
    b = benefits(problem)
    model = time_indexed_model(problem)
    started = time.perf_counter()
    run = run_highs(
        model,
        integer=True,
        time_limit_s=time_limit_s,
        mip_gap=0.01,
        start=model.start(greedy_schedule(problem, b), problem),
    )
    return {
        "status": run.status,
        "objective": run.objective,
        "bound": run.bound,
        "gap": run.gap,
        "seconds": time.perf_counter() - started,
        "killed": run.killed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--no-full", action="store_true", help="skip the whole-model MIP comparison")
    args = parser.parse_args()
    problem = random_problem(args.n, args.years, seed=args.seed)
    started = time.perf_counter()
    result = ClearancePlanner(time_limit_s=args.time_limit, seed=args.seed).solve(problem)
    wall = time.perf_counter() - started
    out = {
        "data": "SIMULATED (random_problem, national scale)",
        "areas": args.n,
        "years": args.years,
        "binaries": args.n * args.years,
        "time_limit_s": args.time_limit,
        "planner": {
            "seconds": wall,
            "status": result.status,
            "objective": result.objective,
            "bound": result.bound,
            "mip_gap": result.mip_gap,
            "method": result.method,
            "solver": result.solver,
            "steps": [dict(s) for s in result.steps],
        },
        "greedy": {
            "objective": result.greedy_objective,
            "gap_to_bound": (result.bound - result.greedy_objective) / result.bound,
        },
        "families_returned_by_year_3": {
            "planner": result.families_by_year(3),
            "greedy": result.families_by_year(3, greedy=True),
        },
        "within_budget": bool(wall < 60 and result.mip_gap <= 0.01),
    }
    if not args.no_full:
        out["full_mip_alone"] = full_mip(problem, args.time_limit)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "plan.json").write_text(json.dumps(out, indent=2))
    print(
        f"planner: {wall:.1f} s, gap {100 * result.mip_gap:.3f} % (certified against the LP bound), "
        f"objective {result.objective:,.1f} vs greedy {result.greedy_objective:,.1f} "
        f"({100 * out['greedy']['gap_to_bound']:.3f} % from the bound)"
    )
    if "full_mip_alone" in out:
        full = out["full_mip_alone"]
        print(
            f"whole MIP in HiGHS: {full['seconds']:.1f} s, {full['status']}, "
            f"objective {full['objective']:,.1f}, "
            f"gap {full['gap']}"
        )


if __name__ == "__main__":
    main()
