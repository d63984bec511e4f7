"""The server's long work: job kinds (a risk evaluation, a risk model fit, a risk surface, a clearance plan,
the report), their parameters checked when submitted, and the runner thread each server process keeps.

A job is submitted (202 with its URL), kept in the store (``mineaction.store.jobs``) and run by whichever
server process claims it first; its result is the workflow's ``to_dict()``, the same JSON as the command's
``--json``. A job that makes files (the risk surface as a GeoTIFF, the report as a zip of its page and
figures) keeps them in the store under ``job-files/<job id>/<name>`` and lists their names in its result's
``files``; ``GET /jobs/{id}/files/{name}`` serves them. A process that stops mid-job leaves it with a lease
that runs out; then another process (or the same one after a restart) runs it again.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mineaction.errors import InputError, MineActionError
from mineaction.settings import Settings
from mineaction.store.jobs import claim_job, finish_job
from mineaction.store.pool import StorePool

__all__ = ["FILE_TYPES", "JOB_FILES", "JOB_KINDS", "JobRunner", "check_params"]

#: Store collection of the files jobs make, and the media type of each file name.
JOB_FILES = "job-files"
FILE_TYPES = {"risk.tif": "image/tiff; application=geotiff", "report.zip": "application/zip"}

log = logging.getLogger("mineaction.api.jobs")


def _int(params: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return value


def _number(params: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise InputError(f"{name} must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _plan_params(params: Mapping[str, Any]) -> dict[str, Any]:
    from mineaction.workflows.plan import builtin_scenarios

    names = params.get("scenarios")
    known = [s.name for s in builtin_scenarios()]
    if names is not None and (not isinstance(names, list) or any(n not in known for n in names)):
        raise InputError(f"scenarios must be a list of built-in scenario names: {', '.join(known)}")
    return {
        "years": _int(params, "years", 1, 50),
        "budget_usd": _number(params, "budget_usd", 0, 1e12),
        "time_limit_s": _number(params, "time_limit_s", 1, 3600),
        "scenarios": names,
    }


def _risk_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"cell_m": _number(params, "cell_m", 25, 1000), "seed": _int(params, "seed", 0, 2**31 - 1)}


def _run_plan(store: Any, settings: Settings, params: Mapping[str, Any], job_id: str) -> dict[str, Any]:
    from mineaction.workflows.plan import builtin_scenarios, plan_clearance

    scenarios = builtin_scenarios(params["scenarios"]) if params.get("scenarios") else ()
    run = plan_clearance(
        store,
        settings=settings,
        years=params.get("years"),
        budget_usd=params.get("budget_usd"),
        time_limit_s=params.get("time_limit_s"),
        scenarios=scenarios,
    )
    return run.to_dict()


def _run_risk_evaluate(
    store: Any, settings: Settings, params: Mapping[str, Any], job_id: str
) -> dict[str, Any]:
    from mineaction.workflows.risk import evaluate_risk

    return evaluate_risk(
        store, settings=settings, cell_m=params.get("cell_m"), seed=params.get("seed")
    ).to_dict()


def _run_risk_fit(store: Any, settings: Settings, params: Mapping[str, Any], job_id: str) -> dict[str, Any]:
    from mineaction.workflows.risk import fit_risk_model

    return fit_risk_model(
        store, settings=settings, cell_m=params.get("cell_m"), seed=params.get("seed")
    ).to_dict()


def _keep(store: Any, settings: Settings, job_id: str, path: Path, name: str) -> None:
    store.save_file(
        JOB_FILES,
        f"{job_id}/{name}",
        path.read_bytes(),
        media_type=FILE_TYPES[name],
        author=settings.author,
        reason=f"result of job {job_id}",
    )


def _run_risk_surface(
    store: Any, settings: Settings, params: Mapping[str, Any], job_id: str
) -> dict[str, Any]:
    from mineaction.io import RiskRasterWriter
    from mineaction.workflows.risk import fit_risk_model, predict_risk_blocks

    fitted = fit_risk_model(store, settings=settings, cell_m=params.get("cell_m"), seed=params.get("seed"))
    surface = predict_risk_blocks(store, fitted.bundle, settings=settings)
    with tempfile.TemporaryDirectory(prefix="mineaction-job-") as folder:
        path = Path(folder) / "risk.tif"
        # written a block at a time: a grid larger than memory goes block by block (the plan says which)
        with RiskRasterWriter.open(path, surface.grid, simulated=surface.simulated) as writer:
            for window, block in surface.blocks():
                writer.write(window.row0, window.col0, block)
        _keep(store, settings, job_id, path, "risk.tif")
    return {**surface.to_dict(), "model": fitted.to_dict(), "files": ["risk.tif"]}


def _report_params(params: Mapping[str, Any]) -> dict[str, Any]:
    title = params.get("title")
    if title is not None and (not isinstance(title, str) or not 0 < len(title) <= 200):
        raise InputError("title must be a text of 1 to 200 characters")
    return {"title": title}


def _run_report(store: Any, settings: Settings, params: Mapping[str, Any], job_id: str) -> dict[str, Any]:
    from mineaction.report import build_report
    from mineaction.workflows import report_data

    data = report_data(store, settings=settings)
    title = params.get("title") or "Mine action evidence report" + (
        " (SIMULATED data)" if data.simulated else ""
    )
    with tempfile.TemporaryDirectory(prefix="mineaction-job-") as folder:
        index = build_report(data, Path(folder) / "report", title=title)
        archive = shutil.make_archive(str(Path(folder) / "report"), "zip", index.parent)
        _keep(store, settings, job_id, Path(archive), "report.zip")
    return {"title": title, "simulated": data.simulated, "files": ["report.zip"]}


# kind: (check and normalise the parameters, run, lease in seconds)
JOB_KINDS: dict[
    str, tuple[Callable[[Mapping[str, Any]], dict[str, Any]], Callable[..., dict[str, Any]], float]
] = {
    "plan": (_plan_params, _run_plan, 3600.0),
    "risk-evaluate": (_risk_params, _run_risk_evaluate, 3600.0),
    "risk-fit": (_risk_params, _run_risk_fit, 3600.0),
    "risk-surface": (_risk_params, _run_risk_surface, 3600.0),
    "report": (_report_params, _run_report, 3600.0),
}


def check_params(kind: str, params: Any) -> dict[str, Any]:
    """The parameters of a ``kind`` job, checked; InputError naming the wrong one."""
    if kind not in JOB_KINDS:
        raise InputError(f"unknown job kind {kind!r}; use one of {', '.join(JOB_KINDS)}")
    if not isinstance(params, dict):
        raise InputError("the body must be a JSON object of parameters")
    check = JOB_KINDS[kind][0]
    allowed = set(check({}))
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InputError(f"unknown parameter(s) {unknown} for a {kind} job; it takes {sorted(allowed)}")
    return check(params)


class JobRunner:
    """A thread that claims queued jobs from the store and runs them one at a time."""

    def __init__(self, pool: StorePool, settings: Settings, *, poll_s: float = 1.0) -> None:
        self.pool = pool
        self.settings = settings
        self.poll_s = poll_s
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="mineaction-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_one()
            except MineActionError as exc:  # the database is away: try again later
                log.warning("jobs: %s", exc)
                worked = False
            except Exception:
                log.exception("jobs: unexpected error")
                worked = False
            if not worked:
                self._stop.wait(self.poll_s)

    def run_one(self) -> bool:
        """Claim and run one job; whether there was one."""
        with self.pool.store() as store:
            job = claim_job(store, runner=self.name, lease_s=max(lease for *_, lease in JOB_KINDS.values()))
        if job is None:
            return False
        _, run, _ = JOB_KINDS[job["kind"]]
        settings = self.settings.replace(author=job["submitted_by"])
        try:
            with self.pool.store() as store:
                result = run(store, settings, job["params"], job["id"])
            error = None
        except MineActionError as exc:
            result, error = None, str(exc)
        except Exception as exc:
            log.exception("job %s failed", job["id"])
            result, error = (
                None,
                f"the job failed unexpectedly ({type(exc).__name__}); the server log has details",
            )
        with self.pool.store() as store:
            finish_job(store, job, result=result, error=error)
        return True
