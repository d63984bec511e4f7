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
    "EORE_AUDIENCES",
    "EORE_FORMS",
    "EORE_METHODS",
    "EORE_TOPICS",
    "EVIDENCE_KINDS",
    "FIND_CONDITIONS",
    "FUNDING_PURPOSES",
    "HAZARD_KINDS",
    "HAZARD_STATUSES",
    "LANGUAGES",
    "NEED_STATUSES",
    "OPERATOR_KINDS",
    "PROVIDER_KINDS",
    "REFERRAL_STATUSES",
    "SETTINGS",
    "SEXES",
    "SURVIVOR_NEEDS",
    "TRANSLATED_LABELS",
    "VICTIM_GROUPS",
    "VICTIM_OUTCOMES",
    "VOCABULARIES",
    "Vocabulary",
    "normalize_term",
    "term_label",
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

# Explosive ordnance risk education (IMAS 12.10): how it is delivered, to whom, and what it teaches.
EORE_FORMS = _vocab(session="session (one event)", campaign="campaign (a series or a media run)")
EORE_METHODS = _vocab(
    {
        "interpersonal": "face_to_face",
        "direct": "face_to_face",
        "community": "face_to_face",
        "in_school": "school",
        "curriculum": "school",
        "mass_media": "media",
        "small_media": "media",
        "radio": "media",
        "television": "media",
        "tv": "media",
        "print": "media",
        "sms": "digital",
        "online": "digital",
        "social_media": "digital",
    },
    face_to_face="face to face (interpersonal)",
    school="in school (curriculum or school session)",
    media="mass or small media (radio, television, print, billboards)",
    digital="digital (online, social media, messaging)",
)
EORE_AUDIENCES = _vocab(
    {
        "idp": "displaced",
        "idps": "displaced",
        "returnee": "returnees",
        "pupils": "students",
        "children": "students",
        "reconstruction_workers": "workers",
        "construction_workers": "workers",
        "herders": "farmers",
        "host_community": "residents",
        "general_public": "mixed",
    },
    returnees="returning families",
    displaced="displaced people not yet returned",
    residents="residents of affected communities",
    students="school children and students",
    teachers="teachers and trainers",
    workers="reconstruction and infrastructure workers",
    farmers="farmers and herders",
    mixed="mixed audience",
)
EORE_TOPICS = _vocab(
    recognition="recognising explosive ordnance",
    safe_behaviour="safe behaviour: do not touch, step back, stay on known paths",
    signs="hazard marking and warning signs",
    reporting="reporting explosive ordnance and dangerous areas",
    tampering="dangers of handling, scrap collection and tampering",
    safe_return="safe return: houses, gardens, fields, water sources",
    safe_work="safe practices for reconstruction and farm work",
    assistance="where survivors get help (referral pathways)",
)

# Assistance to survivors (IMAS 13.10 victim assistance; the needs and services IMSMA records).
SURVIVOR_NEEDS = _vocab(
    {
        "emergency": "emergency_medical",
        "medical": "continuing_medical",
        "ongoing_medical": "continuing_medical",
        "physical_rehabilitation": "rehabilitation",
        "prosthetics": "rehabilitation",
        "psychosocial": "psychological",
        "psychosocial_support": "psychological",
        "livelihood": "economic_inclusion",
        "socio_economic_inclusion": "economic_inclusion",
        "disability_pension": "social_protection",
    },
    emergency_medical="emergency medical care",
    continuing_medical="continuing medical care",
    rehabilitation="physical rehabilitation and prosthetics",
    psychological="psychological and psychosocial support",
    education="education",
    economic_inclusion="economic inclusion (livelihoods, employment)",
    social_protection="social protection (disability pension, benefits)",
)
NEED_STATUSES = _vocab(
    {"closed": "met", "unmet": "open"},
    open="open: assessed, no service yet",
    referred="referred to a provider",
    in_progress="services under way",
    met="met",
    declined="declined by the survivor",
    lost="lost to follow-up",
)
REFERRAL_STATUSES = _vocab(
    {"none": "not_referred", "direct": "not_referred", "waiting": "pending", "done": "completed"},
    not_referred="provided directly, no referral",
    pending="referred, waiting for the service",
    completed="referral completed: service received",
    declined="referral declined by the survivor",
    unavailable="service not available to the survivor",
)
PROVIDER_KINDS = _vocab(
    government="government service",
    ngo="NGO",
    international="international organisation",
    private="private provider",
    community="community or survivors' network",
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
        "eore_form": EORE_FORMS,
        "eore_method": EORE_METHODS,
        "eore_audience": EORE_AUDIENCES,
        "eore_topic": EORE_TOPICS,
        "survivor_need": SURVIVOR_NEEDS,
        "need_status": NEED_STATUSES,
        "referral_status": REFERRAL_STATUSES,
        "provider_kind": PROVIDER_KINDS,
    }
)

# Labels in the languages field forms are shown in: English (the labels above), Azerbaijani and Russian.
# TRANSLATED_LABELS gives, for each vocabulary a field form offers, every code's (Azerbaijani, Russian) label;
# tests/forms checks that no code of those vocabularies lacks one.
LANGUAGES: tuple[str, ...] = ("en", "az", "ru")
_UNKNOWN = ("naməlum", "неизвестно")
_MIXED = ("qarışıq", "смешанный")
TRANSLATED_LABELS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "hazard_kind": {
            "SHA": ("şübhəli təhlükəli ərazi", "предполагаемый опасный район"),
            "CHA": ("təsdiqlənmiş təhlükəli ərazi", "подтверждённый опасный район"),
        },
        "hazard_status": {
            "open": ("açıq", "открыт"),
            "in_progress": ("iş gedir", "в работе"),
            "released": ("azad edilib", "высвобожден"),
        },
        "contamination": {
            "AP": ("piyada əleyhinə minalar", "противопехотные мины"),
            "AT": ("tank əleyhinə minalar", "противотанковые мины"),
            "UXO": ("partlamamış hərbi sursat", "неразорвавшиеся боеприпасы"),
            "mixed": _MIXED,
        },
        "evidence_kind": {
            "minefield_record": ("mina sahəsinin formulyarı", "формуляр минного поля"),
            "accident": ("hadisə", "несчастный случай"),
            "find": ("aşkarlanmış partlayıcı sursat", "обнаруженный взрывоопасный предмет"),
            "witness": ("şahid və ya icma məlumatı", "сообщение свидетеля или общины"),
            "military_info": ("hərbi məlumat", "военная информация"),
            "visual": ("vizual əlamət", "визуальный признак"),
            "model": ("risk modelinin proqnozu", "прогноз модели риска"),
        },
        "activity_kind": {
            "NTS": ("qeyri-texniki tədqiqat", "нетехническое обследование"),
            "TS": ("texniki tədqiqat", "техническое обследование"),
            "clearance": ("təmizləmə", "разминирование"),
            "BAC": ("döyüş ərazisinin təmizlənməsi", "очистка района боевых действий"),
            "EOD": ("partlayıcı sursatın zərərsizləşdirilməsi", "обезвреживание взрывоопасных предметов"),
            "QA": ("keyfiyyətin təminatı", "обеспечение качества"),
        },
        "clearance_method": {
            "manual": ("əl ilə", "ручной"),
            "mechanical": ("mexaniki", "механизированный"),
            "dog": ("mina axtaran it", "минно-розыскная собака"),
            "mixed": _MIXED,
        },
        "device_category": {
            "AP": ("piyada əleyhinə mina", "противопехотная мина"),
            "AT": ("tank əleyhinə mina", "противотанковая мина"),
            "UXO": ("partlamamış hərbi sursat", "неразорвавшийся боеприпас"),
            "IED": ("əldəqayırma partlayıcı qurğu", "самодельное взрывное устройство"),
            "cluster": ("kaset sursatının qalığı", "остаток кассетного боеприпаса"),
            "unknown": _UNKNOWN,
        },
        "find_condition": {
            "armed": ("döyüş vəziyyətində", "взведён"),
            "unarmed": ("döyüş vəziyyətində deyil", "не взведён"),
            "damaged": ("zədələnmiş", "повреждён"),
            "unknown": _UNKNOWN,
        },
        "setting": {
            "settlement": ("yaşayış məntəqəsi", "населённый пункт"),
            "road": ("yol", "дорога"),
            "farmland": ("əkin sahəsi", "пахотные земли"),
            "pasture": ("otlaq", "пастбище"),
            "forest": ("meşə", "лес"),
            "water_source": ("su mənbəyi", "источник воды"),
            "cemetery": ("qəbiristanlıq", "кладбище"),
            "infrastructure_site": ("infrastruktur obyekti", "объект инфраструктуры"),
            "unknown": _UNKNOWN,
        },
        "accident_activity": {
            "farming": ("əkinçilik", "земледелие"),
            "herding": ("heyvan otarma", "выпас скота"),
            "travelling": ("yol getmə", "передвижение"),
            "collecting": ("odun, qida və ya metal qırıntısı yığma", "сбор дров, еды или металлолома"),
            "construction": ("tikinti və ya təmir", "строительство или ремонт"),
            "demining": ("minatəmizləmə", "разминирование"),
            "military": ("hərbi xidmət", "военная служба"),
            "playing": ("oyun", "игра"),
            "handling": ("sursatla rəftar", "обращение с боеприпасом"),
            "other": ("digər", "другое"),
            "unknown": _UNKNOWN,
        },
        "victim_group": {
            "civilian": ("mülki şəxs", "гражданское лицо"),
            "military": ("hərbçi", "военнослужащий"),
            "deminer": ("minaaxtaran", "сапёр"),
        },
        "victim_outcome": {"killed": ("həlak olub", "погиб"), "injured": ("yaralanıb", "ранен")},
        "sex": {"male": ("kişi", "мужской"), "female": ("qadın", "женский"), "unknown": _UNKNOWN},
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


def term_label(vocabulary: str, code: str, language: str) -> str:
    """Label of ``code`` of the vocabulary named ``vocabulary`` in ``language`` (``en``, ``az`` or ``ru``).

    >>> term_label("sex", "female", "az")
    'qadın'

    Raises ``KeyError`` naming what is missing when the vocabulary, the code or its translation is not there.
    """
    if language == "en":
        return VOCABULARIES[vocabulary][code]
    if language not in LANGUAGES:
        raise KeyError(f"language {language!r}; use one of {', '.join(LANGUAGES)}")
    labels = TRANSLATED_LABELS.get(vocabulary, {})
    if code not in labels:
        raise KeyError(f"{vocabulary}.{code} has no {language} label (add it to TRANSLATED_LABELS)")
    return labels[code][LANGUAGES.index(language) - 1]
