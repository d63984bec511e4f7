"""EORE before return on a solved synthetic plan: settlements whose families go home before their hazards are
released need sessions (needed, partial, overdue), those reached in full are covered, those released first
are not listed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from mineaction.plan import ClearancePlanner, PlanResult, eore_before_return, random_problem

PROBLEM = random_problem(80, 4, seed=11, scale_to_nation=False)
AS_OF = date(2025, 6, 30)


@pytest.fixture(scope="module")
def result() -> PlanResult:
    return ClearancePlanner(time_limit_s=30, mip_gap=0.01, seed=0).solve(PROBLEM)


def _release(result: PlanResult) -> dict[str, int | None]:
    out = {}
    for g, gid in enumerate(PROBLEM.group_ids):
        if PROBLEM.families[g] <= 0:
            continue
        years = [result.schedule[PROBLEM.unit_ids[int(u)]] for u in PROBLEM.blockers(g)]
        out[gid] = None if None in years else max(y for y in years if y is not None)
    return out


def test_sessions_follow_the_release_year_of_each_settlement(result: PlanResult) -> None:
    release = _release(result)
    assert len(release) >= 6
    rows = []
    expected_listed, expected_after = set(), set()
    for k, (sid, year) in enumerate(sorted(release.items())):
        families = int(PROBLEM.families[PROBLEM.group_ids.index(sid)])
        if year is not None and k % 2 == 0:
            rows.append((sid, date(year + 1, 1, 1), families))  # the day after release: safe
            expected_after.add(sid)
        else:
            back = date(year, 12, 31) if year is not None else date(2027, 5, 1)  # within the release year
            rows.append((sid, back, families))
            expected_listed.add(sid)
    returns = pd.DataFrame(rows, columns=["settlement", "return_on", "families"])
    plan = eore_before_return(PROBLEM, result.schedule, returns, as_of=AS_OF)
    listed = {s.settlement for s in plan.sessions}
    assert listed == expected_listed and not listed & expected_after
    assert plan.returning_before_release == len(expected_listed)
    for s in plan.sessions:
        assert s.status == "needed" and s.families_to_reach == s.families and s.needed_by == s.return_on
        assert s.released_in == release[s.settlement]
        assert set(s.blocking_areas) == {
            PROBLEM.unit_ids[int(u)] for u in PROBLEM.blockers(PROBLEM.group_ids.index(s.settlement))
        }
    assert [s.needed_by for s in plan.sessions] == sorted(s.needed_by for s in plan.sessions)


def test_families_reached_before_cover_or_shrink_the_session(result: PlanResult) -> None:
    release = _release(result)
    sids = sorted(release)[:4]
    families = [int(PROBLEM.families[PROBLEM.group_ids.index(s)]) for s in sids]
    returns = pd.DataFrame(
        {
            "settlement": sids,
            "name": [f"Village {k}" for k in range(4)],
            "district": "Fuzuli",
            "return_on": [date(2024, 9, 1), date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)],
            "families": families,
            # overdue (back, nobody reached) / covered in full / partly reached / not reached
            "families_reached_before": [0, families[1], max(0, families[2] - 1), 0],
        }
    )
    plan = eore_before_return(PROBLEM, result.schedule, returns, as_of=AS_OF)
    by = {s.settlement: s for s in plan.sessions}
    assert plan.covered == (sids[1],)
    assert by[sids[0]].status == "overdue" and by[sids[0]].needed_by == AS_OF
    assert by[sids[0]].name == "Village 0" and by[sids[0]].district == "Fuzuli"
    if families[2] > 1:
        assert by[sids[2]].status == "partial" and by[sids[2]].families_to_reach == 1
    assert by[sids[3]].status == "needed"
    out = plan.to_dict()
    assert out["sessions_needed"] == 3 and out["overdue"] == 1 and out["covered"] == [sids[1]]
    assert out["sessions"][0]["return_on"] == "2024-09-01"
    assert sum(out["sessions_by_year"].values()) == 3 and out["families_to_reach"] == plan.families_to_reach


def test_unblocked_settlements_and_assets_need_nothing(result: PlanResult) -> None:
    assets = [gid for g, gid in enumerate(PROBLEM.group_ids) if PROBLEM.families[g] == 0]
    returns = pd.DataFrame(
        {"settlement": [assets[0], "ST-999999"], "return_on": [date(2026, 1, 1)] * 2, "families": [10, 10]}
    )
    plan = eore_before_return(PROBLEM, result.schedule, returns, as_of=AS_OF)
    assert plan.sessions == () and plan.returning_before_release == 0
