"""Dask clusters for the grid computations: a local one started for a job, or an existing one by address.

``dask_client(workers=2, worker_memory_mb=3072)`` starts worker processes on this machine (scheduler and
workers bound to 127.0.0.1, no dashboard) and stops them when the job ends; ``dask_client(scheduler=
"tcp://HOST:8786")`` joins a cluster someone runs (``dask scheduler`` and ``dask worker`` on many machines)
and leaves it running. The same job code runs on either: the grid's blocks are its tasks. Workers of an
existing cluster need mineaction installed at the same version.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from mineaction.errors import ConfigError

__all__ = ["dask_client"]


@contextlib.contextmanager
def dask_client(
    *,
    scheduler: str | None = None,
    workers: int = 2,
    threads_per_worker: int = 1,
    worker_memory_mb: float | None = None,
) -> Iterator[Any]:
    """A ``distributed.Client``: of an existing scheduler at ``scheduler``, else of a local cluster of
    ``workers`` processes with ``worker_memory_mb`` MB each (None: an equal share of this machine's).

    Raises
    ------
    ConfigError
        No scheduler answers at ``scheduler``, or the local cluster cannot start.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"no Dask scheduler answers at {scheduler} ({exc}); start one (dask scheduler) or check "
                "the address"
            ) from None
        with client:
            yield client
        return
    if workers < 1:
        raise ConfigError(f"--workers {workers}: give at least one worker")
    limit = "auto" if worker_memory_mb is None else int(worker_memory_mb * 2**20)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            memory_limit=limit,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
