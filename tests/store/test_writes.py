"""Source references on every back end: a later report from the same source updates its record."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from mineaction.errors import InputError, ValidationError

WHO = {"author": "tester", "reason": "source reference test"}


def _finds(
    refs: list[str | None], *, source: str = "Operator ABC", condition: str = "armed"
) -> gpd.GeoDataFrame:
    n = len(refs)
    return gpd.GeoDataFrame(
        {
            "source": [source] * n,
            "source_ref": refs,
            "category": ["AP"] * n,
            "found_on": ["2022-05-01"] * n,
            "condition": [condition] * n,
        },
        geometry=shapely.points([46.5] * n, [40.0] * n),  # the same content on every row
        crs="EPSG:4326",
    )


def test_a_reference_names_one_record_of_its_source(store) -> None:
    first = store.write("finds", _finds(["OP-ABC-17", "OP-ABC-18"]), **WHO)
    assert first.inserted == ("EO-000001", "EO-000002")  # same content, own references: two finds
    again = store.write("finds", _finds(["OP-ABC-18", "OP-ABC-17"]), **WHO)
    assert again.changed == 0 and again.unchanged == 2
    changed = _finds(["OP-ABC-18"], condition="damaged")
    assert store.write("finds", changed, **WHO).updated == ("EO-000002",)
    assert store.history("finds", "EO-000002")["condition"].tolist() == ["armed", "damaged"]
    other_source = store.write("finds", _finds(["OP-ABC-17"], source="Operator XYZ"), **WHO)
    assert other_source.inserted == ("EO-000003",)  # references are unique per source only
    assert store.counts()["finds"] == 3


def test_a_reference_given_to_a_known_record_is_an_update(store) -> None:
    store.write("finds", _finds([None]), **WHO)
    frame = store.read("finds")
    frame["source_ref"] = "OP-ABC-17"
    assert store.write("finds", frame, **WHO).updated == ("EO-000001",)
    assert store.get("finds", "EO-000001")["source_ref"] == "OP-ABC-17"
    later = _finds(["OP-ABC-17"], condition="unknown")
    assert store.write("finds", later, **WHO).updated == ("EO-000001",)


def test_conflicting_ids_and_references_write_nothing(store) -> None:
    store.write("finds", _finds(["OP-ABC-17", "OP-ABC-18"]), **WHO)
    clash = _finds(["OP-ABC-17"], condition="damaged")
    clash["id"] = "EO-000002"  # our id of one record, their reference of another
    with pytest.raises(InputError, match=r"source_ref 'OP-ABC-17'.*belongs to EO-000001.*EO-000002"):
        store.write("finds", clash, **WHO)
    twice = _finds(["OP-ABC-19", "OP-ABC-19"])
    with pytest.raises(ValidationError, match="source_ref already used .* on row 1"):
        store.write("finds", twice, **WHO)
    assert store.counts()["finds"] == 2 and len(store.history("finds")) == 2
