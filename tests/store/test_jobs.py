"""Jobs as versioned documents (``store.jobs``): one claim per job, leases that run out, results kept."""

from __future__ import annotations

from mineaction.store.jobs import claim_job, finish_job, list_jobs, load_job, submit_job


def test_a_job_is_claimed_once_and_finished(store: object) -> None:
    job = submit_job(store, "plan", {"years": 2}, user="officer")
    assert load_job(store, job["id"])["status"] == "queued"
    claimed = claim_job(store, runner="a:1", lease_s=600)
    assert claimed is not None and claimed["id"] == job["id"] and claimed["status"] == "running"
    assert claim_job(store, runner="b:2", lease_s=600) is None  # running under a live lease
    finish_job(store, claimed, result={"plan_id": "PL-1"})
    done = load_job(store, job["id"])
    assert done["status"] == "succeeded" and done["result"] == {"plan_id": "PL-1"}
    assert [j["id"] for j in list_jobs(store, user="officer")] == [job["id"]]
    assert list_jobs(store, user="someone else") == []


def test_a_lapsed_lease_lets_another_runner_take_the_job(store: object) -> None:
    job = submit_job(store, "risk-fit", {}, user="officer")
    assert claim_job(store, runner="gone:1", lease_s=-1)["id"] == job["id"]  # type: ignore[index]
    again = claim_job(store, runner="b:2", lease_s=600)
    assert again is not None and again["runner"] == "b:2"
    finish_job(store, again, error="stopped")
    assert load_job(store, job["id"])["status"] == "failed"
