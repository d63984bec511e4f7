"""PostgreSQL's own client programs (``pg_dump``, ``pg_restore``, ``psql``) for backups of a PostGIS store:
finding the right version and running them without putting the password on the command line.

The programs are looked for first in ``/usr/lib/postgresql/<server major>/bin`` (Debian and Ubuntu install
each version there; a ``pg_dump`` must be at least as new as the server), then on ``PATH``, then in the newest
``/usr/lib/postgresql/*/bin``. The connection is passed as a libpq connection string without the password,
which goes in ``PGPASSWORD`` (a command line is visible to every user of the machine; the environment is
not), and the programs never prompt.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from mineaction.errors import StoreError

__all__ = ["connection_args", "find_program", "first_error", "run_program"]


def find_program(name: str, *, server_major: int | None = None) -> str:
    """Path of the PostgreSQL client program ``name`` (StoreError saying what to install if none)."""
    if server_major is not None:
        exact = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
        if exact.is_file():
            return str(exact)
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if versions:
        return versions[-1]
    version = server_major or 15
    raise StoreError(
        f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin; install PostgreSQL's client programs "
        f"(Debian: apt-get install postgresql-client-{version}) and try again"
    )


def connection_args(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` without its password, and the environment that carries the
    password (``PGPASSWORD``) with prompting off."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    password = params.pop("password", None)
    env = {**os.environ, "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", "10")}
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo("", **params), env


def first_error(stderr: str) -> str:
    """The line of a client program's error output that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "ERROR:" in line or "FATAL:" in line or "error:" in line:
            return line
    return lines[-1] if lines else "no message"


def run_program(args: Sequence[str], *, env: dict[str, str], what: str) -> None:
    """Run a client program to its end; StoreError with its first error line when it fails."""
    done = subprocess.run(list(args), env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StoreError(f"{what} failed: {first_error(done.stderr)}")
