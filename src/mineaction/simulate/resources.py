"""Operators, funding by year and donor, and families returning to the settlements (all SIMULATED).

Funding follows FACTS.md: a state budget line of about US$ 58 M a year (94 %) and foreign donors 6 %, times
the
scale factor. Returns follow the Great Return: about 3,721 families back by June 2025, times the scale factor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mineaction.domain.schema import format_id
from mineaction.simulate.assets import PEOPLE_PER_FAMILY
from mineaction.simulate.scales import stream

__all__ = [
    "FOREIGN_SHARE",
    "RETURNED_FAMILIES",
    "STATE_BUDGET_USD",
    "make_funding",
    "make_operators",
    "make_returns",
    "returned_share",
]

STATE_BUDGET_USD = 58_000_000.0
FOREIGN_SHARE = 0.06
RETURNED_FAMILIES = 3_721
#: Share of the returns made in each year (to June 2025).
RETURN_YEARS = {2022: 0.05, 2023: 0.20, 2024: 0.45, 2025: 0.30}
#: Share of a year funded (2020: the weeks after the ceasefire; 2025: January to June).
YEAR_SHARE = {2020: 0.15, 2021: 1.0, 2022: 1.0, 2023: 1.0, 2024: 1.0, 2025: 0.5}
_OPERATORS = (
    ("Azerbaijan National Agency for Mine Action (ANAMA)", "national_agency", 0.55),
    ("Ministry of Defence engineering units", "military", 0.15),
    ("Ministry of Emergency Situations", "emergency_service", 0.05),
    ("State Border Service", "military", 0.04),
    ("SIMULATED commercial company A", "commercial", 0.05),
    ("SIMULATED commercial company B", "commercial", 0.05),
    ("SIMULATED commercial company C", "commercial", 0.05),
    ("SIMULATED commercial company D", "commercial", 0.05),
    ("International Eurasia Press Fund (IEPF)", "ngo", 0.01),
)
_FOREIGN = (
    ("UNDP (SIMULATED grant)", "multilateral", "USD", 0.35),
    ("European Union (SIMULATED grant)", "multilateral", "EUR", 0.25),
    ("United States (SIMULATED grant)", "foreign_government", "USD", 0.2),
    ("Japan (SIMULATED grant)", "foreign_government", "USD", 0.12),
    ("SIMULATED private foundation", "private", "USD", 0.08),
)
_RATE = {"USD": 1.0, "AZN": 1.7, "EUR": 0.92}


def make_operators(factor: float) -> pd.DataFrame:
    """Operators with the ``operators`` schema's columns; staff numbers scale with ``factor``."""
    staff = 3000.0 * factor
    rows = [
        (
            format_id("OP", k + 1),
            name,
            kind,
            max(1, round(staff * share / 30)),
            max(1, round(staff * share)),
            round(staff * share / 40),
            round(staff * share / 60),
        )
        for k, (name, kind, share) in enumerate(_OPERATORS)
    ]
    frame = pd.DataFrame(
        rows, columns=["id", "name", "operator_kind", "teams", "deminers", "dogs", "machines"]
    )
    frame["source"] = "SIMULATED operator accreditation list"
    frame["source_doc"] = "SIMULATED accreditation register"
    frame["recorded_at"] = "2021-01-15T09:00:00Z"
    return frame


def make_funding(factor: float, seed: int) -> pd.DataFrame:
    """Funding with the ``funding`` schema's columns: the state line and foreign grants for 2020-2025
    (US$)."""
    rng = stream(seed, "funding")
    rows: list[tuple[str, str, int, str, float, str, str | None]] = []
    for year, share in YEAR_SHARE.items():
        state = STATE_BUDGET_USD * share * factor * rng.uniform(0.97, 1.03)
        rows.append(
            (
                "State budget of Azerbaijan (SIMULATED line)",
                "national_state",
                year,
                "AZN",
                state,
                "clearance",
                "OP-000001",
            )
        )
        foreign = state * FOREIGN_SHARE / (1 - FOREIGN_SHARE)
        for name, kind, currency, part in _FOREIGN:
            purpose = (
                "victim_assistance" if kind == "private" else ("capacity" if part > 0.3 else "clearance")
            )
            rows.append((name, kind, year, currency, foreign * part * rng.uniform(0.9, 1.1), purpose, None))
    frame = pd.DataFrame(
        rows, columns=["donor", "donor_kind", "year", "currency", "amount_usd", "purpose", "operator"]
    )
    frame["amount_usd"] = frame["amount_usd"].round(2)
    frame["amount"] = (frame["amount_usd"] * frame["currency"].map(_RATE)).round(2)
    frame["received_on"] = [f"{y}-{'12-15' if y == 2020 else '03-01'}" for y in frame["year"]]
    frame["activities"] = "[]"
    frame["source"] = "SIMULATED budget and donor reports"
    frame["source_doc"] = [f"SIMULATED funding statement {y}" for y in frame["year"]]
    frame["recorded_at"] = [f"{d}T12:00:00Z" for d in frame["received_on"]]
    frame.insert(0, "id", [format_id("FU", k + 1) for k in range(len(frame))])
    return frame


def make_returns(assets: pd.DataFrame, factor: float, seed: int) -> pd.DataFrame:
    """Families returned by settlement and year: ``settlement, name, district, year, families_returned,
    families_total, people_present, farmland_ha_in_use`` (the settlement's fields, ha, in the share of its
    planned families back); settlements fill up in order of their target dates. ``assets`` in a metric CRS."""
    rng = stream(seed, "returns")
    settle = assets.loc[assets["asset_kind"] == "settlement"].copy()
    settle["key"] = settle["target_on"].astype(str) + rng.uniform(0, 1, len(settle)).astype(str)
    settle = settle.sort_values("key", kind="stable")
    planned = settle["families_planned"].to_numpy().astype(int)
    goal = int(round(RETURNED_FAMILIES * factor))
    rows, cursor, left = [], 0, planned.copy()
    for year, share in RETURN_YEARS.items():
        todo = int(round(goal * share))
        while todo > 0 and cursor < len(settle):
            take = min(todo, left[cursor])
            left[cursor] -= take
            todo -= take
            rows.append((cursor, year, take))
            if left[cursor] == 0:
                cursor += 1
    frame = (
        pd.DataFrame(rows, columns=["pos", "year", "families_returned"])
        .groupby(["pos", "year"])["families_returned"]
        .sum()
        .reset_index()
    )
    frame["families_total"] = frame.groupby("pos")["families_returned"].cumsum()
    frame["settlement"] = settle["id"].to_numpy()[frame["pos"]]
    frame["name"] = settle["name"].to_numpy()[frame["pos"]]
    frame["district"] = settle["district"].to_numpy()[frame["pos"]]
    frame["people_present"] = np.round(frame["families_total"] * PEOPLE_PER_FAMILY).astype(int)
    fields = assets.loc[assets["asset_kind"] == "farmland"]
    field_ha = (
        (fields.geometry.area / 1e4).groupby(fields["name"].str.replace("SIMULATED fields of ", "")).sum()
    )
    share = frame["families_total"] / np.maximum(planned[frame["pos"]], 1)
    frame["farmland_ha_in_use"] = (frame["name"].map(field_ha).fillna(0.0) * share).round(1)
    cols = [
        "settlement",
        "name",
        "district",
        "year",
        "families_returned",
        "families_total",
        "people_present",
        "farmland_ha_in_use",
    ]
    return frame[cols].sort_values(["settlement", "year"]).reset_index(drop=True)


def returned_share(returns: pd.DataFrame, assets: pd.DataFrame, year: int) -> pd.Series:
    """Share (0-1) of each settlement's planned families back by the end of ``year``, indexed by asset id."""
    settle = assets.loc[assets["asset_kind"] == "settlement"].set_index("id")
    back = returns.loc[returns["year"] <= year].groupby("settlement")["families_returned"].sum()
    planned = settle["families_planned"].astype(float).clip(lower=1.0)
    return (back.reindex(settle.index, fill_value=0) / planned).clip(0, 1)
