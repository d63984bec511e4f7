"""Simulated risk education (RE-...): before returns, in schools, by community groups, and by media.

Four streams of records, all SIMULATED, in UTM 38N (points; media campaigns have none):

- **before returns**: for every settlement whose planned return (``target_on``) falls before the end of the
  simulation, EORE either misses it (``MISSED_SHARE``) or reaches a share of its planned families drawn from
  ``COVERAGE`` in one to three face-to-face sessions 7 to 180 days before the date. Half the missed
  settlements, and three in ten of the others, get a session after the families are back (too late to
  count). Settlements due within half a
  year after the end get their first sessions in advance. A fifth of the sessions carry only a point near the
  settlement, no id, so the indicators must place them. ``truth`` keeps, per settlement, the families
  reached before the date;
- **schools**: about 55,000 children a year in 1,200 school sessions (FACTS.md), times the scale factor, near
  the district towns in the school year;
- **community risk-education groups**: 58 groups in 10 districts (FACTS.md) times the factor, two sessions a
  month each with residents, farmers and reconstruction workers of settlements already back;
- **media and digital campaigns**: two national campaigns a year (estimated reach) and district campaigns.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.simulate.scales import END, METRIC_CRS, stream

__all__ = [
    "CHILDREN_PER_YEAR",
    "COVERAGE",
    "MISSED_SHARE",
    "SCHOOL_SESSIONS_PER_YEAR",
    "children_per_year",
    "make_risk_education",
]

#: Children reached in schools a year and school sessions a year, nationally (FACTS.md), before scaling.
CHILDREN_PER_YEAR = 55_000
SCHOOL_SESSIONS_PER_YEAR = 1_200
#: Community risk-education groups nationally (FACTS.md) and the sessions each holds a year (design value).
COMMUNITY_GROUPS = 58
GROUP_SESSIONS_PER_YEAR = 24
#: Design values: share of returning settlements EORE misses before the return, and the range of the share of
#: planned families reached where it does not.
MISSED_SHARE = 0.3
COVERAGE = (0.5, 1.0)
LATE_SHARE = 0.5
FOLLOW_UP_SHARE = 0.3
POINT_ONLY_SHARE = 0.2
START = date(2021, 2, 1)
#: Share of each year simulated (2025: January to June).
YEARS = {2021: 1.0, 2022: 1.0, 2023: 1.0, 2024: 1.0, 2025: 0.5}
#: Shares of an audience: girls, boys, women, men.
_SPLIT = np.array([0.17, 0.18, 0.33, 0.32])
_RETURN_TOPICS = ["recognition", "safe_behaviour", "signs", "reporting", "safe_return"]
_ORGS = (
    ("Azerbaijan National Agency for Mine Action (ANAMA)", "OP-000001", 0.6),
    ("International Eurasia Press Fund (IEPF)", "OP-000009", 0.2),
    ("Relief (SIMULATED national NGO team)", None, 0.2),
)
_COLUMNS = [
    "form",
    "delivered_on",
    "ended_on",
    "settlement",
    "district",
    "organisation",
    "operator",
    "method",
    "audience",
    "girls",
    "boys",
    "women",
    "men",
    "with_disability",
    "returnees",
    "families_reached",
    "estimated",
    "topics",
    "geometry",
]


def _day(value: Any) -> str:
    """ISO text of a day (a numpy datetime64 of any unit)."""
    return str(np.asarray(value).astype("datetime64[D]"))


def _audience(total: int, rng: np.random.Generator, split: np.ndarray = _SPLIT) -> dict[str, int]:
    girls, boys, women, men = rng.multinomial(total, split / split.sum())
    return {
        "girls": int(girls),
        "boys": int(boys),
        "women": int(women),
        "men": int(men),
        "with_disability": int(rng.binomial(total, 0.03)),
    }


def _near(point: shapely.Point, rng: np.random.Generator, radius_m: float) -> shapely.Point:
    angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(0, radius_m)
    return shapely.Point(point.x + dist * np.cos(angle), point.y + dist * np.sin(angle))


def _organisation(rng: np.random.Generator) -> tuple[str, str | None]:
    k = rng.choice(len(_ORGS), p=[o[2] for o in _ORGS])
    return _ORGS[k][0], _ORGS[k][1]


def _return_session(
    row: pd.Series, when: np.datetime64, families: int, rng: np.random.Generator, *, late: bool
) -> dict:
    returnees = int(round(families * rng.uniform(3.2, 4.6)))
    organisation, operator = _organisation(rng)
    point_only = rng.uniform() < POINT_ONLY_SHARE
    return {
        "form": "session",
        "delivered_on": _day(when),
        "settlement": None if point_only else row["id"],
        "district": row["district"],
        "organisation": organisation,
        "operator": operator,
        "method": "face_to_face",
        "audience": "residents" if late else "returnees",
        **_audience(returnees + int(rng.integers(0, 6)), rng),
        "returnees": returnees,
        "families_reached": families,
        "estimated": False,
        "topics": json.dumps(_RETURN_TOPICS),
        "geometry": _near(row["geometry"], rng, 300.0),
    }


def _before_returns(settle: gpd.GeoDataFrame, rng: np.random.Generator) -> tuple[list[dict], pd.DataFrame]:
    """Sessions before (and a few after) the planned returns, and the truth: families reached before them."""
    end = np.datetime64(END, "D")
    rows, truth = [], []
    for _, s in settle.iterrows():
        target = np.datetime64(str(s["target_on"])[:10], "D")
        planned = int(s["families_planned"] or 0)
        if planned <= 0:
            continue
        if target - 180 > end:  # too far ahead: nothing delivered yet
            truth.append((s["id"], s["name"], s["district"], _day(target), planned, 0, False))
            continue
        missed = rng.uniform() < MISSED_SHARE
        reached = 0 if missed else int(round(planned * rng.uniform(*COVERAGE)))
        lo, hi = max(target - 180, np.datetime64(START, "D")), min(target - 7, end)
        if hi < lo:
            reached = 0
        n = 1 if reached <= 8 else int(rng.integers(1, 4))
        parts: list[int] = (rng.multinomial(reached - n, np.full(n, 1 / n)) + 1).tolist() if reached else []
        for families in parts:
            when = lo + int(rng.integers(0, int((hi - lo).astype(int)) + 1))
            rows.append(_return_session(s, when, int(families), rng, late=False))
        if target < end and rng.uniform() < (LATE_SHARE if missed else FOLLOW_UP_SHARE):
            when = min(target + int(rng.integers(10, 121)), end)
            rows.append(_return_session(s, when, max(1, planned // 2), rng, late=True))
        truth.append((s["id"], s["name"], s["district"], _day(target), planned, reached, bool(target <= end)))
    columns = ["settlement", "name", "district", "target_on", "families_planned", "families_reached", "due"]
    table = pd.DataFrame(truth, columns=columns)
    table["coverage"] = table["families_reached"] / table["families_planned"]
    return rows, table


def _year_days(year: int, share: float, rng: np.random.Generator, n: int, *, school: bool) -> np.ndarray:
    lo = np.datetime64(max(date(year, 1, 1), START), "D")
    hi = np.datetime64(date(year, 12, 31), "D") if share >= 1 else np.datetime64(END, "D")
    days = lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n)
    if school:  # no lessons in the summer: July and August move to September
        month = days.astype("datetime64[M]").astype(int) % 12 + 1
        days = np.where((month == 7) | (month == 8), days + 62, days)
        days = np.minimum(days, hi)
    return days


def _schools(settle: gpd.GeoDataFrame, factor: float, rng: np.random.Generator) -> list[dict]:
    towns = settle.loc[settle["name"].str.endswith("town (SIMULATED)")]
    rows = []
    for year, share in YEARS.items():
        n = max(1, int(round(SCHOOL_SESSIONS_PER_YEAR * factor * share)))
        children = rng.multinomial(int(round(CHILDREN_PER_YEAR * factor * share)), np.full(n, 1 / n))
        where = rng.integers(0, len(towns), n)
        for k, day in enumerate(_year_days(year, share, rng, n, school=True)):
            town = towns.iloc[where[k]]
            girls = int(rng.binomial(children[k], 0.49))
            rows.append(
                {
                    "form": "session",
                    "delivered_on": _day(day),
                    "settlement": town["id"],
                    "district": town["district"],
                    "organisation": "Ministry of Science and Education (SIMULATED school EORE)",
                    "method": "school",
                    "audience": "students",
                    "girls": girls,
                    "boys": int(children[k]) - girls,
                    "women": int(rng.integers(1, 3)),
                    "men": int(rng.integers(0, 2)),
                    "with_disability": int(rng.binomial(children[k], 0.02)),
                    "estimated": False,
                    "topics": json.dumps(["recognition", "safe_behaviour", "signs", "reporting"]),
                    "geometry": _near(town["geometry"], rng, 1000.0),
                }
            )
    return rows


def _groups(settle: gpd.GeoDataFrame, factor: float, rng: np.random.Generator) -> list[dict]:
    districts = sorted(settle["district"].unique())
    n_groups = max(1, int(round(COMMUNITY_GROUPS * factor)))
    home = rng.choice(districts, size=n_groups)
    targets = settle["target_on"].astype(str).str[:10].to_numpy().astype("datetime64[D]")
    rows = []
    for year, share in YEARS.items():
        for district in home:
            local = np.flatnonzero(settle["district"].to_numpy() == district)
            n = int(rng.poisson(GROUP_SESSIONS_PER_YEAR * share))
            for day in _year_days(year, share, rng, n, school=False):
                back = local[targets[local] <= day]  # people are there: returned, or the town's workers
                s = settle.iloc[rng.choice(back) if len(back) else local[0]]
                audience = str(rng.choice(["residents", "farmers", "workers"]))
                rows.append(
                    {
                        "form": "session",
                        "delivered_on": _day(day),
                        "settlement": s["id"],
                        "district": district,
                        "organisation": f"SIMULATED community risk-education group of {district}",
                        "method": "face_to_face",
                        "audience": audience,
                        **_audience(int(rng.integers(8, 41)), rng, np.array([0.05, 0.05, 0.4, 0.5])),
                        "estimated": False,
                        "topics": json.dumps(["safe_behaviour", "reporting", "safe_work"]),
                        "geometry": _near(s["geometry"], rng, 300.0),
                    }
                )
    return rows


def _campaigns(settle: gpd.GeoDataFrame, factor: float, rng: np.random.Generator) -> list[dict]:
    rows = []
    districts = sorted(settle["district"].unique())
    for year, share in YEARS.items():
        starts = _year_days(year, share, rng, 2 + len(districts) // 3, school=False)
        for k, start in enumerate(starts):
            national = k < 2
            reach = int(round((200_000 if national else 20_000) * factor * rng.uniform(0.7, 1.3)))
            rows.append(
                {
                    "form": "campaign",
                    "delivered_on": _day(start),
                    "ended_on": _day(min(start + int(rng.integers(20, 91)), np.datetime64(END, "D"))),
                    "district": None if national else districts[(k - 2) % len(districts)],
                    "organisation": "ANAMA with national broadcasters (SIMULATED)"
                    if national
                    else "ANAMA digital outreach (SIMULATED)",
                    "operator": "OP-000001",
                    "method": "media" if national else "digital",
                    "audience": "mixed",
                    **_audience(reach, rng, np.array([0.12, 0.12, 0.38, 0.38])),
                    "estimated": True,
                    "topics": json.dumps(["recognition", "safe_behaviour", "reporting", "assistance"]),
                    "geometry": None,
                }
            )
    return rows


def make_risk_education(
    assets: gpd.GeoDataFrame, factor: float, seed: int
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Risk education records with the ``risk_education`` schema's columns (UTM 38N points, ordered by date,
    ids RE-...) and the truth of EORE before returns (one row per settlement with families planned:
    ``settlement, name, district, target_on, families_planned, families_reached, due, coverage``;
    ``families_reached`` counts only sessions before ``target_on``, ``due`` is true for returns due by the
    end of the simulation).

    Parameters
    ----------
    assets : GeoDataFrame
        The simulated assets (UTM 38N) with ``target_on`` and ``families_planned`` of settlements.
    factor : float
        Scale factor of national figures (school children, community groups, media reach).
    seed : int
        Random seed.
    """
    rng = stream(seed, "risk_education")
    settle = assets.loc[assets["asset_kind"] == "settlement"].reset_index(drop=True)
    rows, truth = _before_returns(settle, rng)
    rows += _schools(settle, factor, rng) + _groups(settle, factor, rng) + _campaigns(settle, factor, rng)
    frame = pd.DataFrame(rows).reindex(columns=_COLUMNS)
    frame = frame.sort_values(["delivered_on", "method"], kind="stable").reset_index(drop=True)
    frame.insert(0, "id", [f"RE-{k + 1:06d}" for k in range(len(frame))])
    frame["source"] = "SIMULATED EORE activity reports"
    frame["source_doc"] = [f"SIMULATED EORE report {d[:7]}" for d in frame["delivered_on"]]
    frame["recorded_at"] = [f"{d}T18:00:00Z" for d in frame["delivered_on"]]
    geometry = gpd.GeoSeries(frame.pop("geometry").to_numpy(), crs=METRIC_CRS)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=METRIC_CRS), truth


def children_per_year(risk_education: pd.DataFrame) -> float:
    """Children (girls and boys) reached by school sessions a year, mean over 2021-2024 (people)."""
    school = risk_education.loc[risk_education["method"] == "school"]
    year = school["delivered_on"].astype(str).str[:4].astype(int)
    children = school["girls"].astype(float) + school["boys"].astype(float)
    by_year = children.groupby(year).sum().reindex(range(2021, 2025), fill_value=0.0)
    return float(by_year.mean())
