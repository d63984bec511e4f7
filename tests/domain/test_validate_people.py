"""Validation of risk education records and of survivors' needs and services: terms, lists, joined fields."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mineaction.domain.records import Record
from mineaction.domain.schema import entity
from mineaction.domain.validate import validate_frame
from mineaction.errors import ValidationError


def _issues(frame: pd.DataFrame, kind: str) -> list[tuple[int, str, str, str]]:
    report = validate_frame(frame, kind, file=f"{kind}.csv")
    return [(i.row, i.field, i.severity, i.reason) for i in report.issues]


def _sessions(**columns: list) -> pd.DataFrame:
    base = {
        "delivered_on": ["2023-05-01", "2023-06-10"],
        "organisation": ["ANAMA", "IEPF"],
        "method": ["Face-to-face", "interpersonal"],
        "girls": [10, 4],
        "boys": [12, 6],
        "women": [20, 9],
        "men": [15, 7],
        "returnees": [40, 20],
        "families_reached": [11, 5],
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_a_clean_session_file_normalises_methods_and_topic_lists() -> None:
    topics = ["Recognition; reporting", '["signs", "safe return: houses, gardens, fields, water sources"]']
    report = validate_frame(_sessions(topics=topics), "risk_education")
    assert report.ok and report.issues == []
    assert list(report.frame["method"]) == ["face_to_face", "face_to_face"]
    assert report.frame["topics"].tolist() == [["recognition", "reporting"], ["signs", "safe_return"]]


def test_unknown_topics_and_methods_are_named_with_the_terms_to_use() -> None:
    report = validate_frame(
        _sessions(method=["radio", "carrier pigeon"], topics=["mines", "[1"]), "risk_education"
    )
    by_row = {(i.row, i.field): i for i in report.errors}
    assert "'mines' not in the eore_topic vocabulary" in by_row[(1, "topics")].reason
    assert "recognition" in by_row[(1, "topics")].fix
    assert by_row[(2, "topics")].reason == "not a list of terms"
    assert (1, "method") not in by_row  # radio is a medium
    assert by_row[(2, "method")].reason == "not a term of the eore_method vocabulary"


def test_audience_rules() -> None:
    frame = _sessions(returnees=[80, 0], families_reached=[11, 3], ended_on=["2023-04-30", None])
    frame["with_disability"] = [2, 99]
    assert _issues(frame, "risk_education") == [
        (1, "ended_on", "error", "before delivered_on"),
        (1, "returnees", "error", "more than the girls, boys, women and men reached together"),
        (2, "with_disability", "error", "more than the girls, boys, women and men reached together"),
        (2, "families_reached", "error", "returning families reached but no returnees"),
    ]


def test_a_media_campaign_needs_no_place_and_no_audience_split() -> None:
    campaign = pd.DataFrame(
        {
            "form": ["campaign"],
            "delivered_on": ["2024-01-01"],
            "ended_on": ["2024-03-31"],
            "organisation": ["ANAMA with national television"],
            "method": ["television"],
            "estimated": ["yes"],
        }
    )
    report = validate_frame(gpd.GeoDataFrame(campaign, geometry=[None], crs="EPSG:4326"), "risk_education")
    assert report.ok, report.summary()
    assert report.frame["method"].iloc[0] == "media"


def test_needs_rules() -> None:
    needs = pd.DataFrame(
        {
            "victim": ["VI-000001", "VI-000001", "VI-000002", "VI-000003"],
            "need": [
                "prosthetics",
                "psychosocial support",
                "education",
                "Economic inclusion (livelihoods, employment)",
            ],
            "assessed_on": ["2022-03-01", "2022-03-01", "2022-04-01", "2022-04-01"],
            "status": ["met", "closed", "open", "in progress"],
            "closed_on": ["2022-02-01", None, "2022-05-01", None],
        }
    )
    report = validate_frame(needs, "survivor_needs")
    assert list(report.frame["need"]) == [
        "rehabilitation",
        "psychological",
        "education",
        "economic_inclusion",
    ]
    assert [(i.row, i.field, i.severity) for i in report.issues] == [
        (1, "closed_on", "error"),  # closed before it was assessed
        (2, "closed_on", "warning"),  # closed (met) without a date
        (3, "status", "error"),  # open but with a closing date
    ]


def test_services_rules() -> None:
    services = pd.DataFrame(
        {
            "victim": ["VI-000001"] * 4,
            "service_type": ["rehabilitation", "psychological", "education", "continuing_medical"],
            "provider": ["SIMULATED rehabilitation centre"] * 4,
            "referred_on": ["2022-05-01", None, "2022-05-01", "2022-05-01"],
            "provided_on": ["2022-04-01", None, "2022-06-01", None],
            "referral_status": ["completed", "not_referred", "pending", "pending"],
        }
    )
    assert [(r, f, s) for r, f, s, _ in _issues(services, "survivor_services")] == [
        (1, "provided_on", "error"),  # delivered before the referral
        (2, "provided_on", "error"),  # served directly but no date
        (3, "referral_status", "warning"),  # pending although delivered
    ]


def test_a_single_record_checks_like_a_file_row() -> None:
    with pytest.raises(ValidationError, match="survivor_needs row 1, status"):
        Record.create(
            "survivor_needs", victim="VI-000001", need="education", assessed_on="2022-01-01", status="x"
        )
    record = Record.create(
        "risk_education",
        delivered_on="2023-09-01",
        organisation="SIMULATED school",
        method="school",
        topics="recognition;signs",
        geometry=shapely.Point(47.1, 39.6),
    )
    assert record["topics"] == ["recognition", "signs"]


def test_personal_fields_are_marked() -> None:
    personal = {
        kind: {f.name for f in entity(kind).fields if f.personal}
        for kind in ("victims", "survivor_needs", "survivor_services", "risk_education")
    }
    assert personal == {
        "victims": {"name", "contact", "date_of_birth"},
        "survivor_needs": {"details"},
        "survivor_services": {"notes"},
        "risk_education": set(),
    }
