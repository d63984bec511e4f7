"""Run every benchmark (benchmarks/bench_*.py) in turn and print the side-by-side figures they wrote.

Each benchmark times mineaction next to the obvious alternative in the same run and writes its figures to
bench-out/<name>.json. Benchmarks are measurements, not tests: nothing here asserts a time.

Usage: ``make bench`` or ``python benchmarks/run_all.py [NAME ...]`` (e.g. ``import risk``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "bench-out"
# Arguments some benchmarks get beyond --out: the import of 10,000,000 finds (bounded memory) is long.
EXTRA = {"bench_import": ["--large", "10000000"]}


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    OUT.mkdir(exist_ok=True)
    failed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.perf_counter()
        command = [sys.executable, str(script), "--out", str(OUT), *EXTRA.get(script.stem, [])]
        done = subprocess.run(command, check=False)
        print(f"   ({time.perf_counter() - started:.0f} s wall, exit {done.returncode})", flush=True)
        if done.returncode != 0:
            failed.append(script.stem)
    for result in sorted(OUT.glob("*.json")):
        print(f"\n{result.name}:\n{json.dumps(json.loads(result.read_text()), indent=2)}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
