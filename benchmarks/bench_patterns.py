"""Benchmark: mine-laying patterns measured against the true mines of the simulated twin (SIMULATED data).

Three measurements (definitions in ``mineaction.patterns.evaluate`` and docs/patterns.md), each printed beside
the obvious alternative:

1. **clearance order**: every hazardous area holding at least 5 mines laid in minefields is cleared again,
   cell by cell (10 m), in lane-by-lane order (both sides averaged), the record's order and the pattern
   order; the area worked until the last of those mines is found, and the share found at every 5 % of it;
2. **release check**: every released area, against the mines truly left in it: flagged or not, the
   residual interval against the true count; beside the obvious estimate without a pattern (finds x
   (1 - p) / p);
3. **record correction**: every record of a true minefield is aligned to the finds of the first 30 % of its
   mines (lane by lane); the median distance of the minefield's true mines to the record's rows as drawn and
   as moved by the measured offset and rotation.

Usage: ``python benchmarks/bench_patterns.py --out bench-out [--scale small] [--seed 0]`` (writes
``bench-out/patterns.json``). Timings are wall-clock on a shared machine: indicative only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def _pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.0f} %"


def _ordering(scenario: Any, xy: np.ndarray, in_field: np.ndarray, settings: Any) -> dict:
    from mineaction.patterns import evaluate as ev

    started = time.perf_counter()
    layers = scenario.layers
    frame, curves = ev.ordering_truth(
        layers["hazardous_areas"], layers["minefield_records"], xy, in_field, settings=settings
    )
    seconds = time.perf_counter() - started
    with_record = frame["records"].to_numpy() > 0
    out = {
        "all": ev.summarise_ordering(frame, curves),
        "with_record": ev.summarise_ordering(frame, curves, with_record),
        "without_record": ev.summarise_ordering(frame, curves, ~with_record),
        "seconds": round(seconds, 1),
        "seconds_per_area": round(seconds / max(len(frame), 1), 2),
    }
    for name, part in (("all", out["all"]), ("with_record", out["with_record"])):
        print(
            f"\nClearance order, {name.replace('_', ' ')} ({part['areas']} areas, {part['targets']} mines):"
        )
        print(f"  area worked to find every mine, pattern / lane by lane: {part['pattern_area_vs_lane']:.3f}")
        print(f"  area worked to find every mine, record  / lane by lane: {part['record_area_vs_lane']:.3f}")
        print(
            f"  median reduction per area, pattern vs lane by lane: {_pct(part['median_reduction_vs_lane'])}"
        )
        print(f"  pattern finds more per area at every step: {part['pattern_higher_at_every_step']}", end="")
        print(f" (mean over the steps: {part['mean_gain_points']:+.1f} percentage points)")
        print("  share of mines found at 10/20/.../90 % of the area:")
        for order, shares in part["mean_share_found"].items():
            print(f"    {order:<13}" + " ".join(f"{s:5.2f}" for s in shares[1::2]))
    return out


def _release(scenario: Any, xy: np.ndarray, left: np.ndarray, settings: Any) -> dict:
    from mineaction.patterns import evaluate as ev

    started = time.perf_counter()
    frame = ev.release_truth(scenario.layers, xy[left], settings=settings)
    seconds = time.perf_counter() - started
    s = ev.summarise_release(frame)
    s.update(seconds=round(seconds, 1), seconds_per_area=round(seconds / max(len(frame), 1), 3))
    print(f"\nRelease check ({s['areas']} released areas; {s['with_mines_left']} with mines left):")
    print(f"  flagged, areas with mines left: {_pct(s['flagged_share_with_mines_left'])}", end="")
    print(f" ({_pct(s['flagged_share_with_mines_left_and_finds'])} of those with finds)")
    print(f"  flagged, areas truly clear: {_pct(s['flagged_share_truly_clear'])}")
    ratio = s["false_flags_per_true_flag"]
    print(f"  false flags per true flag: {ratio:.3f} ({s['false_flags']} / {s['true_flags']})")
    print(
        f"  without a pattern (finds x (1-p)/p >= 1): {s['naive_false_flags_per_true_flag']:.3f} "
        f"({s['naive_false_flags']} / {s['naive_true_flags']} true flags)"
    )
    print(f"  residual interval holds the true count: {_pct(s['interval_holds_truth'])}", end="")
    with_finds, without = s["interval_holds_truth_with_finds"], s["interval_holds_truth_without_finds"]
    print(f" (with finds {_pct(with_finds)}, without {_pct(without)})")
    return s


def _correction(scenario: Any, xy: np.ndarray, fields: np.ndarray, settings: Any) -> dict:
    from mineaction.patterns import evaluate as ev

    truth = scenario.truth["records"]
    real = truth.loc[truth["fate"] != "phantom"]  # a phantom record describes no mines
    frame = ev.record_correction(
        scenario.layers["minefield_records"],
        scenario.truth["minefields"],
        xy,
        fields,
        dict(zip(real["record"], real["minefield"], strict=True)),
        settings=settings,
    )
    summary = ev.summarise_correction(frame, dict(zip(truth["record"], truth["fate"], strict=True)))
    print("\nRecord correction (median distance of the true mines to the rows, m):")
    print(f"  {'fate':<12}{'records':>8}{'drawn':>10}{'moved':>10}{'closer':>9}{'offset':>9}")
    for fate, row in summary.items():
        print(
            f"  {fate:<12}{row['records']:>8}{row['median_drawn_m']:>10.1f}{row['median_moved_m']:>10.1f}"
            f"{_pct(row['moved_closer_share']):>9}{row['median_offset_m']:>9.1f}"
        )
    return summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-out")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from mineaction.patterns import PatternSettings
    from mineaction.patterns import evaluate as ev
    from mineaction.simulate import simulate

    print(f"SIMULATED twin, scale {args.scale}, seed {args.seed}")
    scenario = simulate(scale=args.scale, seed=args.seed)
    devices = scenario.truth["devices"]
    mines = devices.loc[devices["category"].isin(["AP", "AT"])].reset_index(drop=True)
    xy = ev.mines_xy_of(mines, "EPSG:32638")
    left = (mines["find"].isna() & mines["accident"].isna()).to_numpy()
    settings = PatternSettings()
    result = {
        "simulated": True,
        "scale": args.scale,
        "seed": args.seed,
        "ordering": _ordering(scenario, xy, mines["minefield"].notna().to_numpy(), settings),
        "release": _release(scenario, xy, left, settings),
        "record_correction": _correction(scenario, xy, mines["minefield"].to_numpy(), settings),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "patterns.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
