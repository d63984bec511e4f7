"""Text that is not UTF-8: Windows-1251, Latin-1 and Windows-1254 files import exactly; undecodable text is
refused naming the row and column of its first bad byte; UTF-8 declared as Latin-1 is read back as UTF-8."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from mineaction.cli.main import cli
from mineaction.errors import InputError
from mineaction.io import import_file
from mineaction.store import init_store, open_store

AZERBAIJAN = (44.5, 38.3, 50.9, 41.95)
WHO = {"author": "tester", "reason": "encoding test"}
HEADER = "category,found_on,district,model,lon,lat\n"
TEXTS = {  # encoding: districts and models written in it (Azerbaijani and Russian place names)
    "windows-1251": ["Ханкенди", "Агдам", "Шуша"],
    "latin-1": ["Füzuli", "Bogotá", "Medellín"],
    "windows-1254": ["Ağdam", "Şuşa", "Qubadlı"],
}


def _csv(path: Path, names: list[str], encoding: str) -> Path:
    rows = "".join(f"AP,2022-05-0{i + 1},{n},ПМН-2 {n},46.9{i},39.9\n" for i, n in enumerate(names))
    if encoding != "windows-1251":
        rows = rows.replace("ПМН-2", "PMN-2")
    path.write_bytes((HEADER + rows).encode(encoding))
    return path


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    init_store(path, aoi=AZERBAIJAN).close()
    return path


@pytest.mark.parametrize("encoding", sorted(TEXTS))
def test_legacy_encodings_are_detected_and_round_trip_exactly(
    tmp_path: Path, store_path: Path, encoding: str
) -> None:
    source = _csv(tmp_path / "finds.csv", TEXTS[encoding], encoding)
    with open_store(store_path) as store:
        result = import_file(store, source, kind="finds", **WHO)
        stored = store.read("finds")
    assert stored["district"].tolist() == TEXTS[encoding]
    assert stored["model"].str.endswith(tuple(TEXTS[encoding])).all()
    assert len(result.notes) == 1 and "is not UTF-8: read as" in result.notes[0]


def test_the_encoding_can_be_named_on_the_command_line_and_in_a_mapping(
    tmp_path: Path, store_path: Path
) -> None:
    source = _csv(tmp_path / "finds.csv", TEXTS["windows-1251"], "windows-1251")
    done = CliRunner().invoke(
        cli, ["import", str(store_path), str(source), "--kind", "finds", "--encoding", "cp1251"]
    )
    assert done.exit_code == 0, done.output
    assert "note:" not in done.output  # named, not guessed
    mapping = tmp_path / "map.yaml"
    mapping.write_text("encoding: windows-1251\nkinds:\n  finds: {}\n", encoding="utf-8")
    with open_store(store_path) as store:
        again = import_file(store, source, mapping=mapping, **WHO)
        assert again.total("unchanged") == 3 and not again.notes
        assert store.read("finds")["district"].tolist() == TEXTS["windows-1251"]


def test_undecodable_text_is_refused_naming_the_first_bad_byte(tmp_path: Path, store_path: Path) -> None:
    source = _csv(tmp_path / "finds.csv", TEXTS["windows-1251"], "windows-1251")
    before = hashlib.sha256(store_path.read_bytes()).hexdigest()
    with open_store(store_path) as store:
        with pytest.raises(
            InputError, match=r"finds.csv: row 1, column district \(byte 0xd5\) cannot be read as UTF-8"
        ):
            import_file(store, source, kind="finds", encoding="utf-8", **WHO)
        binary = tmp_path / "noise.csv"
        binary.write_bytes(HEADER.encode() + bytes(range(256)) * 4 + b"\n")
        with pytest.raises(
            InputError, match=r"noise.csv: not UTF-8 text .*: row 2, column found_on \(byte 0x80\)"
        ):
            import_file(store, binary, kind="finds", **WHO)
    assert hashlib.sha256(store_path.read_bytes()).hexdigest() == before


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path, store_path: Path) -> None:
    source = tmp_path / "finds.csv"
    source.write_bytes((HEADER + "AP,2022-05-01,Ağdam,PMN-2,46.9,39.9\n").encode("utf-16"))
    with open_store(store_path) as store:
        import_file(store, source, kind="finds", **WHO)
        assert store.read("finds")["district"].tolist() == ["Ağdam"]


def _points(names: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"category": ["AP"] * len(names), "found_on": ["2022-05-01"] * len(names), "district": names},
        geometry=shapely.points([46.9] * len(names), [39.9 + i / 100 for i in range(len(names))]),
        crs="EPSG:4326",
    )


def test_spatial_files_whose_text_is_not_utf8_are_read_in_their_encoding(
    tmp_path: Path, store_path: Path
) -> None:
    geojson = tmp_path / "finds.geojson"
    pyogrio.write_dataframe(_points(["AGDAM", "SHUSHA"]), geojson, driver="GeoJSON")
    text = (
        geojson.read_bytes()
        .replace(b"AGDAM", "Агдам".encode("cp1251"))
        .replace(b"SHUSHA", "Шуша".encode("cp1251"))
    )
    geojson.write_bytes(text)
    shapefile = tmp_path / "finds.shp"
    pyogrio.write_dataframe(_points(["Ханкенди"]), shapefile, encoding="cp1251")
    (tmp_path / "finds.cpg").unlink(missing_ok=True)  # no declaration of the encoding beside the .dbf
    with open_store(store_path) as store:
        result = import_file(store, geojson, kind="finds", **WHO)
        assert "read as windows-1251" in result.notes[0]
        undeclared = import_file(store, shapefile, kind="finds", **WHO)  # Arrow cannot take its text
        assert "read as windows-1251" in undeclared.notes[0]
        assert store.read("finds")["district"].tolist() == ["Агдам", "Шуша", "Ханкенди"]
        named = import_file(store, shapefile, kind="finds", encoding="windows-1251", **WHO)
        assert named.total("unchanged") == 1 and not named.notes


def test_kml_declaring_latin1_but_holding_utf8_is_read_as_utf8(tmp_path: Path, store_path: Path) -> None:
    kml = tmp_path / "finds.kml"
    pyogrio.write_dataframe(_points(["FUZULI", "AGDAM"]), kml, driver="KML")
    text = kml.read_bytes().replace(b'encoding="utf-8"', b'encoding="ISO-8859-1"')
    kml.write_bytes(text.replace(b"FUZULI", "Füzuli".encode()).replace(b"AGDAM", "Ağdam".encode()))
    with open_store(store_path) as store:
        result = import_file(store, kml, kind="finds", **WHO)
        assert store.read("finds")["district"].tolist() == ["Füzuli", "Ağdam"]
    assert "were UTF-8 text read as Latin-1" in result.notes[0]
