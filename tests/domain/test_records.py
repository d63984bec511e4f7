"""Single typed records are validated by the same rules as imported rows."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import Point

from mineaction.domain.records import Record
from mineaction.errors import ValidationError


def test_a_valid_find_is_normalised_to_vocabulary_codes() -> None:
    record = Record.create(
        "finds",
        category="anti-personnel mine",
        model="PMN-2",
        found_on="2022-08-01",
        geometry=Point(46.55, 39.64),
        today=date(2024, 1, 1),
    )
    assert record["category"] == "AP"
    assert record.kind == "finds"
    frame = record.to_frame()
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].equals(Point(46.55, 39.64))


def test_an_unknown_field_names_the_fields_there_are() -> None:
    with pytest.raises(ValidationError, match="unknown field.*colour"):
        Record.create("finds", colour="red", category="AP", found_on="2022-08-01", geometry=Point(46.5, 39.6))


def test_a_find_made_after_it_was_found_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="manufacture_year"):
        Record.create(
            "finds",
            category="AP",
            found_on="2020-05-01",
            manufacture_year=2021,
            geometry=Point(46.5, 39.6),
            today=date(2024, 1, 1),
        )


def test_swapped_coordinates_are_refused_with_a_hint() -> None:
    with pytest.raises(ValidationError, match="(?i)swap|lon/lat|order"):
        Record.create(
            "accidents",
            occurred_on="2023-03-01",
            geometry=Point(39.64, 46.55),
            aoi=(44.5, 38.3, 50.9, 41.95),
            today=date(2024, 1, 1),
        )


def test_a_victim_needs_no_geometry_and_checks_age() -> None:
    with pytest.raises(ValidationError, match="age"):
        Record.create("victims", accident="AC-000001", outcome="killed", age=230)
    ok = Record.create("victims", accident="AC-000001", outcome="injured", age=12, sex="F")
    assert ok["sex"] == "female"
