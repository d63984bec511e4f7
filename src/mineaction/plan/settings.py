"""Planner settings: costs and productivity (FACTS.md), benefit weights and ANAMA criteria, each with help.

Every number the planner uses to turn hazardous areas into costs and benefits is a field here, with its unit
in the name or the help line, so a plan can state exactly what it assumed. Defaults follow FACTS.md ("Defaults
for simulation and planning"); change them with ``PlanSettings().replace(...)`` or a scenario file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mineaction.errors import ConfigError

__all__ = ["PlanSettings"]


def _s(default: Any, help: str) -> Any:
    if isinstance(default, (list, dict, tuple)):
        return field(default_factory=lambda: default, metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class PlanSettings:
    """Settings of the clearance planner; each field has a default and a help line (``describe()``)."""

    # --- productivity and cost (FACTS.md defaults) -------------------------------------------------------
    manual_m2_per_deminer_day: float = _s(25.0, "manual clearance, m2 per deminer per day (10 to 50)")
    deminers_per_team: float = _s(8.0, "deminers in one manual team (a team-day is one team working a day)")
    dog_m2_per_dog_day: float = _s(400.0, "mine detection dog, m2 per dog per day (200 to 600)")
    dogs_per_team: float = _s(2.0, "dogs in one dog team")
    machine_m2_per_day: float = _s(3000.0, "flail/tiller machine, m2 per machine per day (1,000 to 10,000)")
    survey_m2_per_team_day: float = _s(50_000.0, "non-technical and technical survey, m2 per team per day")
    working_days_per_year: float = _s(200.0, "working days a year (150 to 240)")
    cost_manual_usd_per_m2: float = _s(0.45, "cost of manual clearance, US$ per m2 cleared")
    cost_dog_usd_per_m2: float = _s(0.20, "cost of dog-assisted clearance, US$ per m2 cleared")
    cost_machine_usd_per_m2: float = _s(0.15, "cost of mechanical clearance, US$ per m2 cleared")
    cost_survey_usd_per_m2: float = _s(0.02, "cost of survey, US$ per m2 surveyed (every m2 is surveyed)")
    survey_reduction: float = _s(
        0.40, "share of a suspected area cancelled or reduced by survey (30 to 60 %)"
    )
    cha_survey_reduction: float = _s(0.10, "share of a confirmed area reduced by technical survey")
    survey_first: bool = _s(False, "survey every suspected area before clearance (policy); false: as now")
    survey_coverage_now: float = _s(
        0.5, "share of suspected areas surveyed before clearance under today's practice"
    )
    method_mix: dict = _s(
        {"AP": [0.5, 0.2, 0.3], "AT": [0.2, 0.2, 0.6], "UXO": [0.3, 0.1, 0.6], "mixed": [0.4, 0.2, 0.4]},
        "share of cleared area by method [manual, dog, machine] for each contamination (AP, AT, UXO, mixed)",
    )
    farmland_share: float = _s(0.55, "share of released land that is farmland (2023: agriculture 55 %)")
    # --- benefits and ANAMA operation criteria --------------------------------------------------------------
    weight_family: float = _s(1.0, "benefit points per family able to return, per year")
    weight_asset_per_musd: float = _s(1.0, "benefit points per US$ 1 M of infrastructure unblocked, per year")
    weight_asset_min: float = _s(
        5.0, "benefit points per infrastructure project unblocked with no value, per year"
    )
    weight_farmland_ha: float = _s(0.02, "benefit points per ha of farmland released, per year")
    weight_casualty: float = _s(
        50.0, "benefit points per expected casualty averted (a casualty a year = 50 pts)"
    )
    bonus_national_priority: float = _s(0.25, "ANAMA criterion 'national priority': benefit multiplier bonus")
    bonus_community_consulted: float = _s(0.10, "ANAMA criterion 'communities consulted': benefit bonus")
    bonus_reconstruction_ready: float = _s(0.25, "ANAMA criterion 'reconstruction planned and ready': bonus")
    require_secure: bool = _s(
        True, "ANAMA criterion 'area is secure': insecure areas wait for their earliest year"
    )
    discount_rate: float = _s(0.05, "discount rate a year; earlier benefits are worth more")
    # --- money and people ---------------------------------------------------------------------------------
    foreign_share_now: float = _s(0.06, "foreign share of mine action funding today (5 to 6 %)")
    foreign_share_world_norm: float = _s(0.78, "foreign share in the world norm (78 to 91 % international)")
    casualties_smoothing: float = _s(
        0.5, "pseudo-accidents spread by area when rates come from past accidents"
    )
    accident_buffer_m: float = _s(250.0, "an accident this close to a hazardous area counts for it, m")

    def replace(self, **changes: Any) -> PlanSettings:
        """A copy with ``changes``; unknown names raise ConfigError listing the known ones."""
        unknown = sorted(set(changes) - set(self.describe()))
        if unknown:
            raise ConfigError(f"unknown planner settings {unknown}; known: {sorted(self.describe())}")
        return dataclasses.replace(self, **changes)

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Help line of every setting, by name."""
        return {f.name: f.metadata["help"] for f in dataclasses.fields(cls)}

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "settings") -> PlanSettings:
        """Settings from a mapping (as written by ``to_dict`` or a scenario file), checked and coerced."""
        base = cls()
        checked: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in cls.describe():
                raise ConfigError(
                    f"{source}: unknown planner setting {name!r}; use one of "
                    f"{', '.join(sorted(cls.describe()))}"
                )
            checked[name] = _coerce(name, raw, getattr(base, name), source)
        return base.replace(**checked)

    def team_m2_per_day(self) -> tuple[float, float, float]:
        """Area one team clears in a day by method (manual, dog, machine), m2."""
        return (
            self.manual_m2_per_deminer_day * self.deminers_per_team,
            self.dog_m2_per_dog_day * self.dogs_per_team,
            self.machine_m2_per_day,
        )

    def mix_for(self, contamination: str | None) -> tuple[float, float, float]:
        """Method shares (manual, dog, machine) for a contamination code; unknown codes use 'mixed'."""
        mix = self.method_mix.get(str(contamination), self.method_mix.get("mixed", [1 / 3] * 3))
        return (float(mix[0]), float(mix[1]), float(mix[2]))


def _coerce(name: str, raw: Any, default: Any, source: str) -> Any:
    expected = type(default).__name__
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
    elif isinstance(default, dict):
        if isinstance(raw, dict):
            return {**default, **raw}
    elif isinstance(default, (int, float)) and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw < 0:
            raise ConfigError(f"{source}: {name}: {raw} is negative; give a value >= 0")
        return type(default)(raw)
    raise ConfigError(f"{source}: {name}: {raw!r} is not a {expected}; write e.g. {name}: {default!r}")
