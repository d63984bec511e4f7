"""The dashboard's message catalogues: Azerbaijani, English and Russian each have every key with the same
placeholders, every vocabulary value the dashboard shows has a name in each language, and the translations
are translations (not English left in place)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mineaction.domain.vocab import VOCABULARIES

MESSAGES = Path(__file__).resolve().parents[2] / "web" / "messages"
LANGUAGES = ("az", "en", "ru")
# The vocabularies whose values the dashboard names (map legends, attributes, tables).
SHOWN = (
    "hazard_status",
    "hazard_kind",
    "contamination",
    "device_category",
    "setting",
    "victim_group",
    "victim_outcome",
    "activity_kind",
    "clearance_method",
    "donor_kind",
    "asset_kind",
    "context_kind",
    "admin_level",
    "sex",
)
# Messages that read the same in every language: units, symbols and abbreviations.
SAME_EVERYWHERE = {
    "value.none",
    "unit.percent",
    "unit.m",
    "unit.ha",
    "unit.km2",
    "map.scale_m",
    "map.scale_km",
    "quality.value.long edge",
}
# Words Azerbaijani spells as English does.
SAME_IN = {"az": {"role.operator", "field.status", "field.operator"}, "ru": set()}


def _catalogue(code: str) -> dict[str, str]:
    return json.loads((MESSAGES / f"{code}.json").read_text(encoding="utf-8"))


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_catalogue_has_every_key_with_the_same_placeholders(code: str) -> None:
    english, other = _catalogue("en"), _catalogue(code)
    assert sorted(other) == sorted(english), (
        f"{code}.json: missing {sorted(set(english) - set(other))}, extra {sorted(set(other) - set(english))}"
    )
    wrong = [key for key in english if _placeholders(english[key]) != _placeholders(other[key])]
    assert not wrong, f"{code}.json: placeholders differ from English in {wrong}"
    assert all(isinstance(v, str) and v.strip() for v in other.values()), f"{code}.json has empty messages"


@pytest.mark.parametrize("vocabulary", SHOWN)
def test_every_shown_vocabulary_value_has_a_name(vocabulary: str) -> None:
    english = _catalogue("en")
    missing = [v for v in VOCABULARIES[vocabulary] if f"vocab.{vocabulary}.{v}" not in english]
    assert not missing, f"add vocab.{vocabulary}.<value> to every catalogue for {missing}"


@pytest.mark.parametrize("code", ["az", "ru"])
def test_translations_are_not_english_left_in_place(code: str) -> None:
    english, other = _catalogue("en"), _catalogue(code)
    left = [
        key
        for key, text in english.items()
        if key not in SAME_EVERYWHERE | SAME_IN[code]
        and re.search(r"[A-Za-z]{3}", re.sub(r"\{\w+\}", "", text))  # words, not placeholders
        and other[key] == text
    ]
    assert not left, f"{code}.json repeats the English text of {left}"
    if code == "ru":
        latin = [k for k, v in other.items() if re.search(r"\b(the|and|of|with|records?)\b", v)]
        assert not latin, f"English words in ru.json: {latin}"
