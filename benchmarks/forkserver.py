"""Run ``mineaction`` commands in fresh processes without paying Python's start-up each time.

A campaign of a thousand imports spends most of its time importing pandas, GeoPandas and GDAL in each new
process (about 3 s quiet, 10 s or more on a loaded machine). ``ForkServer`` starts one server process that
imports ``mineaction`` (its io, store and workflows) once and then, for each command, forks a child that runs
``mineaction.cli.main:main`` with its standard output and error sent to files, as the console script would.
The server process is single-threaded (a fork from a threaded process may inherit held locks); each benchmark
thread owns one server. The child is a new process, so what a command does to it (a crash signal, an abort,
memory) is seen by its exit status exactly as with ``subprocess``: ``returncode`` is negative for a signal,
and a command over its time limit is killed and reported as timed out.

Used by ``bench_hostile_import.py`` (unless ``--no-fork``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

_SERVER = r"""
import json, os, signal, sys, time, traceback
import mineaction.cli.main as entry
import mineaction.io, mineaction.store, mineaction.workflows  # the expensive imports, once

def child(args, out, err):
    for fd, path in ((1, out), (2, err)):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(handle, fd)
        os.close(handle)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
    sys.argv = ["mineaction", *args]
    code = 0
    try:
        entry.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

def run(request):
    pid = os.fork()
    if pid == 0:
        child(request["args"], request["stdout"], request["stderr"])
    deadline = time.monotonic() + request["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            return {"returncode": code, "timed_out": False}
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"returncode": -9, "timed_out": True}
        time.sleep(0.02)

print("ready", flush=True)
for line in sys.stdin:
    print(json.dumps(run(json.loads(line))), flush=True)
"""


class ForkServer:
    """One server process that forks a child per ``mineaction`` command (use from one thread at a time)."""

    def __init__(self, python: str = sys.executable) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="forkserver_"))
        self._process = subprocess.Popen(
            [python, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError("the fork server did not start (is mineaction installed in this Python?)")

    def run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
        """Run ``mineaction ARGS`` in a forked child; None when it ran past ``timeout`` seconds (killed)."""
        out, err = self._folder / "stdout", self._folder / "stderr"
        request = {"args": args, "stdout": str(out), "stderr": str(err), "timeout": timeout}
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        if answer["timed_out"]:
            return None
        read = lambda path: path.read_text(encoding="utf-8", errors="replace")  # noqa: E731
        return subprocess.CompletedProcess(["mineaction", *args], answer["returncode"], read(out), read(err))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)
        for path in self._folder.iterdir():
            path.unlink()
        self._folder.rmdir()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
