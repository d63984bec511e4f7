"""A PostgreSQL server with PostGIS for a benchmark run: ``initdb`` and ``pg_ctl`` (from PATH or
/usr/lib/postgresql/*/bin; as the ``postgres`` user when running as root) in a temporary folder, on a free
port of 127.0.0.1, stopped and removed at the end. Durability settings are those of a test server (no fsync),
so figures measure mineaction's work, not the disk.

``MINEACTION_BENCH_POSTGRES_URL`` (a server you run, with a role allowed to create databases) is used instead
when set.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["create_database", "running_postgres"]


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[::-1]), None
    )
    if not found:
        raise SystemExit(
            f"{name} not found: install postgresql-15-postgis-3 or set MINEACTION_BENCH_POSTGRES_URL"
        )
    return found


def _run(command: list[str], *, as_postgres: bool) -> None:
    if as_postgres:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """URL of the maintenance database of a running server."""
    given = os.environ.get("MINEACTION_BENCH_POSTGRES_URL")
    if given:
        yield given
        return
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    data = root / "data"
    _run(
        [_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
        as_postgres=as_postgres,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off"
    pg_ctl = _pg_bin("pg_ctl")
    _run(
        [pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"],
        as_postgres=as_postgres,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], as_postgres=as_postgres)
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server_url.rpartition('/')[0]}/{name}"
