"""Settings of the mine-laying pattern model: detection, priors, grids and release thresholds, each with help.

Every number the pattern model assumes is a field here, with its unit in the name or the help line, so a
result can state what it assumed. Detection probabilities are the share of the mines in a piece of land that
one pass of an activity finds; they should come from the operators' quality-assurance figures (the defaults
are those of the simulated twin: clearance 95 %, battle area clearance 60 % of mines, technical survey 15 %).
Change them with ``PatternSettings().replace(...)``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mineaction.errors import ConfigError

__all__ = ["PatternSettings"]


def _s(default: Any, help: str) -> Any:
    if isinstance(default, (list, dict, tuple)):
        return field(default_factory=lambda: default, metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class PatternSettings:
    """Settings of the pattern model; each field has a default and a help line (``describe()``)."""

    # --- detection -----------------------------------------------------------------------------------------
    detection: dict = _s(
        {"clearance": 0.95, "BAC": 0.6, "TS": 0.15, "EOD": 0.0, "QA": 0.0, "NTS": 0.0},
        "probability that one pass of an activity kind finds a mine in the land it worked (0-1)",
    )
    # --- fitting rows --------------------------------------------------------------------------------------
    link_m: float = _s(
        30.0,
        "finds closer than this belong to one group (one candidate minefield), m; widened up to 3 times "
        "where finds are sparse (2.5 x the median distance between neighbouring finds)",
    )
    pair_m: float = _s(60.0, "pairs of finds up to this far apart vote for the direction of rows, m")
    min_row_finds: int = _s(4, "fewest finds that make a row (fewer make a cluster)")
    max_row_sd_m: float = _s(5.0, "finds spread wider than this across a row form a cluster instead, m")
    max_cluster_sd_m: float = _s(
        20.0, "finds off rows spread wider than this (sd) count as scattered mines, not a cluster, m"
    )
    angle_prior_sd_deg: float = _s(
        15.0, "spread of the record's row direction as a prior for the finds' direction, degrees"
    )
    spacing_range_m: tuple[float, float] = _s((2.0, 40.0), "range of mine spacing along a row searched, m")
    record_search_m: float = _s(
        500.0, "finds farther than this from a record's rows are not matched to it, m"
    )
    # --- priors of the residual model ------------------------------------------------------------------
    fill_prior: float = _s(0.9, "prior share of a row's positions that hold a mine (0-1)")
    extension_mean_m: float = _s(
        30.0, "without a record, how far a row is expected to continue beyond its last find, m (mean)"
    )
    max_extension_m: float = _s(400.0, "farthest a row is followed beyond its last find, m")
    record_extent_weight: float = _s(
        0.6, "weight of the record's row end (after alignment) against the no-record prior (0-1)"
    )
    record_row_prior: float = _s(
        0.5, "prior probability that an untested record row holds mines where it is drawn (0-1)"
    )
    aligned_row_prior: float = _s(
        0.7, "prior probability that a record row holds mines once other rows of the record are found (0-1)"
    )
    new_row_prior: float = _s(
        0.15, "prior probability of one more row parallel to the outermost row found, on each side (0-1)"
    )
    default_row_gap_m: float = _s(15.0, "distance between rows assumed when only one row is found, m")
    background_per_ha: float = _s(0.2, "prior density of scattered mines, per ha (0.1 AP + 0.1 AT)")
    background_weight_ha: float = _s(2.0, "strength of the scattered-mine prior, as ha of land worked")
    # --- grids ----------------------------------------------------------------------------------------------
    cell_m: float = _s(10.0, "side of the cells of the clearance order, m")
    map_cell_m: float = _s(5.0, "side of the cells of the residual map, m")
    coverage_cell_m: float = _s(2.0, "resolution at which worked land is held, m")
    context_m: float = _s(100.0, "finds and worked land this far around an area inform its pattern, m")
    neighbour_m: float = _s(
        10.0, "finds on no traced row make the land this close worth working next (mines have neighbours), m"
    )
    search_lane_spacing_m: float = _s(
        50.0, "before any find, lanes this far apart are worked first (in two directions), m"
    )
    # --- residual estimate and release check -------------------------------------------------------------
    interval: float = _s(0.9, "width of the interval of residual mines (0.9: 5th to 95th percentile)")
    draws: int = _s(2000, "random draws used for the interval")
    flag_expected_mines: float = _s(
        1.0, "an area proposed for release is flagged when it is expected to hold at least this many mines"
    )
    random_state: int = _s(0, "seed of the random draws (results are reproducible)")

    def __post_init__(self) -> None:
        for name in ("fill_prior", "record_extent_weight", "record_row_prior", "aligned_row_prior"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"pattern setting {name}: {value} is not within 0 to 1")
        if not 0.0 < self.interval < 1.0:
            raise ConfigError(f"pattern setting interval: {self.interval} is not within 0 and 1 (e.g. 0.9)")
        bad = {k: v for k, v in self.detection.items() if not 0.0 <= float(v) <= 1.0}
        if bad:
            raise ConfigError(f"pattern setting detection: {bad} outside 0 to 1; give probabilities")
        for name in ("cell_m", "map_cell_m", "coverage_cell_m", "link_m", "pair_m"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"pattern setting {name}: {getattr(self, name)} must be positive (m)")

    def replace(self, **changes: Any) -> PatternSettings:
        """A copy with ``changes`` applied (validated)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown pattern settings {sorted(unknown)}; known: {sorted(self.describe())}")
        return dataclasses.replace(self, **changes)

    def detection_of(self, activity_kind: str | None) -> float:
        """Probability (0-1) that a pass of ``activity_kind`` finds a mine in the land it worked (0 when
        unknown)."""
        return float(self.detection.get(str(activity_kind), 0.0))

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Help line of every setting, by name."""
        return {f.name: f.metadata["help"] for f in dataclasses.fields(cls)}
