"""Simulated assistance to survivors: needs assessed (SN-...) and services delivered (SV-...), and the truth.

No national figures on needs met were found (FACTS.md): every number here is a **design value**, chosen to
look like a victim assistance register and labelled as such. Each injured victim is a survivor:

- three in ten are seen in the emergency phase: assessed in hospital on the day of the accident or within two
  days, with emergency medical care delivered at once; the others are assessed later (median about a month,
  ``ASSESSMENT_DAYS``) and ``NOT_ASSESSED`` never are;
- each assessed survivor has needs drawn per kind (``NEEDS``: chance for adults and children, median days
  from assessment to the first service, the days the service takes, the chance the need is never met), at
  least continuing medical care;
- a need is **met** when its last service is delivered by the end of the simulation (30 June 2025), **in
  progress** when services started, **referred** when a referral waits, else **open**, **declined** or
  **lost** to follow-up; so some needs are met late and some not at all.

``truth`` gives, per survivor, the assessment, the first service and the needs still open after a year,
which the indicators of ``mineaction.analysis.assistance`` must recover. Medical details, notes and dates of
birth are SIMULATED personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mineaction.simulate.scales import END, stream

__all__ = ["NEEDS", "NOT_ASSESSED", "NeedModel", "dates_of_birth", "make_assistance"]


@dataclass(frozen=True)
class NeedModel:
    """Design values of one kind of need: chance (adults, children), median days from assessment to the first
    service, days the service takes to meet the need, chance it is never met; the service and provider."""

    adults: float
    children: float
    to_service_days: float
    duration_days: int
    never: float
    service: str
    provider: str
    provider_kind: str
    cost_usd: float
    detail: str


#: Design values per need: chance for adults and for children, median days from assessment to the first
#: service, days the service takes to meet the need, chance it is never met.
_CHANCES = {
    "continuing_medical": (0.6, 0.6, 20, 30, 0.05),
    "rehabilitation": (0.45, 0.5, 60, 120, 0.15),
    "psychological": (0.55, 0.7, 45, 60, 0.3),
    "education": (0.05, 0.9, 90, 0, 0.2),
    "economic_inclusion": (0.5, 0.0, 180, 60, 0.45),
    "social_protection": (0.4, 0.2, 60, 0, 0.15),
}
#: The service that meets each need: what, by whom (and the kind of provider), cost (US$), medical detail.
_SERVICES = {
    "continuing_medical": (
        "surgery and follow-up care",
        "regional hospital",
        "government",
        900.0,
        "fragment wounds",
    ),
    "rehabilitation": (
        "prosthesis fitting and physiotherapy",
        "Mardakan rehabilitation centre for mine survivors",
        "government",
        2500.0,
        "lower-limb amputation",
    ),
    "psychological": (
        "counselling sessions",
        "psychosocial support NGO",
        "ngo",
        300.0,
        "post-traumatic stress",
    ),
    "education": ("school reintegration", "district education office", "government", 200.0, "missed school"),
    "economic_inclusion": (
        "vocational training and a small-business grant",
        "livelihoods programme",
        "international",
        1500.0,
        "lost work as a farmer",
    ),
    "social_protection": (
        "disability pension",
        "State Social Protection Fund",
        "government",
        0.0,
        "disability",
    ),
}
NEEDS: dict[str, NeedModel] = {
    need: NeedModel(
        *_CHANCES[need],
        service=_SERVICES[need][0],
        provider=f"SIMULATED {_SERVICES[need][1]}",
        provider_kind=_SERVICES[need][2],
        cost_usd=_SERVICES[need][3],
        detail=f"SIMULATED: {_SERVICES[need][4]}",
    )
    for need in _CHANCES
}
#: Design values: share of survivors never assessed; share seen in the emergency phase; median days to a
#: later assessment.
NOT_ASSESSED = 0.2
EMERGENCY_SHARE = 0.3
ASSESSMENT_DAYS = 30.0
_ASSESSOR = "ANAMA victim assistance unit (SIMULATED)"
_OPEN_ENDS = ("open", "referred", "declined", "lost")
_OPEN_P = np.array([0.55, 0.25, 0.1, 0.1])


def _days(rng: np.random.Generator, median: float, sigma: float = 0.8) -> int:
    return int(round(median * rng.lognormal(0.0, sigma))) if median > 0 else 0


def dates_of_birth(victims: pd.DataFrame, accidents: pd.DataFrame, seed: int) -> list[str | None]:
    """A SIMULATED date of birth for each victim with an age: the accident date minus the age and part of a
    year (ISO text; None without an age)."""
    rng = stream(seed, "dates_of_birth")
    when = victims["accident"].map(accidents.set_index("id")["occurred_on"]).astype(str)
    out: list[str | None] = []
    for day, age in zip(when, victims["age"], strict=True):
        if pd.isna(age):
            out.append(None)
            continue
        born = np.datetime64(day[:10], "D") - int(round(float(age) * 365.25)) - int(rng.integers(0, 365))
        out.append(str(born))
    return out


def _need_rows(
    victim: pd.Series, assessed: np.datetime64, rng: np.random.Generator
) -> tuple[list[dict], list[dict]]:
    """Needs and services of one survivor assessed on ``assessed`` (events after the end are left out)."""
    end = np.datetime64(END, "D")
    child = victim["age"] < 18
    needs, services = [], []
    drawn = [n for n, m in NEEDS.items() if rng.uniform() < (m.children if child else m.adults)]
    for need in drawn or ["continuing_medical"]:  # every survivor assessed needs something
        model = NEEDS[need]
        base = {"victim": victim["id"], "accident": victim["accident"]}
        row = {
            **base,
            "need": need,
            "assessed_on": assessed,
            "assessed_by": _ASSESSOR,
            "details": model.detail,
        }
        service = {
            **base,
            "service_type": need,
            "service": model.service,
            "provider": model.provider,
            "provider_kind": model.provider_kind,
            "cost_usd": model.cost_usd,
            "notes": f"SIMULATED: {model.service} for {model.detail[11:]}",
        }
        referred = assessed + int(rng.integers(0, 8))
        if rng.uniform() < model.never:
            status = str(rng.choice(_OPEN_ENDS, p=_OPEN_P))
            closed = assessed + int(rng.integers(30, 200)) if status in ("declined", "lost") else None
            if closed is not None and closed > end:
                status, closed = "open", None
            if status == "referred" and referred <= end:
                services.append({**service, "referred_on": referred, "referral_status": "pending"})
            elif status == "referred":
                status = "open"
            needs.append({**row, "status": status, "closed_on": closed})
            continue
        start = referred + _days(rng, model.to_service_days)
        met = start + model.duration_days
        for day in sorted({start, met}):
            if day <= end:
                services.append(
                    {**service, "referred_on": referred, "provided_on": day, "referral_status": "completed"}
                )
        if referred <= end < start:
            services.append({**service, "referred_on": referred, "referral_status": "pending"})
        status = _status(met, start, referred, end)
        needs.append({**row, "status": status, "closed_on": met if status == "met" else None})
    return needs, services


def _status(met: np.datetime64, start: np.datetime64, referred: np.datetime64, end: np.datetime64) -> str:
    """Status on ``end`` of a need that will be met on ``met``, served from ``start``, referred on
    ``referred``."""
    if met <= end:
        return "met"
    if start <= end:
        return "in_progress"
    return "referred" if referred <= end else "open"


def _emergency(victim: pd.Series, accident_on: np.datetime64, rng: np.random.Generator) -> tuple[dict, dict]:
    base = {"victim": victim["id"], "accident": victim["accident"]}
    given = accident_on + int(rng.integers(0, 2))
    need = {
        **base,
        "need": "emergency_medical",
        "assessed_on": accident_on + int(rng.integers(0, 3)),
        "assessed_by": "SIMULATED district hospital",
        "status": "met",
        "details": "SIMULATED: blast injuries, emergency surgery",
    }
    need["closed_on"] = max(given, need["assessed_on"])
    service = {
        **base,
        "service_type": "emergency_medical",
        "service": "emergency surgery",
        "provider": "SIMULATED district hospital",
        "provider_kind": "government",
        "provided_on": given,
        "referral_status": "not_referred",
        "cost_usd": 1200.0,
        "notes": "SIMULATED: emergency surgery",
    }
    return need, service


def _frame(rows: list[dict], prefix: str, date_field: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        if col.endswith("_on"):
            frame[col] = [None if v is None or pd.isna(v) else str(np.datetime64(v, "D")) for v in frame[col]]
    frame = frame.sort_values([date_field, "victim"], kind="stable", na_position="last").reset_index(
        drop=True
    )
    frame.insert(0, "id", [f"{prefix}-{k + 1:06d}" for k in range(len(frame))])
    frame["source"] = "SIMULATED victim assistance register"
    frame["source_doc"] = "SIMULATED victim assistance register"
    dated = frame[date_field].where(frame[date_field].notna(), frame.get("referred_on"))
    frame["recorded_at"] = [f"{d}T12:00:00Z" for d in dated]
    return frame


def make_assistance(
    victims: pd.DataFrame, accidents: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Needs (``survivor_needs`` columns), services (``survivor_services`` columns) and the truth per survivor
    (``victim, sex, age, accident_on, assessed_on, first_service_on, days_to_first_service, needs,
    needs_open_over_a_year``; dates ISO text, None when it did not happen by the end)."""
    rng = stream(seed, "assistance")
    end = np.datetime64(END, "D")
    occurred = victims["accident"].map(accidents.set_index("id")["occurred_on"]).astype(str).str[:10]
    needs, services, truth = [], [], []
    survivors = victims.assign(accident_on=occurred.to_numpy()).loc[victims["outcome"] == "injured"]
    for _, victim in survivors.iterrows():
        accident_on = np.datetime64(victim["accident_on"], "D")
        mine_needs, mine_services = [], []
        if rng.uniform() < EMERGENCY_SHARE:
            need, service = _emergency(victim, accident_on, rng)
            assessed = need["assessed_on"]
            if need["closed_on"] > end:  # the accident was in the last days: still in hospital
                need.update(status="in_progress", closed_on=None)
            if assessed <= end:
                mine_needs.append(need)
            if service["provided_on"] <= end:
                mine_services.append(service)
        elif rng.uniform() < NOT_ASSESSED / (1 - EMERGENCY_SHARE):
            assessed = None
        else:
            assessed = accident_on + 3 + _days(rng, ASSESSMENT_DAYS)
        if assessed is not None and assessed <= end:
            more_needs, more_services = _need_rows(victim, assessed, rng)
            mine_needs += more_needs
            mine_services += more_services
        else:
            assessed = None
        needs += mine_needs
        services += mine_services
        truth.append(_truth_row(victim, accident_on, assessed, mine_needs, mine_services, end))
    return _frame(needs, "SN", "assessed_on"), _frame(services, "SV", "provided_on"), pd.DataFrame(truth)


def _truth_row(
    victim: pd.Series,
    accident_on: np.datetime64,
    assessed: np.datetime64 | None,
    needs: list[dict],
    services: list[dict],
    end: np.datetime64,
) -> dict:
    given = [s["provided_on"] for s in services if s.get("provided_on") is not None]
    first = min(given) if given else None
    still_open = [n for n in needs if n["status"] in ("open", "referred", "in_progress")]
    return {
        "victim": victim["id"],
        "sex": victim["sex"],
        "age": int(victim["age"]),
        "accident_on": str(accident_on),
        "assessed_on": None if assessed is None else str(assessed),
        "first_service_on": None if first is None else str(first),
        "days_to_first_service": None if first is None else int((first - accident_on).astype(int)),
        "needs": len(needs),
        "needs_open_over_a_year": sum(1 for n in still_open if end - n["assessed_on"] > 365),
    }
