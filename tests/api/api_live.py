"""Helpers of the server tests: a live ``mineaction serve`` process on a free loopback port, and accounts with
API tokens in a store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``mineaction serve STORE`` in a child process; ``url`` is its base URL."""

    def __init__(
        self,
        store: str,
        *,
        env: dict[str, str] | None = None,
        workers: int = 1,
        tokens: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self.tokens = tokens or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "mineaction"), "serve", store, "--port", str(self.port)]
        if workers > 1:
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 180  # a busy machine imports slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server stopped: {self.process.stderr.read() if self.process.stderr else ''}"
                )
            try:
                if httpx.get(f"{self.url}/conformance", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer within 180 s")

    def stop(self) -> str:
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err or ""


def add_accounts(url: str) -> dict[str, str]:
    """An authority with a viewer and a verifier in the store at ``url``; their API tokens by user name.

    A store that has them already (a session fixture set up again for another back end's turn) gets new
    tokens only.
    """
    from mineaction.access import add_organisation, add_user, issue_token, list_users
    from mineaction.store import open_store

    with open_store(url) as store:
        if "analyst" not in {user.name for user in list_users(store)}:
            add_organisation(store, "ANAMA", kind="authority", name="National mine action agency")
            add_user(store, "analyst", role="viewer", organisation="ANAMA")
            add_user(store, "officer", role="verifier", organisation="ANAMA")
        return {user: issue_token(store, user, days=1).token for user in ("analyst", "officer")}


class OwnPostgres:
    """A PostgreSQL server of one test's own (so that the test may stop and start it), on a free port."""

    def __init__(self) -> None:
        import glob
        import shutil
        import tempfile

        def find(name: str) -> str | None:
            return shutil.which(name) or next(
                iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
            )

        self.initdb, self.pg_ctl = find("initdb"), find("pg_ctl")
        # its own folder under the system's temporary one: the postgres user must reach it
        self.root, self.port = Path(tempfile.mkdtemp(prefix="mineaction-outage-")), free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        assert self.initdb and self.pg_ctl
        self._run(self.initdb, "-D", str(self.root / "data"), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=50"
        self._run(
            str(self.pg_ctl),
            "-D",
            str(self.root / "data"),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.pg_ctl), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        import shutil

        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"
