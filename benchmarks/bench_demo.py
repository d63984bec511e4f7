"""Time ``mineaction demo --scale small`` end to end (budget: under 3 minutes on the 2-core machine), next to
``mineaction simulate`` alone, and write bench-out/demo.json.

Usage: ``python benchmarks/bench_demo.py [--out bench-out] [--scale small] [--seed 0]``. A measurement, not a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 180.0


def _timed(args: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(args, check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="bench-out")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    beside = Path(sys.executable).with_name("mineaction")
    exe = [str(beside) if beside.exists() else (shutil.which("mineaction") or "mineaction")]
    work = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    try:
        sim_s, sim_rc = _timed(
            [*exe, "simulate", "--out", str(work / "sim"), "--scale", opts.scale, "--seed", str(opts.seed)]
        )
        demo_s, demo_rc = _timed(
            [*exe, "demo", "--out", str(work / "demo"), "--scale", opts.scale, "--seed", str(opts.seed)]
        )
        calibration = json.loads((work / "demo" / "truth" / "calibration.json").read_text())
        store_mb = (work / "demo" / "mineaction.gpkg").stat().st_size / 1e6
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "scale": opts.scale,
        "seed": opts.seed,
        "simulate_s": round(sim_s, 1),
        "demo_s": round(demo_s, 1),
        "budget_s": BUDGET_S,
        "within_budget": demo_s < BUDGET_S,
        "exit_codes": [sim_rc, demo_rc],
        "store_mb": round(store_mb, 1),
        "calibration_within": sum(v["within"] for v in calibration.values()),
        "calibration_figures": len(calibration),
        "note": "SIMULATED data; wall-clock seconds on this machine, shared with other work",
    }
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "demo.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if demo_rc == 0 and sim_rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
