"""Run HiGHS on a model in a child process under a hard time limit that cannot overrun.

HiGHS gets most of the time limit itself (it can overrun it); the parent kills the child at the limit
(``subprocess.run`` with a timeout), so the plan is never held up. Improving MIP solutions are streamed to the
parent as they are found, so a killed run still gives its best plan.
The child is a fresh interpreter running this file alone (numpy and highspy only): the model goes in as a
pickle on standard input, the answer comes back the same way (HiGHS's own console output goes to the child's
standard error, which is discarded). Runs are single-threaded with a fixed seed so the same model gives the
same answer.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the child runs this file alone, without importing the package
    from mineaction.plan.model import TimeIndexedModel

__all__ = ["SolverRun", "run_highs"]

_GRACE_S = 3.0


@dataclass(frozen=True, eq=False)
class SolverRun:
    """What one HiGHS run gave: status text, column values (None if none), objective, bound, gap, seconds."""

    status: str
    values: np.ndarray | None
    objective: float
    bound: float
    gap: float
    seconds: float
    version: str = "HiGHS"
    killed: bool = False
    nodes: int = -1
    improving: int = 0


def _frame(fd: int, record: dict[str, Any]) -> None:
    data = pickle.dumps(record)
    os.write(fd, struct.pack("<Q", len(data)) + data)


def _frames(data: bytes) -> list[dict[str, Any]]:
    """Every complete record in ``data`` (a killed child may leave a partial one at the end)."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        (size,) = struct.unpack("<Q", data[pos : pos + 8])
        if pos + 8 + size > len(data):
            break
        out.append(pickle.loads(data[pos + 8 : pos + 8 + size]))
        pos += 8 + size
    return out


def _solve(arrays: dict[str, Any], options: dict[str, Any], fd: int) -> dict[str, Any]:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in options.items():
        h.setOptionValue(key, value)
    lp = highspy.HighsLp()
    lp.num_col_ = len(arrays["cost"])
    lp.num_row_ = len(arrays["row_lower"])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = arrays["cost"]
    lp.col_lower_ = arrays["col_lower"]
    lp.col_upper_ = arrays["col_upper"]
    lp.row_lower_ = arrays["row_lower"]
    lp.row_upper_ = arrays["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = arrays["start"]
    lp.a_matrix_.index_ = arrays["index"]
    lp.a_matrix_.value_ = arrays["value"]
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    mip = arrays.get("integrality") is not None
    if mip:
        lp.integrality_ = [highspy.HighsVarType(int(v)) for v in arrays["integrality"]]
    h.passModel(lp)
    if mip and arrays.get("start_values") is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(arrays["start_values"])
        sol.value_valid = True
        h.setSolution(sol)
    started = time.perf_counter()
    version = f"HiGHS {h.version()}"
    if mip:

        def improving(event: Any) -> None:
            out = event.data_out
            _frame(
                fd,
                {
                    "status": "interrupted",
                    "values": np.array(out.mip_solution),
                    "objective": float(out.objective_function_value),
                    "bound": float(out.mip_dual_bound),
                    "gap": float(out.mip_gap),
                    "seconds": time.perf_counter() - started,
                    "version": version,
                    "nodes": int(getattr(out, "mip_node_count", -1)),
                },
            )

        h.cbMipImprovingSolution.subscribe(improving)
    h.run()
    info = h.getInfo()
    has_sol = info.primal_solution_status >= 2
    return {
        "status": h.modelStatusToString(h.getModelStatus()),
        "values": np.asarray(h.getSolution().col_value) if has_sol else None,
        "objective": float(info.objective_function_value) if has_sol else float("nan"),
        "bound": float(info.mip_dual_bound) if mip else float(info.objective_function_value),
        "gap": float(info.mip_gap) if mip else 0.0,
        "seconds": time.perf_counter() - started,
        "version": version,
        "nodes": int(info.mip_node_count) if mip else -1,
    }


def _child_main() -> None:
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # HiGHS prints its banner on standard output; keep the answer channel clean
    arrays, options = pickle.loads(sys.stdin.buffer.read())
    _frame(answer_fd, _solve(arrays, options, answer_fd))
    os.close(answer_fd)


def _own_limit(time_limit_s: float) -> float:
    """The limit HiGHS itself gets, s: a little less than the hard one."""
    return max(0.5 * time_limit_s, min(time_limit_s - _GRACE_S, 0.9 * time_limit_s))


def run_highs(
    model: TimeIndexedModel,
    *,
    integer: bool,
    time_limit_s: float,
    mip_gap: float = 0.01,
    seed: int = 0,
    start: np.ndarray | None = None,
    max_improving: int | None = None,
) -> SolverRun:
    """Solve ``model`` (as a MIP when ``integer``, else its LP relaxation) in a child process.

    Parameters
    ----------
    model : the model to solve (maximisation)
    integer : solve with the z columns binary (MIP) or continuous (LP relaxation, dual simplex)
    time_limit_s : wall-clock limit, s: HiGHS gets a little less, and the child is killed at this limit;
        the last improving solution it reported is kept (the warm start if it reported none)
    mip_gap : relative gap at which HiGHS may stop the MIP
    seed : HiGHS random seed
    start : column values of a feasible schedule to warm-start the MIP
    max_improving : stop the MIP at its this-many-th improving solution (the warm start counts), to replay a
        run that a time limit stopped: the same model and seed reach the same solution
    """
    m = model.matrix
    arrays = {
        "cost": model.cost,
        "col_lower": model.col_lower,
        "col_upper": model.col_upper,
        "row_lower": model.row_lower,
        "row_upper": model.row_upper,
        "start": m.indptr,
        "index": m.indices,
        "value": m.data,
        "integrality": model.integrality if integer else None,
        "start_values": start if integer else None,
    }
    # HiGHS may overrun its own limit: give it less, and kill the child at ``time_limit_s`` itself
    own_limit = _own_limit(time_limit_s)
    options: dict[str, Any] = {
        "time_limit": own_limit,
        "random_seed": int(seed),
        "threads": 1,
        "mip_rel_gap": float(mip_gap),
    }
    if not integer:
        options["solver"] = "simplex"
    if max_improving is not None:
        options["mip_max_improving_sols"] = int(max_improving)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, __file__],
            input=pickle.dumps((arrays, options)),
            capture_output=True,
            timeout=time_limit_s,
            check=False,
        )
        records, status = _frames(done.stdout), ""
        if done.returncode != 0:
            status = f"solver process failed ({done.stderr.decode(errors='replace')[-200:].strip()})"
    except subprocess.TimeoutExpired as stopped:
        records, status = _frames(stopped.stdout or b""), "stopped at the hard time limit"
    if not records:
        if integer and start is not None:  # stopped before it said anything: the warm start stands
            nan = float("nan")
            took = time.perf_counter() - started
            return SolverRun(
                status or "solver gave no answer",
                start,
                float(model.cost @ start),
                nan,
                nan,
                took,
                killed=True,
            )
        return _failed(status or "solver gave no answer", started)
    last = records[-1]
    return SolverRun(
        status or last["status"],
        last["values"],
        last["objective"],
        last["bound"],
        last["gap"],
        last["seconds"],
        last["version"],
        killed=bool(status),
        nodes=int(last.get("nodes", -1)),
        improving=sum(1 for r in records if r["status"] == "interrupted"),
    )


def _failed(status: str, started: float) -> SolverRun:
    nan = float("nan")
    return SolverRun(status, None, nan, nan, float("inf"), time.perf_counter() - started, killed=True)


if __name__ == "__main__":
    _child_main()
