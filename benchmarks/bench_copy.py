"""Benchmark: move the demo's GeoPackage store (SIMULATED, small scale) to PostGIS and back with
``mineaction copy``, next to the export + import way, and say what each way keeps.

Builds the demo's store (``mineaction simulate`` files imported in the demo's order, so hazardous areas have
their first reports and later updates in the history), starts a throwaway PostgreSQL with PostGIS
(``throwaway_postgres``), then times in the same run, each in its own child process with its peak resident
memory:

- ``mineaction copy SMALL.gpkg postgresql://...`` and ``mineaction copy postgresql://... BACK.gpkg``;
- ``mineaction export SMALL.gpkg OUT.gpkg`` then ``mineaction init`` and ``mineaction import`` of it into
  another PostGIS database (the way that existed before; it carries the current records only).

Rows per second count every row each way carries (all tables for the copy; the current records for export
+ import). For each store it also records the history revisions held and ``records assess --json``'s share of
accidents outside the hazardous areas known at the time, which needs the history. Writes ``<out>/copy.json``
and prints it. Usage::

    python benchmarks/bench_copy.py [--out bench-out] [--scale small] [--seed 0]

A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway_postgres import create_database, running_postgres  # noqa: E402

# Runs a command and prints its wall time (s), CPU time (s), exit status and peak resident memory (KiB) as
# JSON. The CPU time is the command's own; the PostgreSQL server's work is not in it.
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": time.perf_counter() - started, "exit": done.returncode,
                  "cpu_s": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss,
                  "stderr": done.stderr[-2000:]}))
"""


def _mineaction() -> str:
    beside = Path(sys.executable).with_name("mineaction")
    return str(beside) if beside.exists() else (shutil.which("mineaction") or "mineaction")


def _measured(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, _mineaction(), *args], capture_output=True, text=True
    )
    result = json.loads(done.stdout)
    if result["exit"] != 0:
        raise SystemExit(f"mineaction {' '.join(args[:1])} failed: {result['stderr']}")
    return {
        "seconds": round(result["seconds"], 2),
        "cpu_s": round(result["cpu_s"], 2),
        "peak_mib": round(result["peak_kib"] / 1024, 1),
    }


def _build_store(folder: Path, scale: str, seed: int) -> Path:
    """The demo's store: the simulated files imported in the demo's order (first reports, then updates)."""
    from mineaction.io import import_file
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import IMPORTS, write_scenario
    from mineaction.store import init_store

    write_scenario(simulate(scale=scale, seed=seed), folder)
    path = folder / "small.gpkg"
    with init_store(path) as store:
        store.set_setting("simulated", True)
        for kind, name in IMPORTS:  # rows the importer refuses are set aside, as a user would
            rejects = folder / f"{name}.rejects.csv"
            import_file(
                store,
                folder / name,
                kind=kind,
                author="mineaction demo",
                reason="SIMULATED demo",
                skip_invalid=True,
                rejects_path=rejects,
            )
    return path


def _profile(url: str) -> dict[str, Any]:
    """Rows and history revisions held, and the assessment that needs the history."""
    from mineaction.store import open_store
    from mineaction.store.catalog import present_tables

    with open_store(url) as store:
        tables = present_tables(store)  # type: ignore[arg-type]
        rows = {t: int(store.query(f'SELECT COUNT(*) FROM "{t}"')[0][0]) for t in tables}  # type: ignore[attr-defined]
    done = subprocess.run([_mineaction(), "records", "assess", url, "--json"], capture_output=True, text=True)
    assess = json.loads(done.stdout)
    return {
        "rows": sum(rows.values()),
        "current_records": sum(n for t, n in rows.items() if f"{t}_history" in rows),
        "history_revisions": sum(n for t, n in rows.items() if t.endswith("_history")),
        "outside_share_known_hazards": assess["outside_share_known_hazards"],
        "assess": assess,
    }


def _per_s(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds > 0 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="bench-out")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-copy-"))
    try:
        source = _build_store(work, opts.scale, opts.seed)
        with running_postgres() as server:
            copied, imported = create_database(server), create_database(server)
            to_pg = _measured("copy", str(source), copied)
            back = work / "back.gpkg"
            from_pg = _measured("copy", copied, str(back))
            export = _measured("export", str(source), str(work / "out.gpkg"))
            init = _measured("init", imported)
            load = _measured("import", imported, str(work / "out.gpkg"))
            stores = {
                "source": str(source),
                "copy": copied,
                "copy_back": str(back),
                "export_import": imported,
            }
            profiles = {name: _profile(url) for name, url in stores.items()}
        with sqlite3.connect(source) as conn:
            size_mb = (
                conn.execute("PRAGMA page_count").fetchone()[0]
                * conn.execute("PRAGMA page_size").fetchone()[0]
                / 1e6
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    same = {name: p["assess"] == profiles["source"]["assess"] for name, p in profiles.items()}
    rows = profiles["source"]["rows"]
    export_s = export["seconds"] + init["seconds"] + load["seconds"]
    export_cpu = export["cpu_s"] + init["cpu_s"] + load["cpu_s"]
    result = {
        "scale": opts.scale,
        "seed": opts.seed,
        "store_mb": round(size_mb, 1),
        "rows": rows,
        "copy_to_postgis": {**to_pg, "rows_per_s": _per_s(rows, to_pg["seconds"])},
        "copy_back_to_gpkg": {**from_pg, "rows_per_s": _per_s(rows, from_pg["seconds"])},
        "export_import": {
            "export": export,
            "init": init,
            "import": load,
            "seconds": round(export_s, 2),
            "cpu_s": round(export_cpu, 2),
            "rows_carried": profiles["export_import"]["rows"],
            "rows_per_s": _per_s(profiles["export_import"]["current_records"], export_s),
        },
        "history_revisions": {name: p["history_revisions"] for name, p in profiles.items()},
        "outside_share_known_hazards": {
            name: p["outside_share_known_hazards"] for name, p in profiles.items()
        },
        "assess_identical_to_source": same,
        "load_average_1min": round(os.getloadavg()[0], 1),
        "note": "SIMULATED data; wall-clock seconds on this machine, shared with other work (cpu_s: the "
        "command's own CPU time, the server's excluded); throwaway PostgreSQL without fsync",
    }
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "copy.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if same["copy"] and same["copy_back"] else 1


if __name__ == "__main__":
    sys.exit(main())
