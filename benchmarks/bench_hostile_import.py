"""Benchmark (a campaign): about a thousand messy and hostile files through ``mineaction import``.

Builds the corpus of ``hostile_files.py`` afresh from a simulated scenario's exports, then imports every file
into its own copy of a new GeoPackage store (area of interest: Azerbaijan), each in its own process with a
time limit, and counts what must never happen: a Python traceback, a crash signal (or an abort such as
"terminate called"), a hang (over the time limit), and a refused import that changed the store (it must be
left byte for byte as it was). Beside it, in the same run, GDAL's ``ogr2ogr -f GPKG`` is given the same
files (the obvious alternative: its crashes and hangs are counted the same way). Writes
``<out>/hostile_import.json`` with the counts, the time taken, and every failing file (its mutation and the
last line of its output).

Each import runs in a process forked from a server that imported ``mineaction`` once (``forkserver.py``: the
same exit statuses and output as a new process, without Python's start-up per file); ``--no-fork`` starts
``mineaction`` anew for each file instead. Outcomes are appended to ``<out>/hostile_import.jsonl`` as they
come, so a campaign stopped early still says what it saw.

Usage::

    python benchmarks/bench_hostile_import.py [--out bench-out] [--seed 7] [--copies 3] [--workers 2]
        [--timeout 120] [--keep] [--only MUTATION,...] [--kinds KIND,...] [--no-fork]

Expected: zero tracebacks, signals, hangs and changed stores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from forkserver import ForkServer  # noqa: E402
from hostile_files import AOI, Hostile, build_corpus  # noqa: E402

Runner = Callable[[list[str], float], "subprocess.CompletedProcess[str] | None"]

_SIGNAL_CODES = {134, 137, 139}  # abort, kill, segmentation fault as a shell reports them


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outcome(done: subprocess.CompletedProcess[str] | None, changed: bool) -> str:
    if done is None:
        return "hang"
    if done.returncode < 0 or done.returncode in _SIGNAL_CODES or "terminate called" in done.stderr:
        return "signal"
    if "Traceback (most recent call last)" in done.stderr:
        return "traceback"
    if done.returncode != 0 and changed:
        return "changed store"
    return "imported" if done.returncode == 0 else "refused"


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(  # a hostile file's bytes may reach the output: never stop on them
            command, capture_output=True, text=True, errors="replace", timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return None


def _forked(servers: queue.Queue[ForkServer]) -> Runner:
    """A runner that takes a free fork server for each command (one per worker thread)."""

    def run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
        server = servers.get()
        try:
            return server.run(args, timeout)
        finally:
            servers.put(server)

    return run


def import_one(item: Hostile, template: Path, work: Path, run: Runner, timeout: float) -> dict[str, object]:
    """Import one file into a fresh copy of the template store; classify what happened."""
    store = work / f"{item.path.name}.gpkg"
    shutil.copyfile(template, store)
    before = _digest(store)
    started = time.perf_counter()
    command = ["import", str(store), str(item.path), "--kind", item.kind, "--reason", "hostile"]
    done = run([*command, "--rejects", str(work / f"{item.path.name}.rejects.csv")], timeout)
    outcome = _outcome(done, _digest(store) != before)
    store.unlink()
    tail = "" if done is None else (done.stderr or done.stdout).strip().splitlines()[-1:]
    return {
        "file": item.path.name,
        "kind": item.kind,
        "mutation": item.mutation,
        "outcome": outcome,
        "seconds": round(time.perf_counter() - started, 2),
        "last_line": (tail[0] if tail else "")[:400],
    }


def ogr_one(item: Hostile, work: Path, timeout: float) -> str:
    """What ``ogr2ogr -f GPKG`` does with the same file (imported, refused, signal, hang)."""
    source = f"/vsizip/{item.path}" if item.path.name.endswith(".zip") else str(item.path)
    target = work / f"{item.path.name}.ogr.gpkg"
    done = _run(["ogr2ogr", "-f", "GPKG", str(target), source], timeout)
    target.unlink(missing_ok=True)
    if done is None:
        return "hang"
    if done.returncode < 0 or done.returncode in _SIGNAL_CODES:
        return "signal"
    return "imported" if done.returncode == 0 else "refused"


def _logged(outcome: dict[str, object], log: TextIO) -> dict[str, object]:
    log.write(json.dumps(outcome) + "\n")
    log.flush()
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "bench-out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--copies", type=int, default=3, help="copies of each random mutation (truncation, flips)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds before an import counts as a hang"
    )
    parser.add_argument("--keep", action="store_true", help="keep the corpus (its folder is printed)")
    parser.add_argument("--only", default=None, help="comma-separated mutation names (default: all)")
    parser.add_argument("--kinds", default=None, help="comma-separated kinds of record (default: all)")
    parser.add_argument(
        "--no-fork", action="store_true", help="start mineaction anew for each file (slow; no fork server)"
    )
    args = parser.parse_args(argv)
    mineaction = shutil.which("mineaction", path=str(Path(sys.executable).parent)) or "mineaction"
    folder = Path(tempfile.mkdtemp(prefix="hostile_"))
    try:
        started = time.perf_counter()
        corpus = build_corpus(
            folder / "corpus",
            seed=args.seed,
            copies=args.copies,
            only=set(args.only.split(",")) if args.only else None,
            kinds=tuple(args.kinds.split(",")) if args.kinds else None,
        )
        built = time.perf_counter() - started
        print(f"corpus: {len(corpus):,} files in {built:.0f} s ({folder / 'corpus'})", flush=True)
        template, work = folder / "template.gpkg", folder / "work"
        work.mkdir()
        aoi = ",".join(str(v) for v in AOI)
        subprocess.run([mineaction, "init", str(template), "--aoi", aoi], check=True, capture_output=True)
        args.out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        servers: queue.Queue[ForkServer] = queue.Queue()
        if args.no_fork:
            run: Runner = lambda command, timeout: _run([mineaction, *command], timeout)  # noqa: E731
        else:
            for _ in range(args.workers):
                servers.put(ForkServer())
            run = _forked(servers)
        with (
            ThreadPoolExecutor(args.workers) as pool,
            (args.out / "hostile_import.jsonl").open("w", encoding="utf-8") as log,
        ):
            ours = list(
                pool.map(lambda h: _logged(import_one(h, template, work, run, args.timeout), log), corpus)
            )
            ours_seconds = time.perf_counter() - started
            while not servers.empty():
                servers.get().close()
            started = time.perf_counter()
            theirs = list(pool.map(lambda h: ogr_one(h, work, args.timeout), corpus))
            ogr_seconds = time.perf_counter() - started
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    counts = Counter(str(r["outcome"]) for r in ours)
    failures = [r for r in ours if r["outcome"] in ("traceback", "signal", "hang", "changed store")]
    payload = {
        "benchmark": "hostile_import",
        "data": "simulated scenario exports, mutated",
        "files": len(corpus),
        "mineaction": {
            "counts": dict(counts),
            "seconds": round(ours_seconds, 1),
            "processes": "new process per file" if args.no_fork else "forked per file from a warm server",
        },
        "ogr2ogr": {"counts": dict(Counter(theirs)), "seconds": round(ogr_seconds, 1)},
        "expected": "no traceback, signal, hang or changed store",
        "failures": failures,
        "by_mutation": {
            name: dict(Counter(str(r["outcome"]) for r in ours if r["mutation"] == name))
            for name in sorted({str(r["mutation"]) for r in ours})
        },
    }
    (args.out / "hostile_import.json").write_text(json.dumps(payload, indent=2))
    print(f"mineaction import over {len(corpus):,} files in {ours_seconds:.0f} s: {dict(counts)}")
    print(f"ogr2ogr -f GPKG over the same files in {ogr_seconds:.0f} s: {dict(Counter(theirs))}")
    for failure in failures[:20]:
        print(f"  {failure['outcome']}: {failure['file']}: {failure['last_line']}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
