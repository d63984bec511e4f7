"""Fixtures of the dashboard tests: the tiny simulated scenario in a GeoPackage store with an authority, a
verifier granted personal data (password and TOTP second factor) and a viewer, served by a real
``mineaction serve`` process on a free port of 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_live import LiveServer  # noqa: E402
from dashboard_accounts import Accounts, add_dashboard_accounts, submit_operator_report  # noqa: E402


@pytest.fixture(scope="session")
def dashboard_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Accounts]:
    """The tiny simulated scenario (seed 0) in a GeoPackage store marked simulated, with a saved plan of
    three years, the accounts and an operator's report waiting for approval."""
    from mineaction.io import import_file
    from mineaction.simulate import simulate
    from mineaction.simulate.writer import IMPORTS, write_scenario
    from mineaction.store import init_store
    from mineaction.workflows import plan_clearance

    out = tmp_path_factory.mktemp("dashboard")
    write_scenario(simulate(scale="tiny", seed=0), out)
    path = out / "dashboard.gpkg"
    with init_store(path) as store:
        store.set_setting("simulated", True)
        for kind, name in IMPORTS:
            import_file(store, out / name, kind=kind, author="test", reason="SIMULATED", skip_invalid=True)
        plan_clearance(store, years=3, time_limit_s=5)  # a saved plan for the plan view and the briefing
    accounts = add_dashboard_accounts(path)
    accounts.report = submit_operator_report(path)
    return path, accounts


@pytest.fixture(scope="session")
def dashboard(dashboard_store: tuple[Path, Accounts]) -> Iterator[tuple[LiveServer, Accounts]]:
    """A live server over the dashboard store, shared by the dashboard's test modules (its first answers pay
    for the imports of the analysis, once)."""
    path, accounts = dashboard_store
    server = LiveServer(str(path))
    try:
        yield server, accounts
    finally:
        server.stop()
