"""OpenRosa submissions: a filled form's instance XML read into validated records.

ODK Collect and Enketo post the instance as XML: its root element carries the form's ``id`` and ``version``
attributes, each question is a child element named after it, each repeat is one child element per repetition
named after its group, and ``meta/instanceID`` identifies the filled form (``uuid:...``) for good. The XML
must not declare a document type (no entities are expanded); the form must be one the server serves, in the
version it serves.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date
from typing import Any

from mineaction.errors import InputError
from mineaction.forms.answers import FormRecords, form_records
from mineaction.forms.definitions import FORMS, JSON_GROUPS, FormDefinition

__all__ = ["read_submission"]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element_answers(element: ET.Element, *, groups: set[str]) -> dict[str, Any]:
    """Answers of one record: leaf children as text, children named in ``groups`` as lists of records."""
    answers: dict[str, Any] = {}
    for child in element:
        name = _local(child.tag)
        if name in groups:
            answers.setdefault(name, []).append(_element_answers(child, groups=set()))
        elif len(child) == 0:
            answers[name] = (child.text or "").strip()
    return answers


def _meta(root: ET.Element) -> dict[str, str]:
    meta = next((c for c in root if _local(c.tag) == "meta"), None)
    return {} if meta is None else {_local(c.tag): (c.text or "").strip() for c in meta}


def _parse(data: bytes, *, where: str) -> ET.Element:
    head = data[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise InputError(f"{where}: the XML declares a document type or entities; send the plain instance")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"{where}: not well-formed XML ({exc}); send the form's instance XML") from None


def _form(root: ET.Element, versions: Mapping[str, str], *, where: str) -> FormDefinition:
    form_id, version = root.attrib.get("id", ""), root.attrib.get("version", "")
    if form_id not in FORMS or form_id not in versions:
        served = ", ".join(sorted(versions))
        raise InputError(f"{where}: form id {form_id!r} is not served here; the forms are: {served}")
    if version != versions[form_id]:
        raise InputError(
            f"{where}: {form_id} version {version!r} is not the version served ({versions[form_id]}); "
            "update the form on the device (get blank form) and fill it again"
        )
    return FORMS[form_id]


def read_submission(
    data: bytes,
    versions: Mapping[str, str],
    *,
    where: str = "submission",
    today: date | None = None,
    attachments: tuple[str, ...] = (),
) -> FormRecords:
    """Validated records of the instance XML ``data``.

    Parameters
    ----------
    data : bytes
        The instance XML (the ``xml_submission_file`` part of an OpenRosa submission).
    versions : mapping
        Form id -> the version served; a submission of another form or version is refused.
    where : str
        Name used in errors (e.g. the request's part name).
    today : date, optional
        Dates after this day are errors (default today, UTC).
    attachments : tuple of str
        Names of the files sent with the instance; a photo answer naming a file not sent is an error.
    """
    root = _parse(data, where=where)
    form = _form(root, versions, where=where)
    meta = _meta(root)
    instance_id = meta.get("instanceID", "")
    where = f"{where} {form.form_id} {instance_id}".rstrip()
    groups = {p.group for p in form.repeats} | {name for kind, name in JSON_GROUPS if kind == form.main.kind}
    main = _element_answers(root, groups=groups)
    repeats = {p.group: main.pop(p.group, []) for p in form.repeats}
    named = tuple(str(main[n]) for n in ("photo",) if form.photo and main.get(n))
    missing = [n for n in named if n not in attachments]
    if missing:
        raise InputError(
            f"{where}: the photo {missing[0]!r} is named but was not sent; send it with the form"
        )
    return form_records(
        form,
        main,
        repeats,
        instance_id=instance_id,
        version=versions[form.form_id],
        where=where,
        today=today,
        attachments=named,
        meta=meta,
    )
