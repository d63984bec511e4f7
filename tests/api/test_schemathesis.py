"""schemathesis over the whole OpenAPI document of a live server (with a verifier's token, so that the write
operations are exercised too): no server error, no status code or response the document does not describe."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from api_live import LiveServer, add_accounts

from mineaction.store import init_store, open_store

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(tiny_store: Path, tmp_path: Path) -> None:
    tool = Path(sys.executable).parent / "schemathesis"
    if not tool.exists() and shutil.which("schemathesis") is None:
        pytest.skip("schemathesis is not installed")
    url = str(tmp_path / "fuzz.gpkg")
    init_store(url).close()
    with open_store(tiny_store) as source, open_store(url) as target:
        for kind in ("hazardous_areas", "finds", "accidents", "victims", "operators", "assets"):
            target.write(kind, source.read(kind).head(50), author="test", reason="copy")
    tokens = add_accounts(url)
    server = LiveServer(url, tokens=tokens)
    try:
        done = subprocess.run(
            [
                str(tool),
                "run",
                f"{server.url}/api",
                "-H",
                f"Authorization: Bearer {tokens['officer']}",
                "--checks",
                CHECKS,
                "--max-examples",
                "3",
                "--phases",
                "coverage,fuzzing",
                "--seed",
                "1",
                "--max-time",
                "240",
                "--request-timeout",
                "60",
                "--suppress-health-check",
                "all",
                "--exclude-path-regex",
                "^/jobs/",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=600,
        )
    finally:
        log = server.stop()
    summary = done.stdout[-4000:]
    assert done.returncode == 0, summary
    assert "Traceback" not in log, log[-3000:]
