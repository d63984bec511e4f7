"""Benchmark: the server on PostGIS next to tipg and pygeoapi serving the same table, with wrk on loopback.

Starts a throwaway PostgreSQL with PostGIS, writes N simulated finds (every record says "simulated") into a
mineaction store, then, in the same run:

- ``items?bbox=...&limit=100`` at 16 connections for D seconds with ``wrk`` against ``mineaction serve``
  (2 worker processes), tipg and pygeoapi (each with 2 uvicorn workers, reading the store's ``finds``
  table): requests per second, p50 and p99 latency, errors;
- ``ogr2ogr -f GPKG out.gpkg OAPIF:...`` of the whole collection from mineaction and from tipg: seconds, and
  whether the copy has the same count (and, for mineaction, exactly the same geometries) as the store;
- with ``--soak S``: S seconds of steady mixed load (feature pages, single features, filters, collections)
  against mineaction, with the errors and the growth of the worker processes' resident memory.

tipg and pygeoapi are installed from the package index into their own virtual environment under
``bench-out/peers`` (never into mineaction's); ``--no-peers`` skips them. Writes ``<out>/server.json``::

    python benchmarks/bench_server.py [--n 100000] [--duration 20] [--soak 600] [--out bench-out] [--no-peers]

Target (DESIGN.md section 10): at least 300 req/s with p99 under 150 ms; the copy at least as fast as tipg's.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BIN = Path(sys.executable).parent
BBOX = "46.5,39.5,47.0,40.0"  # about 1,000 of 100,000 finds spread over Azerbaijan
CONNECTIONS = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        sys.exit(f"{name} not found: install postgresql-15-postgis-3")
    return found


class Postgres:
    """A throwaway PostgreSQL server in a temporary folder (as the postgres user when run as root)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            _pg_bin("initdb"), "-D", str(self.root / "data"), "-U", "postgres", "-A", "trust", "--no-sync"
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        )
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        self.admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/bench"

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)
        subprocess.run(command, check=True, capture_output=True, text=True)

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def load(pg: Postgres, n: int) -> tuple[float, str]:
    """Create the store, write ``n`` simulated finds and make a viewer's API token (finds are not public);
    returns the seconds the load took and the token."""
    import psycopg
    from bench_import import simulated_finds

    from mineaction.access import add_organisation, add_user, issue_token
    from mineaction.store import init_store

    with psycopg.connect(pg.admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE bench")
    started = time.perf_counter()
    with init_store(pg.url) as store:
        store.write("finds", simulated_finds(n, 7), author="bench", reason="SIMULATED benchmark data")
        seconds = time.perf_counter() - started
        add_organisation(store, "BENCH", kind="other", name="benchmark")
        add_user(store, "bench", role="viewer", organisation="BENCH")
        token = issue_token(store, "bench", days=1).token
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return seconds, token


class Served:
    """A server process; ``items`` is its items URL for the benchmark's bbox."""

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        port: int,
        items: str,
        ready: str,
        token: str = "",
    ) -> None:
        self.name, self.port, self.token = name, port, token
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base = f"http://127.0.0.1:{port}"
        self.items = f"{self.base}{items}"
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}{ready}", timeout=5, headers=self.headers).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else b"").decode()
                raise RuntimeError(f"{name} stopped: {err[-2000:]}")
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not start within 120 s")

    def pids(self) -> list[int]:
        found = [self.process.pid]
        for task in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(task).read_text().split(")")[-1].split()
            except OSError:
                continue
            if int(fields[1]) in found or int(fields[1]) == self.process.pid:
                found.append(int(task.split("/")[2]))
        return sorted(set(found))

    def rss_mib(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(match.group(1)) if match else 0
        return total / 1024

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str, seconds: int, *, script: Path | None = None, connections: int = CONNECTIONS, token: str = ""
) -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(v) for v in socket_errors.groups()) if socket_errors else 0,
    }


def copy(url: str, layer: str, out: Path, token: str = "") -> dict[str, Any]:
    """ogr2ogr of a whole collection into a GeoPackage: seconds and the features copied."""
    import pyogrio

    out.unlink(missing_ok=True)
    auth = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"] if token else []
    started = time.perf_counter()
    command = ["ogr2ogr", *auth, "-f", "GPKG", str(out), f"OAPIF:{url}", layer, "-oo", "PAGE_SIZE=10000"]
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"seconds": seconds, "error": done.stderr[-500:]}
    return {"seconds": round(seconds, 2), "features": int(pyogrio.read_info(out)["features"])}


def same_geometries(store_url: str, copied: Path) -> bool:
    import pyogrio
    import shapely

    from mineaction.store import open_store

    frame = pyogrio.read_dataframe(copied).sort_values("id").reset_index(drop=True)
    with open_store(store_url) as store:
        stored = store.read("finds")
    return list(frame["id"]) == list(stored["id"]) and bool(
        shapely.equals_exact(frame.geometry.values, stored.geometry.values, 0).all()
    )


def peers_python(out: Path) -> Path | None:
    venv = out / "peers"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "tipg",
            "pygeoapi",
            "uvicorn",
            "psycopg2-binary",
            "geoalchemy2",
            "sqlalchemy",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"peers not installed: {done.stderr[-500:]}", file=sys.stderr)
        return None
    return venv / "bin"


def start_tipg(bin_dir: Path, pg: Postgres) -> Served:
    port = free_port()
    env = {"DATABASE_URL": pg.url, "TIPG_NAME": "tipg"}
    command = [
        str(bin_dir / "uvicorn"),
        "tipg.main:app",
        "--port",
        str(port),
        "--workers",
        "2",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return Served(
        "tipg", command, env, port, f"/collections/public.finds/items?bbox={BBOX}&limit=100", "/collections"
    )


def pygeoapi_config(port: int, pg_port: int, out: Path) -> Path:
    """pygeoapi's configuration (JSON is YAML) serving the finds table with its PostgreSQL provider."""
    pg = argparse.Namespace(port=pg_port)
    config = out / "pygeoapi.yml"
    config.write_text(
        json.dumps(
            {
                "server": {
                    "bind": {"host": "127.0.0.1", "port": port},
                    "url": f"http://127.0.0.1:{port}",
                    "mimetype": "application/json; charset=UTF-8",
                    "encoding": "utf-8",
                    "language": "en-US",
                    "limit": 10,
                    "map": {"url": "", "attribution": ""},
                },
                "logging": {"level": "ERROR"},
                "metadata": {
                    "identification": {
                        "title": "bench",
                        "description": "bench",
                        "keywords": [],
                        "terms_of_service": "",
                        "url": "",
                    },
                    "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                    "provider": {"name": "bench", "url": "https://example.org"},
                    "contact": {
                        "name": "bench",
                        "position": "",
                        "address": "",
                        "city": "",
                        "stateorprovince": "",
                        "postalcode": "",
                        "country": "",
                        "phone": "",
                        "fax": "",
                        "email": "",
                        "url": "https://example.org",
                        "hours": "",
                        "instructions": "",
                        "role": "pointOfContact",
                    },
                },
                "resources": {
                    "finds": {
                        "type": "collection",
                        "title": "finds",
                        "description": "SIMULATED finds",
                        "keywords": [],
                        "extents": {
                            "spatial": {
                                "bbox": [44.5, 38.3, 50.9, 41.95],
                                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                            }
                        },
                        "providers": [
                            {
                                "type": "feature",
                                "name": "PostgreSQL",
                                "data": {
                                    "host": "127.0.0.1",
                                    "port": pg.port,
                                    "dbname": "bench",
                                    "user": "postgres",
                                    "password": "",
                                    "search_path": ["public"],
                                },
                                "id_field": "id",
                                "table": "finds",
                                "geom_field": "geom",
                            }
                        ],
                    }
                },
            }
        )
    )
    return config


def start_pygeoapi(bin_dir: Path, pg: Postgres, out: Path) -> Served:
    port = free_port()
    config = pygeoapi_config(port, pg.port, out)
    openapi = out / "pygeoapi-openapi.yml"
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(bin_dir / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    command = [
        str(bin_dir / "uvicorn"),
        "pygeoapi.starlette_app:APP",
        "--port",
        str(port),
        "--workers",
        "2",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return Served(
        "pygeoapi",
        command,
        env,
        port,
        f"/collections/finds/items?bbox={BBOX}&limit=100&f=json",
        "/collections?f=json",
    )


SOAK_SCRIPT = """
local paths = {
  "/collections/finds/items?bbox=46.5,39.5,47.0,40.0&limit=100",
  "/collections/finds/items/EO-000123",
  "/collections/finds/items?filter=category%20%3D%20%27AP%27%20AND%20depth_cm%20%3E%2010&limit=50",
  "/collections/finds/items?bbox=45,39,46,40&crs=http://www.opengis.net/def/crs/EPSG/0/32638&limit=20",
  "/collections/finds/items?datetime=2022-01-01T00:00:00Z/2022-03-31T23:59:59Z&limit=100",
  "/collections",
  "/collections/finds/items?limit=10&offset=50000",
}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def soak(server: Served, seconds: int, out: Path) -> dict[str, Any]:
    script = out / "soak.lua"
    script.write_text(SOAK_SCRIPT)
    wrk(server.base, 30, script=script, connections=8, token=server.token)  # warm: caches and pools filled
    first = server.rss_mib()
    samples, totals, left = [first], [], seconds
    while left > 0:
        step = min(60, left)
        totals.append(wrk(server.base, step, script=script, connections=8, token=server.token))
        samples.append(server.rss_mib())
        left -= step
    return {
        "seconds": seconds,
        "requests": sum(t["requests"] for t in totals),
        "errors": sum(t["non_2xx"] + t["socket_errors"] for t in totals),
        "rss_mib_start": round(first, 1),
        "rss_mib_end": round(samples[-1], 1),
        "rss_growth_pct": round(100 * (samples[-1] - first) / first, 1),
        "rss_mib_samples": [round(s, 1) for s in samples],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per server")
    parser.add_argument(
        "--soak", type=int, default=0, help="seconds of mixed load against mineaction (e.g. 600)"
    )
    parser.add_argument("--out", type=Path, default=HERE.parent / "bench-out")
    parser.add_argument("--no-peers", action="store_true", help="measure mineaction alone")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "ogr2ogr"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: install wrk and gdal-bin")
    pg = Postgres()
    results: dict[str, Any] = {
        "n": args.n,
        "bbox": BBOX,
        "connections": CONNECTIONS,
        "duration_s": args.duration,
    }
    servers: list[Served] = []
    try:
        seconds, token = load(pg, args.n)
        results["load_s"] = round(seconds, 1)
        port = free_port()
        command = [str(BIN / "mineaction"), "serve", pg.url, "--port", str(port), "--workers", "2"]
        items = f"/collections/finds/items?bbox={BBOX}&limit=100"
        ours = Served("mineaction", command, {}, port, items, "/conformance", token)
        servers.append(ours)
        bin_dir = None if args.no_peers else peers_python(args.out)
        if bin_dir is not None:
            servers += [start_tipg(bin_dir, pg), start_pygeoapi(bin_dir, pg, args.out)]
        for server in servers:
            httpx.get(server.items, timeout=30, headers=server.headers).raise_for_status()
            wrk(server.items, 5, token=server.token)  # warm-up
            results[server.name] = {
                "items_bbox_limit100": wrk(server.items, args.duration, token=server.token)
            }
            print(server.name, results[server.name], flush=True)
        results["mineaction"]["copy"] = copy(ours.base, "finds", args.out / "copy-mineaction.gpkg", token)
        results["mineaction"]["copy"]["same_geometries"] = same_geometries(
            pg.url, args.out / "copy-mineaction.gpkg"
        )
        if bin_dir is not None:
            results["tipg"]["copy"] = copy(
                next(s for s in servers if s.name == "tipg").base, "public.finds", args.out / "copy-tipg.gpkg"
            )
            ratio = (
                results["mineaction"]["items_bbox_limit100"]["requests_per_s"]
                / results["tipg"]["items_bbox_limit100"]["requests_per_s"]
            )
            results["throughput_vs_tipg"] = round(ratio, 2)
        if args.soak:
            results["mineaction"]["soak"] = soak(ours, args.soak, args.out)
    finally:
        for server in servers:
            server.stop()
        pg.stop()
    (args.out / "server.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
