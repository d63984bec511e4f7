"""The field forms: which kind of record each form reports, its repeat groups and extra questions.

Only the shape is written here; the questions themselves come from ``mineaction.domain.schema`` (one per field
of the kind, ``mineaction.forms.xlsform``), so a field added to the schema appears in every form of its kind.
Fields the server fills (``SERVER_FIELDS``) are not asked: the id is given on approval, the source and owner
are the submitting account's organisation, the source document is the submission's instance id and the time
recorded is when it arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mineaction.domain.schema import ENTITIES, EntitySchema, Field
from mineaction.errors import InputError

__all__ = [
    "FORMS",
    "FormDefinition",
    "JSON_GROUPS",
    "Part",
    "SERVER_FIELDS",
    "asked_fields",
    "form_definition",
]

SERVER_FIELDS: tuple[str, ...] = ("id", "source", "source_doc", "recorded_at", "owner_org")


@dataclass(frozen=True)
class Part:
    """One kind of record a form holds: the main record, or a repeat group of records under it.

    ``link`` is the field of the repeated kind that points at the main record (``victims.accident``), filled
    when the report is approved; ``inherited`` fields are taken from the main record, not asked again.
    """

    kind: str
    group: str = ""  # name of the repeat group; empty for the main record
    label: str = ""
    link: str | None = None
    inherited: tuple[str, ...] = ()

    @property
    def schema(self) -> EntitySchema:
        return ENTITIES[self.kind]


@dataclass(frozen=True)
class FormDefinition:
    """A field form: its id (the XForm's ``id``), title, main record, repeat groups and photo question."""

    form_id: str
    title: str
    main: Part
    repeats: tuple[Part, ...] = ()
    photo: bool = False

    @property
    def parts(self) -> tuple[Part, ...]:
        return (self.main, *self.repeats)


# JSON fields asked as a repeat group of sub-questions: (field, sub-question name, type, vocabulary, label).
JSON_GROUPS: Mapping[tuple[str, str], tuple[tuple[str, str, str | None, str], ...]] = MappingProxyType(
    {
        ("hazardous_areas", "evidence"): (
            ("kind", "str", "evidence_kind", "kind of evidence"),
            ("direct", "bool", None, "direct evidence (seen on this ground), not inferred"),
            ("source", "str", None, "who or what gave it (person, organisation, document)"),
            (
                "ids",
                "str",
                None,
                "ids of the records it comes from (AC-..., EO-..., MR-...), space-separated",
            ),
        ),
    }
)

FORMS: Mapping[str, FormDefinition] = MappingProxyType(
    {
        f.form_id: f
        for f in (
            FormDefinition(
                "nts_hazardous_area",
                "Non-technical survey: hazardous area",
                Part("hazardous_areas"),
            ),
            FormDefinition("eo_spot_report", "Explosive ordnance spot report", Part("finds"), photo=True),
            FormDefinition(
                "accident_report",
                "Mine / ERW accident and its victims",
                Part("accidents"),
                (Part("victims", "victims", "Victim", link="accident"),),
            ),
            FormDefinition(
                "clearance_progress",
                "Clearance progress",
                Part("activities"),
                (
                    Part(
                        "finds",
                        "finds",
                        "Explosive ordnance found",
                        link="activity",
                        inherited=("hazardous_area", "district"),
                    ),
                ),
            ),
        )
    }
)


def form_definition(form_id: str) -> FormDefinition:
    """The form ``form_id``; the error lists the forms there are."""
    try:
        return FORMS[form_id]
    except KeyError:
        raise InputError(f"unknown form {form_id!r}; the forms are: {', '.join(FORMS)}") from None


def asked_fields(part: Part) -> tuple[Field, ...]:
    """The fields of ``part``'s kind the form asks: all but the server's, the link and the inherited ones."""
    skip = {*SERVER_FIELDS, *part.inherited, *((part.link,) if part.link else ())}
    return tuple(f for f in part.schema.fields if f.name not in skip)
