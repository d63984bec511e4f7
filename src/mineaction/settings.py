"""The one typed settings object, loaded at the edge (command line, server) and passed explicitly.

Every setting has a default and a help line (``Settings.describe()``). ``load_settings`` reads a YAML file
and then ``MINEACTION_*`` environment variables (``MINEACTION_POSITIONAL_TOLERANCE_M=50``); nothing here is
read at import time.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from mineaction.errors import ConfigError

__all__ = ["Settings", "load_settings", "settings_table"]


def _setting(default: Any, help: str) -> Any:
    if isinstance(default, (list, dict, tuple)):
        return field(default_factory=lambda: default, metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Settings of mineaction; each field has a default and a help line."""

    aoi: tuple[float, float, float, float] = _setting(
        (44.5, 38.3, 50.9, 41.95),
        "area of interest [west, south, east, north] in degrees (WGS84); default: Azerbaijan",
    )
    metric_crs: str = _setting("EPSG:32638", "metric CRS for areas and distances (UTM 38N for Azerbaijan)")
    positional_tolerance_m: float = _setting(25.0, "distance within which a find confirms a record, m")
    completeness_band: tuple[float, float] = _setting(
        (0.5, 1.5), "found/claimed ratio band within which a record counts as complete"
    )
    ceasefire: date = _setting(
        date(2020, 11, 10), "end of the last conflict period (new-contamination cut-off)"
    )
    processed_share_min: float = _setting(
        0.9,
        "share (0-1) of a minefield record's perimeter covered by ended survey or clearance from which the "
        "record counts as fully processed",
    )
    alert_eps_m: float = _setting(500.0, "new-contamination alerts: cluster radius (DBSCAN eps), m")
    alert_min_finds: int = _setting(5, "new-contamination alerts: fewest flagged finds that make an alert")
    alert_high_min: int = _setting(
        20, "new-contamination alerts: post-conflict finds that make an alert high"
    )
    alert_released_min: float = _setting(
        0.9, "share (0-1) of an activity's polygon released from which its land counts as released"
    )
    risk_cell_m: float = _setting(100.0, "risk model: side of a grid cell, m (25 to 1000)")
    report_risk_cell_m: float = _setting(250.0, "risk model: side of a grid cell in the report and demo, m")
    risk_reach_m: float = _setting(
        10_000.0,
        "risk model: cells farther than this from any find, accident, record, activity or hazardous area are "
        "not scored, m",
    )
    risk_memory_mb: float = _setting(
        4096.0,
        "risk model: memory one process may use for a grid, MB (larger grids go block by block on Dask, or "
        "to coarser cells in the report)",
    )
    risk_background_gap_m: float = _setting(
        2000.0,
        "risk model, stores without survey or clearance results: background cells (labelled 0) lie at least "
        "this far from every find and accident, m",
    )
    risk_background_ratio: float = _setting(
        3.0,
        "risk model, stores without survey or clearance results: background cells per event cell (0: none)",
    )
    risk_block_m: float = _setting(5000.0, "risk model: side of the blocks held out in spatial validation, m")
    risk_cutoff_share: float = _setting(
        0.3,
        "risk model: default cut-off date when this share (0-1) of the dated finds and accidents happened",
    )
    candidate_top_share_pct: float = _setting(
        5.0, "survey candidates: high risk is the top share of the area ranked by risk, %"
    )
    candidate_min_cells: int = _setting(3, "survey candidates: smallest candidate area, cells")
    random_state: int = _setting(
        0, "seed of every random choice (models, folds, solver), for repeatable runs"
    )
    plan_years: int = _setting(10, "planner: years to plan")
    plan_time_limit_s: float = _setting(60.0, "planner: hard time limit of each solve, s")
    plan_mip_gap: float = _setting(0.01, "planner: relative optimality gap to reach (0-1)")
    pattern_detection_clearance: float = _setting(
        0.95, "patterns: probability (0-1) that clearance finds a mine in the land it worked"
    )
    pattern_detection_bac: float = _setting(
        0.6, "patterns: probability (0-1) that battle area clearance finds a mine in the land it worked"
    )
    pattern_detection_ts: float = _setting(
        0.15, "patterns: probability (0-1) that technical survey finds a mine in the land it worked"
    )
    pattern_flag_mines: float = _setting(
        1.0, "patterns: an area proposed for release is flagged when its evidence points to this many mines"
    )
    pattern_cell_m: float = _setting(10.0, "patterns: side of the cells of the clearance order, m")
    pattern_map_cell_m: float = _setting(5.0, "patterns: side of the cells of the residual-mine map, m")
    max_manual_m2_per_deminer_day: float = _setting(
        100.0, "manual clearance productivity above this is implausible, m2 per deminer-day (norm 25)"
    )
    max_edge_m: float = _setting(5000.0, "polygon edges longer than this are flagged as suspicious, m")
    author: str = _setting("mineaction", "name written as the author of changes made from this session")
    server_default_limit: int = _setting(10, "features an items page returns when the client gives no limit")
    server_max_limit: int = _setting(
        10_000, "most features one items page returns (larger limits are clamped)"
    )
    server_max_body_bytes: int = _setting(
        10_000_000, "largest request body the server accepts, bytes (larger bodies get 413)"
    )
    server_writes_per_minute: int = _setting(
        120,
        "writes (creates, replaces, updates, deletes, jobs) a caller may make in a minute; 0 for no limit",
    )
    server_pool_size: int = _setting(8, "database connections each server process keeps at most")
    server_workers: int = _setting(1, "server processes (PostGIS stores only; a GeoPackage is served by one)")
    password_min_length: int = _setting(12, "shortest password accepted for an account, characters")
    token_days: int = _setting(90, "days an API token stays valid unless another expiry is asked for")
    session_idle_minutes: float = _setting(30.0, "a browser session ends after this long without use, min")
    session_hours: float = _setting(12.0, "a browser session ends this long after login whatever its use, h")
    login_max_failures: int = _setting(5, "failed logins (per account or address) before a lock-out")
    login_lockout_minutes: float = _setting(
        15.0, "first lock-out after too many failed logins, min (doubles with each further lock-out)"
    )
    token_audit_minutes: float = _setting(
        60.0, "a token's use is written to the audit log at most once in this many minutes (0: every use)"
    )
    eore_lead_days: int = _setting(
        365, "risk education counts for a return when delivered at most this many days before it"
    )
    eore_radius_m: float = _setting(
        2000.0, "a risk education record with only a point belongs to the settlement within this distance, m"
    )
    community_radius_m: float = _setting(
        5000.0, "an accident's community is the settlement nearest its point within this distance, m"
    )

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Help line of every setting, by name."""
        return {f.name: f.metadata["help"] for f in dataclasses.fields(cls)}


def _coerce(name: str, raw: Any, default: Any) -> Any:
    try:
        if isinstance(default, tuple):
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            return tuple(float(x) for x in items)
        if isinstance(default, date):
            return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        if isinstance(default, float):
            return float(raw)
        return type(default)(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"setting {name}: {raw!r} is not a valid {type(default).__name__} ({exc})"
        ) from None


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults, then a YAML file (if given), then ``MINEACTION_<NAME>`` variables."""
    defaults = Settings()
    values: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(
                f"{path}: cannot read settings ({exc}); give a YAML mapping of setting: value"
            ) from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: settings must be a YAML mapping of setting: value")
        values.update(loaded)
    env = os.environ if environ is None else environ
    for f in dataclasses.fields(Settings):
        key = f"MINEACTION_{f.name.upper()}"
        if key in env:
            values[f.name] = env[key]
    unknown = set(values) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        raise ConfigError(f"unknown settings {sorted(unknown)}; known: {sorted(Settings.describe())}")
    return defaults.replace(**{k: _coerce(k, v, getattr(defaults, k)) for k, v in values.items()})


def settings_table() -> str:
    """Every setting with its default and help line, as the Markdown table of ``docs/settings.md``."""
    rows = ["| setting | default | what it is |", "|---|---|---|"]
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        value = getattr(defaults, f.name)
        shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else value
        rows.append(f"| `{f.name}` | `{shown}` | {f.metadata['help']} |")
    return "\n".join(rows) + "\n"
