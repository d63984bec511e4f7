"""Content keys: stable, sensitive to what a record says, blind to where and when it arrived."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from mineaction.domain.schema import entity
from mineaction.store.codec import encode_frame
from mineaction.store.keys import content_keys


def _find(**changes: object) -> gpd.GeoDataFrame:
    values = {
        "category": "AP",
        "model": "PMN-2",
        "manufacture_year": 1985,
        "found_on": "2022-05-01",
        "depth_cm": 5.5,
        "source": "ANAMA (simulated)",
    }
    values.update(changes)
    geometry = values.pop("geometry", Point(46.5, 39.5))
    return gpd.GeoDataFrame({k: [v] for k, v in values.items()}, geometry=[geometry], crs=4326)


def _key(frame: pd.DataFrame) -> str:
    return encode_frame(entity("finds"), frame).content_keys[0]


def test_content_key_is_pinned() -> None:
    # A change of this value means stored content keys no longer match: re-imports would duplicate records.
    assert _key(_find()) == _key(_find())
    assert len(_key(_find())) == 32
    fields = [entity("operators").field("name"), entity("operators").field("teams")]
    # BLAKE2b-128 of "ANAMA<US>12" and "<missing><US>3", computed by hand
    assert content_keys(fields, [["ANAMA", None], [12, 3]], None, 2) == [
        hashlib.blake2b(b"ANAMA\x1f12", digest_size=16).hexdigest(),
        "b8bd6d5b6b61ae750086405b85d10a78",
    ]


def test_content_key_ignores_arrival_fields_but_not_content() -> None:
    base = _key(_find())
    assert _key(_find(id="EO-000009", recorded_at="2024-01-01", source_doc="other.csv")) == base
    assert _key(_find(found_on=pd.Timestamp("2022-05-01"))) == base  # same date, other type
    assert _key(_find(manufacture_year=1985.0, depth_cm="5.5")) == base  # same numbers, other types
    for change in (
        {"model": "PMN-4"},
        {"depth_cm": 5.6},
        {"manufacture_year": None},
        {"source": "MoD"},
        {"geometry": Point(46.5, 39.500001)},
        {"found_on": "2022-05-02"},
    ):
        assert _key(_find(**change)) != base, change


def test_missing_and_empty_text_are_the_same_but_differ_from_a_value() -> None:
    fields = [entity("operators").field("name"), entity("operators").field("operator_kind")]
    none_then_x, x_then_none = content_keys(fields, [[None, "x"], ["x", None]], None, 2)
    assert none_then_x != x_then_none
    assert _key(_find(model="")) == _key(_find(model=None))


def test_repeats_are_numbered_across_chunks_of_one_write() -> None:
    from mineaction.store.keys import RepeatNumbers

    a, b = "0" * 32, "f" * 32
    numbers = RepeatNumbers()
    first = numbers.number([a, b, a])
    second = numbers.number([a, b])
    assert first[0] == a and first[1] == b and first[2] not in (a, b)
    assert second[0] not in {a, first[2]} and second[1] not in (a, b)
    # the same write again numbers the same way
    fresh = RepeatNumbers()
    assert fresh.number([a, b, a]) + fresh.number([a, b]) == first + second
