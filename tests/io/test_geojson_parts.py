"""A GeoJSON FeatureCollection given to GDAL a part at a time: the same rows as the whole file, whatever the
layout and block boundaries; files that are not FeatureCollections left to GDAL whole; broken files refused
naming the feature."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from mineaction.errors import InputError
from mineaction.io import batches, geojson_parts
from mineaction.io.batches import read_batches
from mineaction.io.geojson_parts import feature_collection_parts

CRS_3857 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}


def _features(n: int) -> list[dict[str, object]]:
    return [
        {
            "type": "Feature",
            "properties": {
                "name": f"Füzuli – {i} «ə»",
                "depth_cm": i * 1.5,
                "note": "late" if i == n - 1 else None,
            },
            "geometry": {"type": "Point", "coordinates": [5_200_000.0 + i, 4_700_000.0 - i]},
        }
        for i in range(n)
    ]


def _write(path: Path, features: list[dict[str, object]], *, compact: bool, crs_last: bool = False) -> Path:
    head: dict[str, object] = {"type": "FeatureCollection", "name": "finds"}
    if not crs_last:
        head["crs"] = CRS_3857
    body = {**head, "features": features, **({"crs": CRS_3857} if crs_last else {})}
    text = (
        json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        if compact
        else json.dumps(body, indent=1, ensure_ascii=False)
    )
    path.write_text(text, encoding="utf-8")
    return path


def _read_parts(path: Path, features: int) -> pd.DataFrame:
    parts = feature_collection_parts(path, features=features)
    assert parts is not None
    frames = []
    for part in parts:
        frame = pyogrio.read_dataframe(io.BytesIO(part))
        assert frame.crs.to_epsg() == 3857  # the file's own opening, CRS included, opens every part
        assert len(frame) <= features
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("compact", [True, False])
def test_parts_hold_the_rows_of_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compact: bool
) -> None:
    monkeypatch.setattr(geojson_parts, "_BLOCK", 97)  # features and multi-byte letters across block ends
    path = _write(tmp_path / "finds.geojson", _features(23), compact=compact)
    whole = pyogrio.read_dataframe(path)
    parts = _read_parts(path, features=5)
    assert len(parts) == 23
    assert parts["name"].tolist() == whole["name"].tolist()
    assert parts["depth_cm"].tolist() == whole["depth_cm"].tolist()
    assert parts.geometry.geom_equals(whole.geometry).all()


@pytest.mark.parametrize("part_features", [2_000, 2])  # a part a batch; two parts a batch
def test_batches_of_parts_carry_a_late_property_and_the_mapped_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part_features: int
) -> None:
    monkeypatch.setattr(batches, "_PART_FEATURES", part_features)
    features = _features(9)
    for feature in features[:-1]:
        del feature["properties"]["note"]  # type: ignore[attr-defined]
    path = _write(tmp_path / "finds.geojson", features, compact=True)
    read = list(read_batches(path, batch_rows=4, columns=["note"]))
    assert [len(b) for b in read] == [4, 4, 1]
    assert all("note" in b.columns for b in read)
    assert read[0]["note"].isna().all() and read[2]["note"].tolist() == ["late"]
    assert read[1]["name"].tolist() == [f"Füzuli – {i} «ə»" for i in range(4, 8)]
    assert read[0].crs.to_epsg() == 4326  # reprojected from the file's EPSG:3857


def test_a_mapped_property_no_feature_has_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "finds.geojson", _features(5), compact=True)
    with pytest.raises(InputError, match="no feature has the property 'district'") as refused:
        list(read_batches(path, batch_rows=2, columns=["district"]))
    assert str(refused.value).endswith("the properties are: name, depth_cm, note")


def test_what_is_not_a_feature_collection_is_left_to_gdal(tmp_path: Path) -> None:
    single = tmp_path / "one.geojson"
    single.write_text(json.dumps(_features(1)[0]))
    sequence = tmp_path / "seq.geojson"
    sequence.write_text("\n".join(json.dumps(f) for f in _features(3)))
    assert feature_collection_parts(single, features=2) is None
    assert feature_collection_parts(sequence, features=2) is None


def test_a_truncated_file_is_refused_naming_the_feature(tmp_path: Path) -> None:
    path = _write(tmp_path / "finds.geojson", _features(7), compact=False)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index('"Füzuli – 5')], encoding="utf-8")
    parts = feature_collection_parts(path, features=2)
    assert parts is not None
    with pytest.raises(InputError, match="feature 6 is not valid JSON"):
        list(parts)
    path.write_text(text[: text.rindex("]")], encoding="utf-8")  # every feature whole, the array never closed
    with pytest.raises(InputError, match="ends inside its features"):
        list(feature_collection_parts(path, features=2) or [])


def test_a_crs_after_the_features_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "finds.geojson", _features(3), compact=True, crs_last=True)
    with pytest.raises(InputError, match="crs member comes after the features"):
        list(feature_collection_parts(path, features=2) or [])


@pytest.mark.parametrize(
    "ending",
    [
        "]",  # the closing brace cut off
        "], ",
        ']}\n{"type": "Feature"}',  # text appended
        '], "bbox": [1, 2, 3, 4]',  # a member, then the end
        '], "bbox" [1, 2]}',  # a member without its colon
    ],
)
def test_a_file_that_does_not_close_as_a_collection_is_refused(tmp_path: Path, ending: str) -> None:
    path = _write(tmp_path / "finds.geojson", _features(3), compact=True)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("]")] + ending, encoding="utf-8")
    with pytest.raises(InputError, match="does not close as a FeatureCollection"):
        list(feature_collection_parts(path, features=2) or [])


@pytest.mark.parametrize("ending", ["]}", "] }\n\n", '], "bbox": [1, 2, 3, 4], "note": {"a": "}"}\n}'])
def test_members_and_whitespace_after_the_features_are_accepted(tmp_path: Path, ending: str) -> None:
    path = _write(tmp_path / "finds.geojson", _features(3), compact=True)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("]")] + ending, encoding="utf-8")
    assert (
        sum(
            len(pyogrio.read_dataframe(io.BytesIO(p)))
            for p in feature_collection_parts(path, features=2) or []
        )
        == 3
    )


def test_a_broken_feature_is_refused_without_reading_on() -> None:
    """A feature broken in its middle is the file's error, not a block's end: refused at once, not after
    reading up to 64 MiB more of the file in the hope that it completes."""
    good = json.dumps(_features(1)[0])
    body = '{"type": "FeatureCollection", "features": [' + good.replace('"Point"', '"Point" "x"')
    body += ", " + ", ".join([good] * 20_000) + "]}"  # about 5 MiB: several blocks
    text = geojson_parts._Text(io.BytesIO(body.encode()))
    start = geojson_parts._opening(text)
    assert start is not None
    with pytest.raises(json.JSONDecodeError, match="delimiter"):
        text.value(start)
    assert len(text.text) <= 2 * (1 << 20)  # one block read, not the file


@pytest.mark.parametrize("block", [3, 5, 7, 11, 13])
def test_escapes_and_literals_cut_by_a_block_end_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Blocks of a few bytes cut every \\uXXXX escape, number and literal somewhere: none is taken for an
    error of the file."""
    monkeypatch.setattr(geojson_parts, "_BLOCK", block)
    features = _features(9)
    for i, feature in enumerate(features):
        feature["properties"].update(  # type: ignore[attr-defined]
            {"flag": i % 2 == 0, "ratio": -1.5e-3 * i, "sign": "😀" * i, "none": None}
        )
    path = tmp_path / "finds.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": CRS_3857, "features": features}))
    assert "\\ud83d\\ude00" in path.read_text() and "\\u0259" in path.read_text()  # escaped, not UTF-8
    assert len(_read_parts(path, 4)) == 9
