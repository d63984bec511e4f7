"""The one parser of each field type: file text, Python objects and database values to canonical columns."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from mineaction.domain.fields import FIELD_DTYPES, empty_column, parse_values


@pytest.mark.parametrize("field_type", sorted(FIELD_DTYPES))
def test_every_type_parses_to_its_canonical_dtype(field_type: str) -> None:
    raw = {
        "str": [" Aghdam ", ""],
        "int": ["12", None],
        "float": ["12.5", ""],
        "bool": ["sí", None],
        "date": ["2022-05-01", None],
        "datetime": ["2022-05-01T10:00:00+04:00", None],
        "json": ['["HA-000001"]', None],
    }[field_type]
    parsed = parse_values(field_type, pd.Series(raw, dtype=object))
    assert parsed.values.dtype == FIELD_DTYPES[field_type]
    assert parsed.present.tolist() == [True, False] and not parsed.bad.any()
    assert empty_column(field_type, 3).dtype == FIELD_DTYPES[field_type]
    again = parse_values(field_type, parsed.values)  # parsing a parsed column changes nothing
    pd.testing.assert_series_equal(again.values, parsed.values)


def test_yes_and_no_in_the_languages_of_the_data() -> None:
    words = ["sí", "Si", "YES", "bəli", "да", "1", "no", "xeyr", "Нет", "0", "false", "maybe"]
    parsed = parse_values("bool", pd.Series(words))
    assert parsed.values.tolist()[:-1] == [True] * 6 + [False] * 5
    assert parsed.bad.tolist() == [False] * 11 + [True]


def test_database_values_read_like_file_text() -> None:
    """SQLite gives 1/0, PostgreSQL True/False, both ISO text for dates: the same values as a file."""
    assert parse_values("bool", np.array([1, 0, None], dtype=object)).values.tolist()[:2] == [True, False]
    assert parse_values("bool", np.array([True, None], dtype=object)).values.tolist()[0] is True
    ints = parse_values("int", np.array([2021, None], dtype=object))
    assert ints.values.dtype == "Int64" and ints.values.tolist()[0] == 2021
    days = parse_values("date", np.array(["2022-05-01", date(2022, 5, 2)], dtype=object))
    assert days.values.tolist() == [pd.Timestamp("2022-05-01"), pd.Timestamp("2022-05-02")]


def test_instants_keep_their_moment_in_utc_to_the_millisecond() -> None:
    parsed = parse_values(
        "datetime",
        pd.Series(["2023-01-02T03:04:05.678912+04:00", "2023-01-02T03:04:05", datetime(2023, 1, 2, 3, 4, 5)]),
    )
    assert str(parsed.values.dtype) == "datetime64[us, UTC]"
    assert parsed.values.tolist()[0] == pd.Timestamp("2023-01-01T23:04:05.678", tz="UTC")
    assert parsed.values.tolist()[1] == parsed.values.tolist()[2] == pd.Timestamp("2023-01-02T03:04:05Z")


@pytest.mark.parametrize(
    ("field_type", "value"),
    [
        ("int", "12.5"),
        ("int", "1e30"),
        ("float", "ten"),
        ("float", "1e400"),
        ("date", "01/02/2022"),
        ("date", "2021-13-01"),
        ("datetime", "yesterday"),
        ("json", "[1, 2"),
        ("bool", "perhaps"),
    ],
)
def test_unreadable_values_are_bad_and_missing(field_type: str, value: str) -> None:
    parsed = parse_values(field_type, pd.Series([value, None], dtype=object))
    assert parsed.bad.tolist() == [True, False] and parsed.values.isna().all()


def test_far_dates_are_read_as_written_never_as_another_date() -> None:
    parsed = parse_values("date", pd.Series(["0001-01-01", "-2021-01-01", "1754-08-30"]))
    assert parsed.values.dt.year.tolist() == [1, -2021, 1754] and not parsed.bad.any()
