"""Validation rules of the people-centred kinds: risk education audiences, survivors' needs and services.

Used by ``mineaction.domain.validate.validate_frame``. Two jobs, each one vectorised pass over the frame:

- ``parse_term_list``: a JSON field with a vocabulary (risk education ``topics``) holds a list of terms; it
  accepts a JSON list or text separated by ``;``, ``,`` or ``|`` (what spreadsheets and field forms write),
  normalises every term to its code and names the terms that are not in the vocabulary;
- ``check_people_rules``: rules that join fields: a campaign ending before it began, more returnees or people
  with disabilities than people reached, returning families without returnees, a need closed before it was
  assessed or closed while still open, a service delivered before the referral, a completed referral with no
  delivery date.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd

from mineaction.domain.issues import IssueCollector
from mineaction.domain.schema import EntitySchema, Field
from mineaction.domain.vocab import VOCABULARIES, normalize_term

__all__ = ["AUDIENCE_FIELDS", "CLOSED_NEED_STATUSES", "check_people_rules", "parse_term_list"]

#: Audience counts of a risk education record, by sex and age band (children are under 18), people.
AUDIENCE_FIELDS = ("girls", "boys", "women", "men")
#: Need statuses that close a need (it needs a ``closed_on`` date).
CLOSED_NEED_STATUSES = frozenset({"met", "declined", "lost"})

_SPLIT = re.compile(r"\s*[;,|]\s*")


def _terms(value: Any) -> list[str] | None:
    """The items of one cell: a list, a JSON list, or separated text; None when it is not readable."""
    if isinstance(value, (list, tuple, np.ndarray)):  # GeoJSON read through Arrow gives arrays
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            return None
        return [str(v) for v in loaded] if isinstance(loaded, list) else None
    return [t for t in _SPLIT.split(text) if t]


def parse_term_list(f: Field, raw: pd.Series, present: np.ndarray, out: IssueCollector) -> pd.Series:
    """Lists of vocabulary codes from a column of lists, JSON lists or separated text (empty stays None)."""
    vocabulary = VOCABULARIES[f.vocabulary or ""]
    values = raw.to_numpy(dtype=object)
    parsed: list[list[str] | None] = [None] * len(values)
    reasons = np.full(len(values), "", dtype=object)
    for i in np.flatnonzero(present):
        items = _terms(values[i])
        if items is None:
            reasons[i] = "not a list of terms"
            continue
        codes = [normalize_term(t, vocabulary) for t in items]
        unknown = [t for t, c in zip(items, codes, strict=True) if c is None]
        if unknown:
            reasons[i] = f"{', '.join(repr(t) for t in unknown)} not in the {f.vocabulary} vocabulary"
            continue
        parsed[i] = list(dict.fromkeys(c for c in codes if c is not None))
    bad = reasons != ""
    out.add(bad, f.name, raw, reasons, f"write terms separated by ';' from: {', '.join(vocabulary)}")
    return pd.Series(parsed, dtype=object)


def _number(parsed: dict[str, pd.Series], name: str) -> np.ndarray:
    return parsed[name].astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _before(parsed: dict[str, pd.Series], later: str, earlier: str) -> np.ndarray:
    return (parsed[later] < parsed[earlier]).fillna(False).to_numpy(dtype=bool)


def _risk_education(parsed: dict[str, pd.Series], out: IssueCollector) -> None:
    out.add(
        _before(parsed, "ended_on", "delivered_on"),
        "ended_on",
        parsed["ended_on"],
        "before delivered_on",
        "check both dates (ended_on is the last day of a campaign)",
    )
    counts = np.column_stack([_number(parsed, name) for name in AUDIENCE_FIELDS])
    counted = ~np.isnan(counts).all(axis=1)
    total = np.nansum(counts, axis=1)
    for name in ("returnees", "with_disability"):
        more = counted & (_number(parsed, name) > total)
        out.add(
            more,
            name,
            parsed[name],
            "more than the girls, boys, women and men reached together",
            f"check {name} and the audience counts",
        )
    families = _number(parsed, "families_reached")
    no_people = (families > 0) & (_number(parsed, "returnees") == 0)
    out.add(
        no_people,
        "families_reached",
        parsed["families_reached"],
        "returning families reached but no returnees",
        "fill in returnees (people) or clear families_reached",
    )


def _survivor_needs(parsed: dict[str, pd.Series], out: IssueCollector) -> None:
    out.add(
        _before(parsed, "closed_on", "assessed_on"),
        "closed_on",
        parsed["closed_on"],
        "before assessed_on",
        "check both dates",
    )
    status = parsed["status"].fillna("").to_numpy(dtype=object)
    closed = np.isin(status, list(CLOSED_NEED_STATUSES))
    has_date = parsed["closed_on"].notna().to_numpy()
    out.add(
        closed & ~has_date,
        "closed_on",
        parsed["status"],
        "status closes the need but closed_on is empty",
        "fill in the date the need was met or closed",
        severity="warning",
    )
    out.add(
        ~closed & (status != "") & has_date,
        "status",
        parsed["status"],
        "still open but closed_on is filled in",
        "set status to met, declined or lost, or clear closed_on",
    )


def _survivor_services(parsed: dict[str, pd.Series], out: IssueCollector) -> None:
    out.add(
        _before(parsed, "provided_on", "referred_on"),
        "provided_on",
        parsed["provided_on"],
        "before referred_on",
        "check both dates",
    )
    status = parsed["referral_status"].fillna("").to_numpy(dtype=object)
    provided = parsed["provided_on"].notna().to_numpy()
    out.add(
        np.isin(status, ["completed", "not_referred"]) & ~provided,
        "provided_on",
        parsed["referral_status"],
        "the service was received but provided_on is empty",
        "fill in the date the service was delivered",
    )
    out.add(
        (status == "pending") & provided,
        "referral_status",
        parsed["referral_status"],
        "pending although provided_on is filled in",
        "set referral_status to completed, or clear provided_on",
        severity="warning",
    )


_RULES = {
    "risk_education": _risk_education,
    "survivor_needs": _survivor_needs,
    "survivor_services": _survivor_services,
}


def check_people_rules(schema: EntitySchema, parsed: dict[str, pd.Series], out: IssueCollector) -> None:
    """Add the issues of the rules that join fields of ``schema``'s kind (nothing for other kinds)."""
    rule = _RULES.get(schema.kind)
    if rule is not None:
        rule(parsed, out)
