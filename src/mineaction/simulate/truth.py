"""Ground truth of the simulated region: minefields and every true device (mines and UXO), in UTM 38N (m).

- front-line belts on both sides of the former line of contact (1992-2020), 2-3 rows of AP and AT mines;
- defensive minefields in depth on the side held by Armenian forces, near settlements, roads and bridges;
- nuisance mining by retreating forces in late 2020 near roads, bridges, water sources and cemeteries, in
  small groups and scattered (``sample_nuisance``);
- a post-ceasefire cluster of 2021-made PMN-E AP mines laid in 2021-2022 in the Lachin/Kalbajar highlands;
- UXO from the 2020 fighting (``sample_uxo``), concentrated along the southern front and around settlements.

This is a SYNTHETIC landscape: no minefield here is, or looks like, a real mine location.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.simulate.landscape import CELL_M, Landscape, district_of
from mineaction.simulate.scales import METRIC_CRS, Scale, stream

__all__ = [
    "AP_MODELS",
    "AT_MODELS",
    "UXO_MODELS",
    "build_minefields",
    "lay_mines",
    "nuisance_field",
    "sample_nuisance",
    "sample_uxo",
    "uxo_field",
]

AP_MODELS = {"PMN-2": 0.5, "PMN": 0.2, "POMZ-2M": 0.15, "OZM-72": 0.1, "MON-50": 0.05}
AT_MODELS = {"TM-62M": 0.7, "TM-57": 0.3}
UXO_MODELS = {
    "122 mm rocket": ("UXO", 0.25),
    "152 mm shell": ("UXO", 0.2),
    "120 mm mortar bomb": ("UXO", 0.2),
    "RPG-7 grenade": ("UXO", 0.15),
    "hand grenade F-1": ("UXO", 0.1),
    "9N235 submunition": ("cluster", 0.1),
}

#: Minefields per kind at intensity 1 (belts per km of front line).
BELTS_PER_KM = 4.0
DEFENSIVE = 700
NUISANCE = 3000
PMNE_DEVICES = 2700


def _choice(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(table), dtype=object)
    p = np.array(list(table.values()), float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _days(rng: np.random.Generator, n: int, start: str, end: str) -> np.ndarray:
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    return lo + rng.integers(0, int((hi - lo).astype(int)) + 1, n).astype("timedelta64[D]")


def _belts(land: Landscape, n: int, rng: np.random.Generator) -> pd.DataFrame:
    line = land.front_line
    pos = rng.uniform(0, line.length, n)
    side = rng.choice([land.armenian_side, -land.armenian_side], size=n, p=[0.7, 0.3])
    depth = rng.uniform(150, 2500, n) * side
    here = shapely.get_coordinates(shapely.line_interpolate_point(line, pos))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(line, np.minimum(pos + 50, line.length)))
    back = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(pos - 50, 0)))
    tangent = ahead - back
    angle = np.arctan2(tangent[:, 1], tangent[:, 0])
    normal = np.column_stack([-np.sin(angle), np.cos(angle)])
    centre = here + normal * depth[:, None]
    return pd.DataFrame(
        {
            "kind": "belt",
            "cx": centre[:, 0],
            "cy": centre[:, 1],
            "angle": angle + rng.normal(0, 0.05, n),
            "length": rng.uniform(100, 400, n),
            "n_rows": rng.integers(2, 4, n),
            "row_spacing": rng.uniform(10, 25, n),
            "at_share": rng.uniform(0.4, 1.0, n),
            "jitter": 0.7,
            "laid_on": np.where(
                rng.uniform(size=n) < 0.75,
                _days(rng, n, "1992-06-01", "1994-05-12"),
                _days(rng, n, "1994-05-13", "2020-09-26"),
            ),
        }
    )


def _anchors(land: Landscape, kinds: tuple[str, ...], rng: np.random.Generator, n: int) -> np.ndarray:
    assets = land.assets.loc[land.assets["asset_kind"].isin(kinds)]
    geoms = assets.geometry.to_numpy()
    pick = geoms[rng.integers(0, len(geoms), 4 * n)]
    is_line = shapely.get_type_id(pick) == 1
    pts = shapely.get_coordinates(shapely.centroid(pick))
    if is_line.any():
        frac = rng.uniform(0, 1, int(is_line.sum()))
        pts[is_line] = shapely.get_coordinates(
            shapely.line_interpolate_point(pick[is_line], frac, normalized=True)
        )
    held = land.front_side(pts[:, 0], pts[:, 1]) == land.armenian_side
    inside = shapely.contains_xy(land.region, pts[:, 0], pts[:, 1])
    return pts[held & inside][:n]


def _group(
    land: Landscape,
    kind: str,
    n: int,
    rng: np.random.Generator,
    spread: tuple[float, float],
    kinds: tuple[str, ...],
) -> pd.DataFrame:
    pts = _anchors(land, kinds, rng, n)
    if len(pts) == 0:
        return pd.DataFrame()
    m = len(pts)
    ang = rng.uniform(0, 2 * np.pi, m)
    off = rng.uniform(*spread, m)
    nuisance = kind == "nuisance"
    return pd.DataFrame(
        {
            "kind": kind,
            "cx": pts[:, 0] + np.cos(ang) * off,
            "cy": pts[:, 1] + np.sin(ang) * off,
            "angle": rng.uniform(0, np.pi, m),
            "length": rng.uniform(15, 40, m) if nuisance else rng.uniform(100, 300, m),
            "n_rows": np.ones(m, int) if nuisance else rng.integers(1, 3, m),
            "row_spacing": rng.uniform(8, 15, m),
            "at_share": rng.uniform(0.1, 0.6, m),
            "jitter": 6.0 if nuisance else 0.7,
            "laid_on": _days(rng, m, "2020-10-01", "2020-11-30")
            if nuisance
            else _days(rng, m, "1994-01-01", "2019-12-31"),
        }
    )


def _post_ceasefire(land: Landscape, intensity: float, rng: np.random.Generator) -> pd.DataFrame:
    highland = land.districts.loc[land.districts["name"].isin(["Lachin", "Kalbajar"])]
    if highland.empty:
        return pd.DataFrame()
    geom = shapely.union_all(highland.geometry.to_numpy())
    minx, miny, maxx, maxy = geom.bounds
    cand = np.column_stack([rng.uniform(minx, maxx, 4000), rng.uniform(miny, maxy, 4000)])
    cand = cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]
    cand = cand[land.elevation(cand[:, 0], cand[:, 1]) > 1800][:8]
    m = len(cand)
    return pd.DataFrame(
        {
            "kind": "post_ceasefire",
            "cx": cand[:, 0],
            "cy": cand[:, 1],
            "angle": rng.uniform(0, np.pi, m),
            "length": rng.uniform(150, 350, m),
            "n_rows": rng.integers(2, 4, m),
            "row_spacing": 12.0,
            "at_share": 0.0,
            "jitter": 4.0,
            "laid_on": _days(rng, m, "2021-06-01", "2022-06-30"),
            "target": np.full(m, PMNE_DEVICES * intensity / max(m, 1)),
        }
    )


def _rectangles(mf: pd.DataFrame) -> np.ndarray:
    half_l = mf["length"].to_numpy() / 2 + 5
    half_w = (
        (mf["n_rows"].to_numpy() - 1) * mf["row_spacing"].to_numpy() / 2 + 5 + 2 * mf["jitter"].to_numpy()
    )
    a = mf["angle"].to_numpy()
    t = np.column_stack([np.cos(a), np.sin(a)])
    nrm = np.column_stack([-np.sin(a), np.cos(a)])
    c = mf[["cx", "cy"]].to_numpy()
    corners = [
        c + t * (su * half_l)[:, None] + nrm * (sv * half_w)[:, None]
        for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1))
    ]
    return shapely.polygons(np.stack(corners, axis=1))


def build_minefields(land: Landscape, scale: Scale, seed: int) -> gpd.GeoDataFrame:
    """True minefields (belts, defensive, nuisance, post-ceasefire) with their layout, UTM 38N.

    Columns: ``minefield`` (MF-...), ``kind``, ``side`` (armenian/azerbaijani), ``district``, ``cx, cy`` (m),
    ``angle`` (rad), ``length``, ``row_spacing`` (m), ``n_rows``, ``at_share``, ``jitter`` (m), ``laid_on``.
    """
    rng = stream(seed, "minefields")
    k = land.factor
    n_belts = int(round(BELTS_PER_KM * land.front_line.length / 1000 * scale.intensity))
    parts = [
        _belts(land, n_belts, rng),
        _group(land, "defensive", int(round(DEFENSIVE * k)), rng, (150, 700), ("settlement", "road")),
        _group(land, "nuisance", int(round(NUISANCE * k)), rng, (5, 60), ("road", "water", "cemetery")),
        _post_ceasefire(land, scale.intensity, rng),
    ]
    mf = pd.concat([p for p in parts if len(p)], ignore_index=True)
    mf = mf.loc[shapely.contains_xy(land.region, mf["cx"].to_numpy(), mf["cy"].to_numpy())].reset_index(
        drop=True
    )
    mf["minefield"] = [f"MF-{i + 1:06d}" for i in range(len(mf))]
    held = land.front_side(mf["cx"].to_numpy(), mf["cy"].to_numpy()) == land.armenian_side
    mf["side"] = np.where(held, "armenian", "azerbaijani")
    mf["district"] = district_of(land.districts, mf["cx"].to_numpy(), mf["cy"].to_numpy())
    return gpd.GeoDataFrame(mf, geometry=_rectangles(mf), crs=METRIC_CRS)


def _mine_rows(mf: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    idx = np.repeat(np.arange(len(mf)), mf["n_rows"].to_numpy())
    r = np.concatenate([np.arange(n) for n in mf["n_rows"].to_numpy()])
    rows = pd.DataFrame({"mf": idx, "row": r})
    rows["v"] = (r - (mf["n_rows"].to_numpy()[idx] - 1) / 2) * mf["row_spacing"].to_numpy()[idx]
    at = rng.uniform(size=len(rows)) < mf["at_share"].to_numpy()[idx] * np.where(r == 0, 1.0, 0.5)
    rows["category"] = np.where(at, "AT", "AP")
    rows["model"] = np.where(at, _choice(rng, AT_MODELS, len(rows)), _choice(rng, AP_MODELS, len(rows)))
    post = mf["kind"].to_numpy()[idx] == "post_ceasefire"
    at &= ~post
    rows["category"] = np.where(at, "AT", "AP")
    rows.loc[post, "model"] = "PMN-E"
    rows["spacing"] = np.where(at, rng.uniform(8, 12, len(rows)), rng.uniform(5, 8, len(rows)))
    length = mf["length"].to_numpy()[idx]
    if "target" in mf:
        target = mf["target"].to_numpy()[idx] / mf["n_rows"].to_numpy()[idx]
        rows["spacing"] = np.where(post, length / np.maximum(target, 1.0), rows["spacing"])
    rows["count"] = np.floor(length / rows["spacing"]).astype(int) + 1
    rows["year"] = np.where(post, 2021, rng.integers(1968, 1992, len(rows)))
    return rows


def lay_mines(minefields: gpd.GeoDataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every true mine of ``minefields`` and the mine rows, both in UTM 38N (m).

    Returns
    -------
    mines : DataFrame
        ``category, model, manufacture_year, laid_on (datetime64[D]), minefield, x, y, depth_cm``.
    rows : DataFrame
        One line per mine row: ``minefield, x0, y0, x1, y1, category, model, count, spacing_m``.
    """
    rng = stream(seed, "mines")
    rows = _mine_rows(minefields, rng)
    mi = np.repeat(np.arange(len(rows)), rows["count"].to_numpy())
    k = np.concatenate([np.arange(c) for c in rows["count"].to_numpy()]) if len(rows) else np.zeros(0, int)
    f = rows["mf"].to_numpy()[mi]
    a = minefields["angle"].to_numpy()[f]
    u = -minefields["length"].to_numpy()[f] / 2 + k * rows["spacing"].to_numpy()[mi]
    v = rows["v"].to_numpy()[mi]
    jit = minefields["jitter"].to_numpy()[f][:, None] * rng.normal(size=(len(mi), 2))
    x = minefields["cx"].to_numpy()[f] + u * np.cos(a) - v * np.sin(a) + jit[:, 0]
    y = minefields["cy"].to_numpy()[f] + u * np.sin(a) + v * np.cos(a) + jit[:, 1]
    cat = rows["category"].to_numpy()[mi]
    mines = pd.DataFrame(
        {
            "category": cat,
            "model": rows["model"].to_numpy()[mi],
            "manufacture_year": rows["year"].to_numpy()[mi],
            "laid_on": minefields["laid_on"].to_numpy()[f].astype("datetime64[D]"),
            "minefield": minefields["minefield"].to_numpy()[f],
            "x": x,
            "y": y,
            "depth_cm": np.round(
                np.where(cat == "AT", rng.uniform(8, 25, len(mi)), rng.uniform(1, 10, len(mi))), 1
            ),
        }
    )
    half = minefields["length"].to_numpy()[rows["mf"]] / 2
    ang = minefields["angle"].to_numpy()[rows["mf"]]
    cx, cy = minefields["cx"].to_numpy()[rows["mf"]], minefields["cy"].to_numpy()[rows["mf"]]
    vv = rows["v"].to_numpy()
    row_table = pd.DataFrame(
        {
            "minefield": minefields["minefield"].to_numpy()[rows["mf"]],
            "x0": cx - half * np.cos(ang) - vv * np.sin(ang),
            "y0": cy - half * np.sin(ang) + vv * np.cos(ang),
            "x1": cx + half * np.cos(ang) - vv * np.sin(ang),
            "y1": cy + half * np.sin(ang) + vv * np.cos(ang),
            "category": rows["category"].to_numpy(),
            "model": rows["model"].to_numpy(),
            "count": rows["count"].to_numpy(),
            "spacing_m": rows["spacing"].to_numpy(),
        }
    )
    return mines, row_table


def uxo_field(land: Landscape) -> pd.DataFrame:
    """Relative UXO density of the 2020 fighting on the landscape's cells: ``x, y`` (cell centre, m),
    ``weight`` (sums to 1), ``cell_m``; highest along the southern front and around settlements."""
    c = land.cells()
    south = np.where(c["y"] < np.quantile(c["y"], 0.6), 1.0, 0.35)
    weight = south * (np.exp(-c["d_front"] / 6000.0) + 0.5 * np.exp(-c["d_settle"] / 2000.0) + 0.03)
    return pd.DataFrame({"x": c["x"], "y": c["y"], "weight": weight / weight.sum(), "cell_m": CELL_M})


def nuisance_field(land: Landscape) -> pd.DataFrame:
    """Relative density of scattered nuisance mines (late 2020) on the landscape's cells: ``x, y`` (m),
    ``weight`` (sums to 1), ``cell_m``: near roads, springs and cemeteries on the side held by Armenian
    forces."""
    c = land.cells()
    weight = np.exp(-c["d_road"] / 150.0) + np.exp(-c["d_water"] / 200.0) + np.exp(-c["d_cemetery"] / 200.0)
    weight = weight.to_numpy() * c["held"].to_numpy()
    return pd.DataFrame(
        {"x": c["x"], "y": c["y"], "weight": weight / max(weight.sum(), 1e-12), "cell_m": CELL_M}
    )


def sample_nuisance(field: pd.DataFrame, expected: np.ndarray, seed: int) -> pd.DataFrame:
    """Scattered nuisance mines (AP 75 %, AT 25 %) laid 1 Oct to 30 Nov 2020: a Poisson count per cell with
    the ``expected`` counts, placed uniformly; columns of :func:`lay_mines`'s mines (no minefield)."""
    rng = stream(seed, "nuisance")
    cell = np.repeat(np.arange(len(field)), rng.poisson(expected))
    n = len(cell)
    half = field["cell_m"].to_numpy()[cell] / 2
    at = rng.uniform(size=n) < 0.25
    return pd.DataFrame(
        {
            "category": np.where(at, "AT", "AP"),
            "model": np.where(at, _choice(rng, AT_MODELS, n), _choice(rng, AP_MODELS, n)),
            "manufacture_year": rng.integers(1968, 1992, n),
            "laid_on": _days(rng, n, "2020-10-01", "2020-11-30"),
            "minefield": None,
            "x": field["x"].to_numpy()[cell] + rng.uniform(-1, 1, n) * half,
            "y": field["y"].to_numpy()[cell] + rng.uniform(-1, 1, n) * half,
            "depth_cm": np.round(np.where(at, rng.uniform(8, 25, n), rng.uniform(1, 10, n)), 1),
        }
    )


def sample_uxo(field: pd.DataFrame, expected: np.ndarray, seed: int) -> pd.DataFrame:
    """UXO of the 2020 war: a Poisson count per cell with the given ``expected`` counts, placed uniformly.

    Returns the columns of :func:`lay_mines`'s mines (``minefield`` is empty; laid 27 Sep to 10 Nov 2020).
    """
    rng = stream(seed, "uxo")
    counts = rng.poisson(expected)
    cell = np.repeat(np.arange(len(field)), counts)
    half = field["cell_m"].to_numpy()[cell] / 2
    n = len(cell)
    models = np.array(list(UXO_MODELS), dtype=object)
    p = np.array([w for _, w in UXO_MODELS.values()])
    model = models[rng.choice(len(models), n, p=p / p.sum())]
    lookup = {m: c for m, (c, _) in UXO_MODELS.items()}
    category = np.array([lookup[m] for m in model], dtype=object)
    return pd.DataFrame(
        {
            "category": category,
            "model": model,
            "manufacture_year": rng.integers(1975, 2020, n),
            "laid_on": _days(rng, n, "2020-09-27", "2020-11-10"),
            "minefield": None,
            "x": field["x"].to_numpy()[cell] + rng.uniform(-1, 1, n) * half,
            "y": field["y"].to_numpy()[cell] + rng.uniform(-1, 1, n) * half,
            "depth_cm": np.round(rng.uniform(0, 60, n), 1),
        }
    )
