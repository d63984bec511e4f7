"""Entity schemas: the fields, types, vocabularies and ranges of every kind of record, in IMSMA terms.

One ``EntitySchema`` per kind of record. Bulk data moves as GeoDataFrames whose columns are these field names
(plus ``geometry`` where the kind has one, in WGS84, EPSG:4326); single records use the typed classes of
``mineaction.domain.records``. Stores, importers, the simulator and the analyses all read their column names
from here, so a field is named in one place only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from mineaction.errors import InputError

__all__ = [
    "COMMON_FIELDS",
    "ENTITIES",
    "EntitySchema",
    "Field",
    "FieldType",
    "GeometryKind",
    "OWNER_FIELD",
    "PLANNED_DATE_FIELDS",
    "entity",
    "format_id",
    "parse_id",
]

FieldType = Literal["str", "int", "float", "bool", "date", "datetime", "json"]
GeometryKind = Literal["point", "line", "polygon", "any"]


@dataclass(frozen=True)
class Field:
    """One attribute of a record.

    ``vocabulary`` names an entry of ``mineaction.domain.vocab.VOCABULARIES``; ``minimum`` and ``maximum``
    bound numbers (inclusive); ``personal`` marks personal data that exports leave out unless asked.
    """

    name: str
    type: FieldType = "str"
    help: str = ""
    required: bool = False
    vocabulary: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    personal: bool = False
    ref: str | None = None  # kind of the record this field points to (an id), if any


@dataclass(frozen=True)
class EntitySchema:
    """The shape of one kind of record: its table, id prefix, geometry and fields."""

    kind: str
    prefix: str
    label: str
    geometry: GeometryKind | None
    fields: tuple[Field, ...]
    geometry_required: bool = True
    date_field: str | None = None  # the field that dates the event the record describes

    @property
    def table(self) -> str:
        return self.kind

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


COMMON_FIELDS: tuple[Field, ...] = (
    Field("id", "str", "readable id with the kind's prefix, e.g. HA-000145; assigned on import when empty"),
    Field("source", "str", "who reported the information (organisation or person)"),
    Field(
        "source_ref",
        "str",
        "the source system's own id of the record (an operator's or an older database's reference), "
        "unique per source; a later report with the same source and source_ref updates the record",
    ),
    Field("source_doc", "str", "the document, file or message the information came from"),
    Field("recorded_at", "datetime", "when the information was recorded (UTC); defaults to the import time"),
)

# Last field of every kind: the organisation whose staff may report changes to the record (access rules with
# an ``own`` scope compare it with the user's organisation); empty for records of the national record itself.
OWNER_FIELD = Field(
    "owner_org",
    "str",
    "code of the organisation that owns the record (its reports and work); empty: the national authority",
)


def _schema(
    kind: str,
    prefix: str,
    label: str,
    geometry: GeometryKind | None,
    *fields: Field,
    geometry_required: bool = True,
    date_field: str | None = None,
) -> EntitySchema:
    every = (*COMMON_FIELDS, *fields, OWNER_FIELD)
    return EntitySchema(kind, prefix, label, geometry, every, geometry_required, date_field)


_AP_II = "CCW Amended Protocol II technical annex"


def _people(name: str, who: str) -> Field:
    return Field(name, "int", f"{who} reached (people)", minimum=0, maximum=100_000_000)


# Explosive ordnance risk education (IMAS 12.10): one session or campaign, its audience by sex and age band.
_RISK_EDUCATION = _schema(
    "risk_education",
    "RE",
    "risk education session or campaign",
    "point",
    Field("form", "str", "session or campaign", False, "eore_form"),
    Field("delivered_on", "date", "date of the session (first day of a campaign)", True),
    Field("ended_on", "date", "last day of a campaign (empty for a one-day session)"),
    Field("settlement", "str", "id of the settlement (ST-...) where it was delivered", ref="assets"),
    Field("district", "str", "district it was delivered in (empty for a national campaign)"),
    Field("organisation", "str", "organisation that delivered it (agency, NGO, school)", True),
    Field("operator", "str", "id of the operator (OP-...) that delivered it, if any", ref="operators"),
    Field("method", "str", "face_to_face, school, media or digital", True, "eore_method"),
    Field(
        "audience",
        "str",
        "main audience: returnees, displaced, residents, students ...",
        False,
        "eore_audience",
    ),
    _people("girls", "girls (under 18)"),
    _people("boys", "boys (under 18)"),
    _people("women", "women (18 or over)"),
    _people("men", "men (18 or over)"),
    _people("with_disability", "people with disabilities among them"),
    _people("returnees", "returnees (people back, or about to go back, to an affected settlement)"),
    Field(
        "families_reached", "int", "returning families (households) reached", minimum=0, maximum=10_000_000
    ),
    Field("estimated", "bool", "true when the counts are an estimate of reach (media, digital)"),
    Field("topics", "json", "topics taught, a list of eore_topic codes", vocabulary="eore_topic"),
    geometry_required=False,
    date_field="delivered_on",
)
# Assistance to survivors (IMAS 13.10): needs assessed and services delivered, per victim; personal data.
_SURVIVOR_NEEDS = _schema(
    "survivor_needs",
    "SN",
    "survivor's need",
    None,
    Field("victim", "str", "id of the survivor (VI-...)", True, ref="victims"),
    Field("accident", "str", "id of the accident (AC-...)", ref="accidents"),
    Field("need", "str", "kind of need assessed", True, "survivor_need"),
    Field("assessed_on", "date", "date the need was assessed", True),
    Field("assessed_by", "str", "organisation that assessed it"),
    Field("status", "str", "open, referred, in_progress, met, declined or lost", True, "need_status"),
    Field("closed_on", "date", "date the need was met or closed (empty while open)"),
    Field("details", "str", "medical and personal details (personal data, access-controlled)", personal=True),
    geometry_required=False,
    date_field="assessed_on",
)
_SURVIVOR_SERVICES = _schema(
    "survivor_services",
    "SV",
    "service to a survivor",
    None,
    Field("victim", "str", "id of the survivor (VI-...)", True, ref="victims"),
    Field("accident", "str", "id of the accident (AC-...)", ref="accidents"),
    Field("service_type", "str", "kind of assistance (the need it answers)", True, "survivor_need"),
    Field("service", "str", "the service itself, e.g. prosthesis fitting, counselling"),
    Field("provider", "str", "organisation or facility that provides it", True),
    Field(
        "provider_kind", "str", "government, ngo, international, private or community", False, "provider_kind"
    ),
    Field("referred_on", "date", "date the survivor was referred (empty when served directly)"),
    Field("provided_on", "date", "date the service was delivered (empty while a referral waits)"),
    Field(
        "referral_status",
        "str",
        "not_referred, pending, completed, declined or unavailable",
        True,
        "referral_status",
    ),
    Field("cost_usd", "float", "cost of the service, US$", minimum=0, maximum=1e9),
    Field("notes", "str", "medical and personal notes (personal data, access-controlled)", personal=True),
    geometry_required=False,
    date_field="provided_on",
)

ENTITIES: Mapping[str, EntitySchema] = MappingProxyType(
    {
        s.kind: s
        for s in (
            _schema(
                "hazardous_areas",
                "HA",
                "hazardous area",
                "polygon",
                Field("name", "str", "local name of the area"),
                Field("hazard_kind", "str", "SHA (suspected) or CHA (confirmed)", True, "hazard_kind"),
                Field("status", "str", "open, in_progress or released", True, "hazard_status"),
                Field("district", "str", "district (admin area) the area lies in"),
                Field("contamination", "str", "AP, AT, UXO or mixed", False, "contamination"),
                Field("reported_on", "date", "date the hazard was first recorded"),
                Field("released_on", "date", "date the whole area was released, if it was"),
                Field("evidence", "json", "list of {kind, direct, source, ids} that support the hazard"),
                Field(
                    "blocks", "json", "ids of settlements and assets (ST-...) this area blocks", ref="assets"
                ),
                Field("confidence", "float", "confidence in the information, 0 to 1", minimum=0, maximum=1),
                date_field="reported_on",
            ),
            _schema(
                "minefield_records",
                "MR",
                "minefield record",
                "polygon",
                Field("record_ref", "str", "reference number on the handed-over record"),
                Field("handed_over_by", "str", "party that handed the record over"),
                Field("received_on", "date", "date the record was received"),
                Field("laid_on", "date", "claimed laying date (" + _AP_II + ")"),
                Field("district", "str", "district the record lies in"),
                Field("reference_points", "json", "list of {name, lon, lat} landmarks and reference points"),
                Field(
                    "mine_rows", "json", "list of {line: WKT in WGS84, model, count, spacing_m} rows of mines"
                ),
                Field("claimed_counts", "json", "claimed number of mines by model, {model: count}"),
                Field("claimed_total", "int", "claimed number of mines in all", minimum=0, maximum=1_000_000),
                Field(
                    "emplacement_method",
                    "str",
                    "hand, mechanical, remote, mixed or unknown",
                    False,
                    "emplacement_method",
                ),
                Field("anti_handling", "bool", "anti-handling devices declared"),
                Field("raw_coordinates", "str", "coordinates exactly as written on the record"),
                date_field="received_on",
            ),
            _schema(
                "activities",
                "AT",
                "activity",
                "polygon",
                Field("activity_kind", "str", "NTS, TS, clearance, BAC, EOD or QA", True, "activity_kind"),
                Field("hazardous_area", "str", "id of the hazardous area worked", ref="hazardous_areas"),
                Field("operator", "str", "id of the operator (OP-...)", ref="operators"),
                Field("district", "str", "district the work was done in"),
                Field("started_on", "date", "first day of work", True),
                Field("ended_on", "date", "last day of work (empty while in progress)"),
                Field(
                    "cancelled_m2",
                    "float",
                    "area cancelled by non-technical survey, m2",
                    minimum=0,
                    maximum=1e9,
                ),
                Field("reduced_m2", "float", "area reduced by technical survey, m2", minimum=0, maximum=1e9),
                Field("cleared_m2", "float", "area cleared, m2", minimum=0, maximum=1e9),
                Field("method", "str", "manual, mechanical, dog or mixed", False, "clearance_method"),
                Field("deminer_days", "float", "deminer working days spent", minimum=0, maximum=1e7),
                Field("machine_days", "float", "machine working days spent", minimum=0, maximum=1e6),
                Field("dog_days", "float", "mine detection dog working days spent", minimum=0, maximum=1e6),
                Field("cost_usd", "float", "cost of the activity, US$", minimum=0, maximum=1e10),
                date_field="started_on",
            ),
            _schema(
                "finds",
                "EO",
                "explosive ordnance find",
                "point",
                Field("category", "str", "AP, AT, UXO, IED, cluster or unknown", True, "device_category"),
                Field("model", "str", "device model, e.g. PMN-2, TM-62M, PMN-E"),
                Field("manufacture_year", "int", "year of manufacture if marked", minimum=1900, maximum=2100),
                Field("found_on", "date", "date found", True),
                Field("depth_cm", "float", "depth below surface, cm", minimum=0, maximum=500),
                Field("condition", "str", "armed, unarmed, damaged or unknown", False, "find_condition"),
                Field("activity", "str", "id of the activity that found it (AT-...)", ref="activities"),
                Field(
                    "hazardous_area", "str", "id of the hazardous area it was found in", ref="hazardous_areas"
                ),
                Field("district", "str", "district it was found in"),
                date_field="found_on",
            ),
            _schema(
                "accidents",
                "AC",
                "accident",
                "point",
                Field("occurred_on", "date", "date of the accident", True),
                Field("category", "str", "device category", False, "device_category"),
                Field("model", "str", "device model if known"),
                Field(
                    "setting",
                    "str",
                    "where it happened: settlement, road, farmland, pasture, forest, "
                    "water_source, cemetery, infrastructure_site or unknown",
                    False,
                    "setting",
                ),
                Field("activity_at_time", "str", "what the victims were doing", False, "accident_activity"),
                Field(
                    "demining", "bool", "true for a demining accident, false for a civilian or military one"
                ),
                Field("district", "str", "district it happened in"),
                Field("location_known", "bool", "false when the point is unknown or only approximate"),
                geometry_required=False,
                date_field="occurred_on",
            ),
            _schema(
                "victims",
                "VI",
                "victim",
                None,
                Field("accident", "str", "id of the accident (AC-...)", True, ref="accidents"),
                Field("age", "int", "age in years", minimum=0, maximum=110),
                Field("sex", "str", "male, female or unknown", False, "sex"),
                Field("outcome", "str", "killed or injured", True, "victim_outcome"),
                Field("victim_group", "str", "civilian, military or deminer", False, "victim_group"),
                Field("name", "str", "name (personal data, access-controlled)", personal=True),
                Field("contact", "str", "contact (personal data, access-controlled)", personal=True),
                Field(
                    "date_of_birth", "date", "date of birth (personal data, access-controlled)", personal=True
                ),
                geometry_required=False,
            ),
            _RISK_EDUCATION,
            _SURVIVOR_NEEDS,
            _SURVIVOR_SERVICES,
            _schema(
                "funding",
                "FU",
                "funding",
                None,
                Field("donor", "str", "name of the donor", True),
                Field(
                    "donor_kind",
                    "str",
                    "national_state, foreign_government, multilateral or private",
                    True,
                    "donor_kind",
                ),
                Field("year", "int", "year the money was given", True, minimum=1990, maximum=2100),
                Field("received_on", "date", "date the money was received, if known"),
                Field("amount", "float", "amount in the original currency", minimum=0, maximum=1e12),
                Field("currency", "str", "ISO 4217 code of the original currency, e.g. AZN, USD, EUR"),
                Field("amount_usd", "float", "amount in US$", True, minimum=0, maximum=1e12),
                Field(
                    "purpose",
                    "str",
                    "clearance, survey, victim_assistance, risk_education or capacity",
                    False,
                    "funding_purpose",
                ),
                Field("operator", "str", "id of the operator funded (OP-...)", ref="operators"),
                Field("activities", "json", "ids of the activities funded", ref="activities"),
                geometry_required=False,
                date_field="received_on",
            ),
            _schema(
                "assets",
                "ST",
                "settlement or asset",
                "any",
                Field(
                    "asset_kind",
                    "str",
                    "settlement, road, power_line, water, school, health_site, cemetery, "
                    "farmland or industrial",
                    True,
                    "asset_kind",
                ),
                Field("name", "str", "name"),
                Field("district", "str", "district"),
                Field("families_planned", "int", "families planned to return", minimum=0, maximum=1_000_000),
                Field("people_planned", "int", "people planned to return", minimum=0, maximum=10_000_000),
                Field("target_on", "date", "target date for return or reconstruction"),
                Field("value_usd", "float", "value of the project or asset, US$", minimum=0, maximum=1e12),
                Field(
                    "access_road",
                    "str",
                    "id of the road asset (ST-...) that gives access, if any",
                    ref="assets",
                ),
            ),
            _schema(
                "operators",
                "OP",
                "operator",
                None,
                Field("name", "str", "name of the operator", True),
                Field(
                    "operator_kind",
                    "str",
                    "national_agency, military, emergency_service, commercial or ngo",
                    True,
                    "operator_kind",
                ),
                Field("teams", "int", "demining teams", minimum=0, maximum=100_000),
                Field("deminers", "int", "deminers", minimum=0, maximum=1_000_000),
                Field("dogs", "int", "mine detection dogs", minimum=0, maximum=100_000),
                Field("machines", "int", "demining machines", minimum=0, maximum=100_000),
                geometry_required=False,
            ),
            _schema(
                "admin_areas",
                "AD",
                "administrative area",
                "polygon",
                Field("code", "str", "official code", True),
                Field("name", "str", "name in English", True),
                Field("level", "str", "country, district or settlement", True, "admin_level"),
                Field("parent_code", "str", "code of the enclosing area"),
                Field("name_az", "str", "name in Azerbaijani"),
                Field("name_ru", "str", "name in Russian"),
                geometry_required=False,
            ),
            _schema(
                "context_layers",
                "CL",
                "context layer",
                "any",
                Field(
                    "layer_kind",
                    "str",
                    "front_line, road, river, water, land_cover, building, protected_area, "
                    "area_of_interest or dem",
                    True,
                    "context_kind",
                ),
                Field("name", "str", "name of the feature or layer"),
                Field("observed_on", "date", "date the layer describes"),
                Field("value", "str", "class or value (land-cover class, road type)"),
                Field("raster_path", "str", "path of a raster (DEM GeoTIFF) held by reference"),
                geometry_required=False,
            ),
        )
    }
)

# Dates that describe a plan rather than an event: they may lie in the future.
PLANNED_DATE_FIELDS = frozenset({"target_on"})

_ID = re.compile(r"^([A-Z]{2})-(\d{1,12})$")


def entity(kind: str) -> EntitySchema:
    """Return the schema of ``kind`` (e.g. ``"finds"``); the error lists the kinds there are."""
    try:
        return ENTITIES[kind]
    except KeyError:
        raise InputError(f"unknown kind {kind!r}; use one of: {', '.join(ENTITIES)}") from None


def format_id(prefix: str, number: int) -> str:
    """Readable id, e.g. ``format_id("HA", 145) == "HA-000145"``."""
    return f"{prefix}-{number:06d}"


def parse_id(text: str) -> tuple[str, int] | None:
    """Split a readable id into (prefix, number), or None if ``text`` is not one."""
    match = _ID.match(text)
    return (match.group(1), int(match.group(2))) if match else None
