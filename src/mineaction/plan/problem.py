"""The planning problem: hazardous areas to release, what they block, and the money and teams per year.

``PlanningProblem`` is frozen and holds columnar numpy arrays (one entry per hazardous area, per blocked
settlement or asset, per year). Costs and team-days are derived from area, method mix and expected survey
reduction with ``PlanSettings`` (``unit_costs``), so a scenario that changes a policy or a price re-derives
them. It is pure data: build one from store frames with ``build_problem`` or a synthetic one with
``random_problem``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from mineaction.errors import PlanError
from mineaction.plan.settings import PlanSettings

__all__ = ["PlanningProblem", "unit_costs"]

_UNIT_ARRAYS = (
    "area_m2",
    "is_sha",
    "method_mix",
    "farmland_ha",
    "casualties_per_year",
    "priority",
    "consulted",
    "earliest_year",
    "lon",
    "lat",
)
_GROUP_ARRAYS = ("families", "value_usd", "reconstruction_ready", "blocker_ptr", "blocker_idx")
_YEAR_ARRAYS = ("budget_state_usd", "budget_foreign_usd", "team_days_capacity")


def unit_costs(
    area_m2: np.ndarray, method_mix: np.ndarray, is_sha: np.ndarray, settings: PlanSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected survey reduction, cost (US$) and team-days to release each area.

    Every m2 is surveyed (``cost_survey_usd_per_m2``); survey cancels or reduces ``survey_reduction`` of a
    suspected area where it is done first (all areas under ``survey_first``, else ``survey_coverage_now`` of
    them in expectation) and ``cha_survey_reduction`` of a confirmed one; the rest is cleared by the method
    mix.

    Returns
    -------
    reduction : share of each area expected to be cancelled or reduced (0 to 1)
    cost_usd : expected cost to release each area, US$
    team_days : expected team-days (survey plus clearance) to release each area
    """
    coverage = 1.0 if settings.survey_first else settings.survey_coverage_now
    reduction = np.where(is_sha, settings.survey_reduction * coverage, settings.cha_survey_reduction)
    cleared = area_m2 * (1.0 - reduction)
    price = np.array(
        [settings.cost_manual_usd_per_m2, settings.cost_dog_usd_per_m2, settings.cost_machine_usd_per_m2]
    )
    pace = np.array(settings.team_m2_per_day())
    cost = area_m2 * settings.cost_survey_usd_per_m2 + cleared * (method_mix @ price)
    days = area_m2 / settings.survey_m2_per_team_day + cleared * (method_mix @ (1.0 / pace))
    return reduction, cost, days


@dataclass(frozen=True, eq=False)
class PlanningProblem:
    """A multi-year clearance planning problem (pure data; arrays are read-only by convention).

    Units are hazardous areas (``unit_ids``, n of them); groups are settlements and assets (``group_ids``),
    each blocked by the SET of units ``blocker_idx[blocker_ptr[g]:blocker_ptr[g + 1]]`` and available only
    when all of them are released (all-or-nothing). Years are calendar years; money is US$ a year by source.

    Attributes
    ----------
    area_m2 : area of each unit, m2 (measured in the metric CRS)
    is_sha : True for a suspected (SHA), False for a confirmed (CHA) area
    method_mix : shares of cleared area by method (manual, dog, machine), shape (n, 3)
    farmland_ha : farmland released with each unit, ha
    casualties_per_year : expected casualties a year the unit causes while contaminated (averted on release)
    priority, consulted : ANAMA criteria flags (national priority; communities consulted)
    earliest_year : index of the first year work may start (ANAMA criterion "the area is secure")
    lon, lat : representative point of each unit, degrees (WGS84); NaN if unknown
    families : families planned to return to each group (0 for assets)
    value_usd : value of each group's project or asset, US$
    reconstruction_ready : ANAMA criterion "reconstruction planned, funded and ready", per group
    budget_state_usd, budget_foreign_usd : money for survey and clearance each year by source, US$
    team_days_capacity : team-days available each year (teams x working days)
    """

    unit_ids: tuple[str, ...]
    area_m2: np.ndarray
    is_sha: np.ndarray
    method_mix: np.ndarray
    farmland_ha: np.ndarray
    casualties_per_year: np.ndarray
    priority: np.ndarray
    consulted: np.ndarray
    earliest_year: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    group_ids: tuple[str, ...]
    group_kind: tuple[str, ...]
    families: np.ndarray
    value_usd: np.ndarray
    reconstruction_ready: np.ndarray
    blocker_ptr: np.ndarray
    blocker_idx: np.ndarray
    years: tuple[int, ...]
    budget_state_usd: np.ndarray
    budget_foreign_usd: np.ndarray
    team_days_capacity: np.ndarray
    settings: PlanSettings = dataclasses.field(default_factory=PlanSettings)
    source: str = "synthetic"
    simulated: bool = True

    # --- sizes and derived arrays ---------------------------------------------------------------------------

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @property
    def n_groups(self) -> int:
        return len(self.group_ids)

    @property
    def n_years(self) -> int:
        return len(self.years)

    @property
    def budget_usd(self) -> np.ndarray:
        """Money per year from all sources, US$."""
        return self.budget_state_usd + self.budget_foreign_usd

    def costs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Survey reduction share, cost (US$) and team-days of every unit under the problem's settings."""
        return unit_costs(self.area_m2, self.method_mix, self.is_sha, self.settings)

    def blockers(self, g: int) -> np.ndarray:
        """Indices of the units blocking group ``g``."""
        return self.blocker_idx[self.blocker_ptr[g] : self.blocker_ptr[g + 1]]

    def group_of_blocker(self) -> np.ndarray:
        """Group index of every entry of ``blocker_idx``."""
        return np.repeat(np.arange(self.n_groups), np.diff(self.blocker_ptr))

    def replace(self, **changes: Any) -> PlanningProblem:
        """A copy with ``changes`` (e.g. other settings or budgets)."""
        return dataclasses.replace(self, **changes)

    # --- checks ---------------------------------------------------------------------------------------------

    def validate(self) -> PlanningProblem:
        """Raise one PlanError naming what is contradictory or infeasible; return self when usable."""
        n, g, t = self.n_units, self.n_groups, self.n_years
        if t == 0:
            raise PlanError("the plan has no years; give --years 1 or more")
        for name in _UNIT_ARRAYS:
            if len(getattr(self, name)) != n:
                raise PlanError(
                    f"planning problem: {name} has {len(getattr(self, name))} entries for {n} areas"
                )
        for name in ("families", "value_usd", "reconstruction_ready"):
            if len(getattr(self, name)) != g:
                raise PlanError(
                    f"planning problem: {name} has {len(getattr(self, name))} entries for {g} groups"
                )
        for name in _YEAR_ARRAYS:
            values = getattr(self, name)
            if len(values) != t or np.any(~np.isfinite(values)) or np.any(values < 0):
                raise PlanError(
                    f"planning problem: {name} must hold {t} finite values >= 0, got {list(values)}"
                )
        if len(self.blocker_ptr) != g + 1 or (
            len(self.blocker_idx) and (self.blocker_idx.min() < 0 or self.blocker_idx.max() >= n)
        ):
            raise PlanError(
                "planning problem: a settlement or asset is blocked by an area that is not in the "
                "problem; add the area or remove it from the blocks list"
            )
        empty = np.flatnonzero(np.diff(self.blocker_ptr) == 0)
        if len(empty):
            raise PlanError(
                f"{self.group_ids[empty[0]]} is blocked by no hazardous area; drop it from the "
                "problem (it is already available)"
            )
        if np.any(~np.isfinite(self.area_m2)) or np.any(self.area_m2 <= 0):
            bad = int(np.flatnonzero(~(self.area_m2 > 0))[0])
            raise PlanError(
                f"{self.unit_ids[bad]}: area {self.area_m2[bad]} m2 is not positive; fix its polygon"
            )
        self._check_affordable()
        return self

    def _check_affordable(self) -> None:
        _, cost, days = self.costs()
        if self.n_units == 0:
            return
        money, teams = float(self.budget_usd.max()), float(self.team_days_capacity.max())
        if float(cost.min()) > money:
            raise PlanError(
                f"the largest yearly budget, US$ {money:,.0f}, is below the cheapest task "
                f"({self.unit_ids[int(cost.argmin())]}, US$ {cost.min():,.0f}); raise --budget-usd"
            )
        if float(days.min()) > teams:
            raise PlanError(
                f"the team capacity, {teams:,.0f} team-days a year, is below the smallest task "
                f"({days.min():,.0f} team-days); add teams"
            )

    # --- serialisation --------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole problem as plain JSON values (lists), for saving with a plan."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                out[f.name] = {
                    "dtype": value.dtype.str,
                    "shape": list(value.shape),
                    "data": [None if v != v else v for v in value.ravel().tolist()],
                }
            elif isinstance(value, PlanSettings):
                out[f.name] = value.to_dict()
            else:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanningProblem:
        """Rebuild a problem written by ``to_dict``."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = data[f.name]
            if isinstance(raw, dict) and "dtype" in raw:
                flat = np.array(
                    [np.nan if v is None else v for v in raw["data"]], dtype=np.dtype(raw["dtype"])
                )
                values[f.name] = flat.reshape(raw["shape"])
            elif f.name == "settings":
                values[f.name] = PlanSettings.from_dict(raw, source="saved plan settings")
            elif isinstance(raw, list):
                values[f.name] = tuple(raw)
            else:
                values[f.name] = raw
        return cls(**values)

    def content_hash(self) -> str:
        """SHA-256 of the problem's JSON form: the same inputs give the same hash."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
