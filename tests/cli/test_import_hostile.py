"""A family of malformed files of every input format and kind through ``mineaction import``: one clear error
or a clean import, never a traceback, and a refused import leaves the store byte for byte as it was.

The files are a small sample of the corpus of ``benchmarks/hostile_files.py`` (the campaign of about a
thousand, run in its own processes to catch crash signals and hangs too, is ``bench_hostile_import.py``).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli
from mineaction.errors import MineActionError
from mineaction.store import init_store

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from hostile_files import AOI, MUTATIONS, build_corpus  # noqa: E402

SAMPLE = {
    "truncated-0",
    "bytes-flipped-0",
    "windows-1251",
    "utf-16",
    "cr-line-ends",
    "semicolons",
    "nul-bytes",
    "date-0001",
    "date-minus-2021",
    "number-overflow",
    "cell-10mb",
    "curved-geometry",
    "world-polygon",
    "json-invalid-utf8",
    "json-unknown-crs",
    "json-deep-nesting",
    "json-string-coordinates",
    "kml-billion-laughs",
    "kml-external-entity",
    "kml-garbage-coordinates",
    "kml-declares-latin-1",
    "zip-without-dbf",
    "empty",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_malformed_files_of_every_format_end_in_one_clear_error(tmp_path: Path) -> None:
    assert {name for name, _, _ in MUTATIONS} >= SAMPLE
    corpus = build_corpus(
        tmp_path / "corpus", copies=1, only=SAMPLE, kinds=("finds", "hazardous_areas", "funding")
    )
    assert {item.path.suffix for item in corpus} >= {".csv", ".geojson", ".kml", ".gpkg", ".zip"}
    template = tmp_path / "template.gpkg"
    init_store(template, aoi=AOI).close()
    runner, outcomes = CliRunner(), {"imported": 0, "refused": 0}
    for item in corpus:
        store = tmp_path / "store.gpkg"
        shutil.copyfile(template, store)
        before = _digest(store)
        args = [
            "import",
            str(store),
            str(item.path),
            "--kind",
            item.kind,
            "--rejects",
            str(tmp_path / "r.csv"),
        ]
        done = runner.invoke(cli, args)
        error = done.exception
        assert error is None or isinstance(error, MineActionError), f"{item.path.name}: {error!r}"
        if error is not None:
            assert "\n" not in str(error).strip(), f"{item.path.name}: not one line"
            assert _digest(store) == before, f"{item.path.name}: refused but the store changed"
        outcomes["imported" if error is None else "refused"] += 1
    assert outcomes["refused"] > len(corpus) // 2 and outcomes["imported"] > 0
