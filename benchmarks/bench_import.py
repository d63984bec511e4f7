"""Benchmark: import N simulated finds (GeoJSON and CSV) into a GeoPackage store, next to GDAL's ogr2ogr.

Generates N finds (seeded, inside the Azerbaijan area of interest, the schema's columns; every record says
"simulated"), writes them as GeoJSON and as CSV (lon/lat), then times in the same run, each in its own child
process with its peak resident memory:

- ``mineaction import STORE FILE --kind finds`` into a new GeoPackage store (read, validate, write);
- ``ogr2ogr -f GPKG`` of the same file into a new GeoPackage (for CSV with ``-oo X_POSSIBLE_NAMES=lon
  -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326``).

Files larger than 50 MiB are imported in batches (``mineaction.io.stream``), as every such import is. With
``--large N`` (``make bench`` gives 10,000,000) the same is done again for N finds, generated and written a
chunk at a time (the 10,000,000-row GeoJSON is about 3.4 GB: check the free space of the temporary folder).

After the CSV runs of each size, an import of the same CSV into a store already holding its first 1,000
finds is killed (SIGKILL) once about a tenth of it is written inside its transaction; the store must reopen
exactly as it was (every row of the finds, their history and R-tree, and SQLite's integrity check).

Writes ``<out>/import.json`` and prints a table. Usage::

    python benchmarks/bench_import.py [--n 1000000] [--large 10000000] [--out bench-out] [--seed 7] [--keep]

Budget (DESIGN.md section 10): at most 0.5x ogr2ogr's time at 1,000,000 finds; a peak under 256 MB at
10,000,000.
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

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

HERE = Path(__file__).resolve().parent
AOI = (44.5, 38.3, 50.9, 41.95)  # Azerbaijan, degrees (WGS84)
MODELS = {
    "AP": ["PMN-2", "PMN-E", "OZM-72", "POMZ-2M"],
    "AT": ["TM-62M", "TM-57"],
    "UXO": ["OF-462", "9M22U"],
}
DISTRICTS = [
    "Aghdam",
    "Fuzuli",
    "Jabrayil",
    "Zangilan",
    "Gubadli",
    "Lachin",
    "Kalbajar",
    "Khojavend",
    "Tartar",
]

# Runs a command and prints its wall time (s) and its peak resident memory (KiB) as JSON.
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"seconds": time.perf_counter() - started, "exit": done.returncode,
                  "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": done.stderr[-2000:]}))
"""


def simulated_finds(n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` simulated finds with the schema's columns, uniformly inside the Azerbaijan area of interest."""
    rng = np.random.default_rng(seed)
    category = rng.choice(["AP", "AT", "UXO"], size=n, p=[0.25, 0.15, 0.6])
    model = np.empty(n, dtype=object)
    for cat, names in MODELS.items():
        chosen = category == cat
        model[chosen] = rng.choice(names, size=int(chosen.sum()))
    found = np.datetime64("2021-01-01") + rng.integers(0, 4 * 365, size=n).astype("timedelta64[D]")
    year = rng.integers(1975, 2021, size=n).astype(float)
    year[rng.random(n) < 0.6] = np.nan
    frame = pd.DataFrame(
        {
            "id": None,
            "source": "simulated (benchmark)",
            "source_doc": "bench_import simulated",
            "category": category,
            "model": model,
            "manufacture_year": year,
            "found_on": np.datetime_as_string(found, unit="D"),
            "depth_cm": np.round(rng.uniform(0, 30, n), 1),
            "condition": rng.choice(["armed", "unarmed", "damaged", "unknown"], size=n),
            "district": rng.choice(DISTRICTS, size=n),
        }
    )
    west, south, east, north = AOI
    x = np.round(rng.uniform(west + 0.5, east - 0.5, n), 6)
    y = np.round(rng.uniform(south + 0.3, north - 0.3, n), 6)
    return gpd.GeoDataFrame(frame, geometry=shapely.points(x, y), crs="EPSG:4326")


def write_inputs(frame: gpd.GeoDataFrame, folder: Path) -> dict[str, Path]:
    """The same finds as GeoJSON and as CSV with lon/lat columns."""
    geojson, csv = folder / "finds.geojson", folder / "finds.csv"
    pyogrio.write_dataframe(frame, geojson, driver="GeoJSON")
    _plain(frame).to_csv(csv, index=False)
    return {"geojson": geojson, "csv": csv}


def _plain(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    plain = pd.DataFrame(frame.drop(columns="geometry"))
    plain.insert(len(plain.columns), "lon", shapely.get_x(frame.geometry.values))
    plain.insert(len(plain.columns), "lat", shapely.get_y(frame.geometry.values))
    return plain


def write_inputs_chunked(n: int, seed: int, folder: Path, chunk: int = 1_000_000) -> dict[str, Path]:
    """``n`` finds as GeoJSON and CSV, generated and written ``chunk`` rows at a time (the first chunk is
    ``simulated_finds(chunk, seed)``, the k-th uses the seed [seed, k]); the features of each chunk's GeoJSON
    (one per line, as GDAL writes them) are spliced into one FeatureCollection."""
    geojson, csv = folder / "finds.geojson", folder / "finds.csv"
    part = folder / "part.geojson"
    features = 0
    with geojson.open("w") as out:
        for k, start in enumerate(range(0, n, chunk)):
            frame = simulated_finds(min(chunk, n - start), seed if k == 0 else [seed, k])  # type: ignore[arg-type]
            _plain(frame).to_csv(csv, index=False, mode="w" if k == 0 else "a", header=k == 0)
            pyogrio.write_dataframe(frame, part, driver="GeoJSON")
            del frame
            with part.open() as lines:
                for line in lines:
                    if line.startswith('{ "type": "Feature"'):
                        out.write(("" if features == 0 else ",\n") + line.rstrip().rstrip(","))
                        features += 1
                    elif features == 0:
                        out.write(line)  # the head: type, name, crs, "features": [
            part.unlink()
        out.write("\n]\n}\n")
    return {"geojson": geojson, "csv": csv}


def measure(command: list[str]) -> dict[str, float]:
    """Wall seconds and peak memory (MB) of ``command`` run in a fresh child process."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    if result["exit"] != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result['stderr']}")
    return {"seconds": round(result["seconds"], 2), "peak_mb": round(result["peak_kib"] / 1024, 1)}


def _store_state(path: Path) -> dict[str, object]:
    """What must not change when an import is killed: the finds, their history and R-tree rows (a digest of
    every row) and SQLite's integrity check. Opening the store read-write rolls back an interrupted
    transaction, as the next command on it would."""
    import hashlib
    import sqlite3

    digest = hashlib.blake2b(digest_size=16)
    with sqlite3.connect(path) as db:
        counts = {}
        for table, order in (("finds", "fid"), ("finds_history", "revision"), ("rtree_finds_geom", "id")):
            rows = db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            counts[table] = len(rows)
            digest.update(repr(rows).encode())
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    return {"rows": counts, "digest": digest.hexdigest(), "integrity": integrity}


def kill_mid_import(source: Path, folder: Path, mineaction: str, n: int) -> dict[str, object]:
    """kill -9 an import of ``source`` (CSV) into a store already holding 1,000 finds, once the store file
    has grown by about a tenth of the whole import (rows written inside its transaction), and check that the
    store reopens exactly as it was."""
    store, first = folder / "killed.gpkg", folder / "first.csv"
    with source.open() as lines, first.open("w") as out:
        out.writelines(line for _, line in zip(range(1_001), lines, strict=False))
    subprocess.run([mineaction, "init", str(store)], check=True, capture_output=True)
    subprocess.run(
        [mineaction, "import", str(store), str(first), "--kind", "finds", "--reason", "before the kill"],
        check=True,
        capture_output=True,
    )
    before, size = _store_state(store), store.stat().st_size
    threshold = size + n * 60  # a stored find takes about 600 bytes
    child = subprocess.Popen(
        [mineaction, "import", str(store), str(source), "--kind", "finds", "--reason", "killed"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    while child.poll() is None and store.stat().st_size < threshold:
        time.sleep(0.05)
    grown = store.stat().st_size - size
    killed = child.poll() is None
    child.kill()
    child.wait()
    elapsed = time.perf_counter() - started
    after = _store_state(store)
    for path in (store, first):
        path.unlink(missing_ok=True)
    return {
        "killed": killed,
        "after_s": round(elapsed, 1),
        "store_grew_mb": round(grown / 2**20, 1),
        "rows_before": before["rows"],
        "unchanged": after == before,
        "integrity": after["integrity"],
    }


def _kill_line(kill: dict[str, object], n: int) -> str:
    if not kill["killed"]:
        return f"kill -9 of the {n:,}-row CSV import: not done, the import finished first"
    state = "as it was" if kill["unchanged"] else "CHANGED"
    return (
        f"kill -9 of the {n:,}-row CSV import after {kill['after_s']} s, the store file "
        f"{kill['store_grew_mb']} MB larger: reopened {state} ({kill['rows_before']}; integrity "
        f"{kill['integrity']})"
    )


def run_one(fmt: str, source: Path, folder: Path, mineaction: str) -> dict[str, object]:
    """Time mineaction's import and ogr2ogr on one input file."""
    store, plain = folder / f"store_{fmt}.gpkg", folder / f"ogr_{fmt}.gpkg"
    subprocess.run([mineaction, "init", str(store)], check=True, capture_output=True)
    ours = measure(
        [mineaction, "import", str(store), str(source), "--kind", "finds", "--reason", "benchmark"]
    )
    options = ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-a_srs", "EPSG:4326"]
    ogr = measure(["ogr2ogr", "-f", "GPKG", str(plain), str(source), *(options if fmt == "csv" else [])])
    stored = int(pyogrio.read_info(store, layer="finds")["features"])
    return {
        "format": fmt,
        "file_mb": round(source.stat().st_size / 2**20, 1),
        "mineaction": ours,
        "ogr2ogr": ogr,
        "ratio": round(ours["seconds"] / ogr["seconds"], 2),
        "stored": stored,
    }


def _verdict(met: object) -> str:
    return "n/a" if met is None else "met" if met else "MISSED"


def print_table(results: list[dict[str, object]], n: int) -> None:
    print(f"import of {n:,} simulated finds into a GeoPackage (2-core machine)")
    print(
        f"{'format':8} {'file MB':>8} {'mineaction s':>13} {'peak MB':>8} {'ogr2ogr s':>10} {'peak MB':>8} "
        f"{'ratio':>6} {'stored':>10} {'budget':>7}"
    )
    for r in results:
        ours, ogr = r["mineaction"], r["ogr2ogr"]
        print(
            f"{r['format']:8} {r['file_mb']:>8} {ours['seconds']:>13} {ours['peak_mb']:>8} "  # type: ignore[index]
            f"{ogr['seconds']:>10} {ogr['peak_mb']:>8} {r['ratio']:>6} {r['stored']:>10,} "
            f"{_verdict(r['within_budget']):>7}"
        )  # type: ignore[index]


def run_size(
    n: int, seed: int, formats: list[str], mineaction: str, *, keep: bool
) -> list[dict[str, object]]:
    """Generate ``n`` finds and time both imports of each format; files larger than a million rows are
    generated a chunk at a time."""
    folder = Path(tempfile.mkdtemp(prefix="bench_import_"))
    try:
        started = time.perf_counter()
        if n > 1_000_000:
            inputs = write_inputs_chunked(n, seed, folder)
        else:
            inputs = write_inputs(simulated_finds(n, seed), folder)
        print(f"generated {n:,} simulated finds in {time.perf_counter() - started:.1f} s", flush=True)
        results = []
        for fmt in formats:
            result = run_one(fmt, inputs[fmt], folder, mineaction)
            for name in ("store", "ogr"):  # the next format's run needs the disk space
                (folder / f"{name}_{fmt}.gpkg").unlink(missing_ok=True)
            if fmt == "csv":
                result["kill_9"] = kill = kill_mid_import(inputs[fmt], folder, mineaction, n)
                print(_kill_line(kill, n), flush=True)
            results.append({"n": n, **result})
    finally:
        if keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return results


def _judge(results: list[dict[str, object]], *, large: bool) -> None:
    """DESIGN.md section 10: at 1,000,000 finds at most 0.5x ogr2ogr's time; at 10,000,000 a peak under
    256 MB (None: not judged at other sizes)."""
    for r in results:
        ours, ogr = r["mineaction"], r["ogr2ogr"]
        if large:
            r["within_budget"] = ours["peak_mb"] < 256 if r["n"] >= 10_000_000 else None  # type: ignore[index,operator]
        else:
            met = ours["seconds"] <= 0.5 * ogr["seconds"]  # type: ignore[index]
            r["within_budget"] = met if r["n"] >= 1_000_000 else None  # type: ignore[operator]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of finds (default 1,000,000)")
    parser.add_argument("--large", type=int, default=0, help="also import this many (make bench: 10,000,000)")
    parser.add_argument("--out", type=Path, default=HERE.parent / "bench-out", help="folder for import.json")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default="geojson,csv", help="comma-separated: geojson,csv")
    parser.add_argument("--keep", action="store_true", help="keep the generated files (printed folder)")
    args = parser.parse_args(argv)
    mineaction = shutil.which("mineaction", path=str(Path(sys.executable).parent)) or "mineaction"
    formats = args.formats.split(",")
    results = run_size(args.n, args.seed, formats, mineaction, keep=args.keep) if args.n else []
    _judge(results, large=False)
    if results:
        print_table(results, args.n)
    large = run_size(args.large, args.seed, formats, mineaction, keep=args.keep) if args.large else []
    _judge(large, large=True)
    if large:
        print_table(large, args.large)
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "import",
        "n": args.n,
        "large": args.large,
        "seed": args.seed,
        "data": "simulated",
        "results": results,
        "large_results": large,
        "budget": "at 1,000,000 finds at most 0.5x ogr2ogr's time; at 10,000,000 a peak under 256 MB",
    }
    (args.out / "import.json").write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
