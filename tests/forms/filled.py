"""Filled forms for the tests: instance XML as ODK Collect writes it (``lat lon alt acc``, latitude first)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from mineaction.forms import form_versions

# A point in Fuzuli district (latitude 39.60 N, longitude 47.15 E), as ODK writes it: lat lon alt acc.
LAT, LON = 39.60, 47.15
ODK_POINT = f"{LAT} {LON} 312.0 4.5"


def _xml(
    form_id: str, answers: dict[str, str], instance_id: str, *, extra: str = "", version: str = ""
) -> bytes:
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in answers.items())
    version = version or form_versions()[form_id]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><data xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="{form_id}" version="{version}">{body}{extra}'
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def spot_report(instance_id: str = "uuid:0b7c1d2e-1111-4c1a-9a51-6c9f4e2d0001", **changes: str) -> bytes:
    """An EO spot report: a PMN-2 found in Fuzuli, with a photo named ``pmn2.jpg``."""
    answers = {
        "geometry": ODK_POINT,
        "category": "AP",
        "model": "PMN-2",
        "manufacture_year": "1988",
        "found_on": "2024-05-02",
        "depth_cm": "5",
        "condition": "armed",
        "district": "Fuzuli",
        "photo": "pmn2.jpg",
    }
    version = changes.pop("version", "")
    answers.update(changes)
    return _xml(
        "eo_spot_report", {k: v for k, v in answers.items() if v is not None}, instance_id, version=version
    )


def accident(instance_id: str = "uuid:0b7c1d2e-2222-4c1a-9a51-6c9f4e2d0002") -> bytes:
    """An accident on farmland with two victims (one named: personal data)."""
    victims = (
        "<victims><age>34</age><sex>male</sex><outcome>injured</outcome><victim_group>civilian</victim_group>"
        "<name>Test Person</name><contact/><date_of_birth>1990-01-01</date_of_birth></victims>"
        "<victims><age>12</age><sex>female</sex><outcome>killed</outcome><victim_group>civilian</victim_group>"
        "<name/><contact/><date_of_birth/></victims>"
    )
    answers = {
        "geometry": ODK_POINT,
        "occurred_on": "2024-04-11",
        "category": "AP",
        "setting": "farmland",
        "activity_at_time": "farming",
        "demining": "no",
        "district": "Fuzuli",
        "location_known": "yes",
    }
    return _xml("accident_report", answers, instance_id, extra=victims)
