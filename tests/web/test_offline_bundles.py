"""The committed web bundles (dashboard and field page) name no address on the internet: nothing they load,
link or show may need a network. XML namespace names (w3.org, OpenRosa, ODK, Enketo, OGC) are identifiers
that no browser fetches, so they are allowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "src" / "mineaction" / "web"
NAMESPACES = ("www.w3.org", "openrosa.org", "www.opendatakit.org", "enketo.org", "www.opengis.net")
ADDRESS = re.compile(r"(?:https?:)?//([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)
FILES = sorted(p for p in WEB.rglob("*") if p.suffix in {".js", ".mjs", ".html", ".css"})


def test_there_are_bundles_to_read() -> None:
    names = {p.name for p in FILES}
    assert {"dashboard.js", "maplibre-gl-worker.mjs", "field.js", "index.html"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(WEB)))
def test_no_address_on_the_internet(path: Path) -> None:
    hosts = {match.group(1).lower() for match in ADDRESS.finditer(path.read_text(encoding="utf-8"))}
    outside = sorted(h for h in hosts if h not in NAMESPACES and h not in {"127.0.0.1", "localhost"})
    assert not outside, f"{path.name} names {outside}: replace them in web/build.mjs or web/field/build.mjs"
