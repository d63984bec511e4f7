"""The README's quick start runs as written: every command, in order, in a new folder (the demo on the
tiny twin, to keep the suite fast)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shlex
import socket
import subprocess
import sys
import termios
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def shared_folder() -> Path | None:
    """``../shared`` beside the repository (beside the main checkout when this is a git worktree)."""
    candidates = [ROOT.parent / "shared"]
    common = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
        check=False,
    )
    if common.returncode == 0 and common.stdout.strip():
        candidates.append(Path(common.stdout.strip()).parent.parent / "shared")
    return next((c for c in candidates if (c / "data" / "colombia").is_dir()), None)


def quick_start() -> list[str]:
    """The commands of the README's quick start: continuation lines joined, comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\s+```sh\n(.*?)```", text, re.S)
    assert block, "README.md has no ```sh block under ## Quick start"
    joined = re.sub(r"\\\n\s*", " ", block.group(1))
    commands = [line.split(" #", 1)[0].strip() for line in joined.splitlines()]
    return [c for c in commands if c and not c.startswith("#")]


def test_the_quick_start_lists_real_files_and_commands() -> None:
    commands = quick_start()
    assert commands[0] == ". .venv/bin/activate" and any(c.startswith("open ") for c in commands)
    assert any("init colombia.gpkg --aoi" in c for c in commands)
    for command in commands:
        for word in shlex.split(command):
            if word.startswith("examples/"):
                assert (ROOT / word).exists(), f"{command}: {word} does not exist"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_until_it_answers(words: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Start the server (on a free port: 8000 may be taken), wait until it answers, then stop it."""
    port = _free_port()
    server = subprocess.Popen([*words, "--port", str(port)], cwd=cwd, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, f"{' '.join(words)} stopped with status {server.returncode}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    assert answer.status == 200
                    return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"{' '.join(words)} did not answer within 120 s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _read_until(leader: int, wanted: bytes, seen: bytearray, *, seconds: float = 120) -> None:
    """Read the terminal until ``wanted`` has been shown (or the child closed it, or time ran out)."""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        if not select.select([leader], [], [], 1.0)[0]:
            continue
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            return
        if not chunk:
            return
        seen += chunk


def _run_at_a_terminal(words: list[str], cwd: Path, env: dict[str, str], password: str) -> None:
    """Run a command that asks for a password (twice) at a terminal, a pseudo-terminal here, typing it at
    each prompt (typed ahead, it would be flushed when the echo is turned off)."""
    leader, follower = pty.openpty()

    def own_terminal() -> None:  # the child's controlling terminal, as a shell's would be
        os.setsid()
        fcntl.ioctl(follower, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(
        words, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower, preexec_fn=own_terminal
    )
    os.close(follower)
    seen = bytearray()
    try:
        for prompt in (b"assword: ", b"onfirmation: "):
            _read_until(leader, prompt, seen)
            seen += b"|"
            os.write(leader, password.encode() + b"\n")
        _read_until(leader, b"\0", seen)  # to the end of its output
        code = child.wait(timeout=60)
    finally:
        os.close(leader)
    assert code == 0, bytes(seen).decode(errors="replace")[-2000:]


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("MINEACTION_RUN_QUICK_START") != "1",
    reason="the whole quick start takes minutes (25 min on a loaded 2-core machine), beyond the suite's "
    "budget: run it before a release with MINEACTION_RUN_QUICK_START=1",
)
def test_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    shared = shared_folder()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "MPLBACKEND": "Agg"}
    ran = []
    for command in quick_start():
        if command.startswith(". ") or command.startswith("open "):
            continue  # the virtual environment is this one; opening a browser is for people
        words = shlex.split(command)
        if words[1] == "demo":  # the same steps on the tiny twin: at "small" they take minutes, not seconds
            words[words.index("--scale") + 1] = "tiny"
        if "colombia" in command and shared is None:
            continue  # the public Colombian register is not beside this checkout
        paths = {"examples/": ROOT / "examples", "../shared/": shared}
        for i, word in enumerate(words):
            for prefix, folder in paths.items():
                if word.startswith(prefix) and folder is not None:
                    words[i] = str(folder / word.removeprefix(prefix))
        ran.append(words[1])
        if words[1] == "serve":
            _serve_until_it_answers(words, tmp_path, env)
            continue
        if words[1:3] == ["users", "add"]:
            _run_at_a_terminal(words, tmp_path, env, "Quick-start-passw0rd")
            continue
        done = subprocess.run(words, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr, command
    assert ran[:2] == ["demo", "simulate"] and {"report", "serve", "restore"} <= set(ran)
    assert (tmp_path / "report" / "index.html").exists() and (tmp_path / "restored.gpkg").exists()
