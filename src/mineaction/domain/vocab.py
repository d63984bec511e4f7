"""Controlled vocabularies (IMAS / IMSMA terms), defined here once for the whole package.

Each vocabulary maps a stored code (lower-case, underscores) to a human label. Importers accept either the
code or the label in any case, with spaces or hyphens for underscores (``normalize_term``). See
docs/glossary.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType

__all__ = [
    "ACCIDENT_ACTIVITIES",
    "ACTIVITY_KINDS",
    "ADMIN_LEVELS",
    "ASSET_KINDS",
    "CLEARANCE_METHODS",
    "CONTAMINATION",
    "CONTEXT_KINDS",
    "DEVICE_CATEGORIES",
    "DONOR_KINDS",
    "EMPLACEMENT_METHODS",
    "EVIDENCE_KINDS",
    "FIND_CONDITIONS",
    "FUNDING_PURPOSES",
    "HAZARD_KINDS",
    "HAZARD_STATUSES",
    "OPERATOR_KINDS",
    "SETTINGS",
    "SEXES",
    "VICTIM_GROUPS",
    "VICTIM_OUTCOMES",
    "VOCABULARIES",
    "Vocabulary",
    "normalize_term",
]


class Vocabulary(Mapping[str, str]):
    """Codes and their labels, plus common aliases importers accept (``"F"`` for ``female``)."""

    def __init__(self, items: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> None:
        self._items = dict(items)
        self.aliases: Mapping[str, str] = MappingProxyType(dict(aliases or {}))

    def __getitem__(self, code: str) -> str:
        return self._items[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _vocab(aliases: Mapping[str, str] | None = None, **items: str) -> Vocabulary:
    return Vocabulary(items, aliases)


HAZARD_KINDS = _vocab(SHA="suspected hazardous area", CHA="confirmed hazardous area")
HAZARD_STATUSES = _vocab(open="open", in_progress="in progress", released="released")
CONTAMINATION = _vocab(
    AP="anti-personnel mines", AT="anti-vehicle mines", UXO="unexploded ordnance", mixed="mixed"
)
EVIDENCE_KINDS = _vocab(
    minefield_record="minefield record",
    accident="accident",
    find="explosive ordnance found",
    witness="witness or community report",
    military_info="military information",
    visual="visual indicator",
    model="risk model prediction",
)
ACTIVITY_KINDS = _vocab(
    NTS="non-technical survey",
    TS="technical survey",
    clearance="clearance",
    BAC="battle area clearance",
    EOD="EOD spot task",
    QA="quality assurance",
)
CLEARANCE_METHODS = _vocab(manual="manual", mechanical="mechanical", dog="mine detection dog", mixed="mixed")
DEVICE_CATEGORIES = _vocab(
    AP="anti-personnel mine",
    AT="anti-vehicle mine",
    UXO="unexploded ordnance",
    IED="improvised explosive device",
    cluster="cluster munition remnant",
    unknown="unknown",
)
FIND_CONDITIONS = _vocab(armed="armed", unarmed="unarmed", damaged="damaged", unknown="unknown")
EMPLACEMENT_METHODS = _vocab(
    hand="laid by hand",
    mechanical="mechanically laid",
    remote="remotely delivered",
    mixed="mixed",
    unknown="unknown",
)
SETTINGS = _vocab(
    settlement="settlement",
    road="road",
    farmland="farmland",
    pasture="pasture",
    forest="forest",
    water_source="water source",
    cemetery="cemetery",
    infrastructure_site="infrastructure site",
    unknown="unknown",
)
ACCIDENT_ACTIVITIES = _vocab(
    farming="farming",
    herding="herding",
    travelling="travelling",
    collecting="collecting wood, food or scrap",
    construction="construction or repair",
    demining="demining",
    military="military duty",
    playing="playing",
    handling="handling ordnance",
    other="other",
    unknown="unknown",
)
VICTIM_GROUPS = _vocab(civilian="civilian", military="military", deminer="deminer")
VICTIM_OUTCOMES = _vocab(
    {"dead": "killed", "died": "killed", "fatal": "killed", "wounded": "injured"},
    killed="killed",
    injured="injured",
)
SEXES = _vocab(
    {"m": "male", "f": "female", "man": "male", "woman": "female", "boy": "male", "girl": "female"},
    male="male",
    female="female",
    unknown="unknown",
)
DONOR_KINDS = _vocab(
    national_state="national state",
    foreign_government="foreign government",
    multilateral="multilateral",
    private="private",
)
FUNDING_PURPOSES = _vocab(
    clearance="clearance",
    survey="survey",
    victim_assistance="victim assistance",
    risk_education="explosive ordnance risk education",
    capacity="capacity development",
)
ASSET_KINDS = _vocab(
    settlement="settlement",
    road="road",
    power_line="power line",
    water="water supply",
    school="school",
    health_site="health site",
    cemetery="cemetery",
    farmland="farmland",
    industrial="industrial site",
)
OPERATOR_KINDS = _vocab(
    national_agency="national agency",
    military="military",
    emergency_service="emergency service",
    commercial="commercial company",
    ngo="NGO",
)
ADMIN_LEVELS = _vocab(country="country", district="district", settlement="settlement")
CONTEXT_KINDS = _vocab(
    front_line="former front line",
    road="road",
    river="river",
    water="water body",
    land_cover="land cover",
    building="building",
    protected_area="protected area",
    area_of_interest="area of interest",
    dem="digital elevation model (raster by reference)",
)

VOCABULARIES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "hazard_kind": HAZARD_KINDS,
        "hazard_status": HAZARD_STATUSES,
        "contamination": CONTAMINATION,
        "evidence_kind": EVIDENCE_KINDS,
        "activity_kind": ACTIVITY_KINDS,
        "clearance_method": CLEARANCE_METHODS,
        "device_category": DEVICE_CATEGORIES,
        "find_condition": FIND_CONDITIONS,
        "emplacement_method": EMPLACEMENT_METHODS,
        "setting": SETTINGS,
        "accident_activity": ACCIDENT_ACTIVITIES,
        "victim_group": VICTIM_GROUPS,
        "victim_outcome": VICTIM_OUTCOMES,
        "sex": SEXES,
        "donor_kind": DONOR_KINDS,
        "funding_purpose": FUNDING_PURPOSES,
        "asset_kind": ASSET_KINDS,
        "operator_kind": OPERATOR_KINDS,
        "admin_level": ADMIN_LEVELS,
        "context_kind": CONTEXT_KINDS,
    }
)

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize_term(value: str, vocabulary: Mapping[str, str]) -> str | None:
    """Return the vocabulary code for ``value`` (a code or a label, any case), or None if it is not a term.

    >>> normalize_term("Water source", SETTINGS)
    'water_source'
    >>> normalize_term("sha", HAZARD_KINDS)
    'SHA'
    """
    text = _SEPARATORS.sub("_", str(value).strip()).lower()
    aliases = getattr(vocabulary, "aliases", {})
    if text in aliases:
        return aliases[text]
    for code, label in vocabulary.items():
        if text == code.lower() or text == _SEPARATORS.sub("_", label).lower():
            return code
    return None
