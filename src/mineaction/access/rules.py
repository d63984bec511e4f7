"""Who may do what, as data: roles, organisation kinds, actions and the role x action x kind rules.

The rules are one table (``RULES``), like Django's permissions: the server, the command line and the dashboard
all ask ``scope(role, action, kind)`` and never spell a rule out in an ``if``. ``docs/access.md`` shows the
table as ``rules_markdown()`` renders it (a test keeps the two the same).

A rule gives a **scope**:

- ``all``: on every organisation's records;
- ``own``: only on records owned by the principal's own organisation (a record's ``organisation`` field);
- ``grant``: only for users given that permission explicitly (``mineaction users grant``), then on all;
- ``none``: not at all.

Rules name kinds by selector: ``*`` (every kind), ``@people`` (kinds that hold personal data: any kind with a
field marked ``personal`` in the domain schema, such as victims), ``@public`` (kinds published to anonymous
clients) or a kind's name. The most specific selector wins: a kind's name, then ``@people``, then
``@public``, then ``*``. A role with no rule for an action may not do it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from mineaction.domain.schema import ENTITIES

__all__ = [
    "ACTIONS",
    "GENERAL_ACTIONS",
    "GROUPS",
    "ORGANISATION_KINDS",
    "PUBLIC_KINDS",
    "ROLES",
    "ROLE_ORGANISATION_KINDS",
    "RULES",
    "Rule",
    "SECOND_FACTOR_ROLES",
    "Scope",
    "covers",
    "people_kinds",
    "rules_markdown",
    "scope",
    "selector_kinds",
]

Scope = Literal["all", "own", "grant", "none"]

ROLES: dict[str, str] = {
    "admin": "system administrator of the national authority: accounts, roles, the audit log",
    "verifier": "information-management officer: checks, approves or returns reports; edits the record",
    "data_entry": "enters reports for its organisation (authority or operator) and submits them",
    "operator": "an operator's planner: its own organisation's reports and work; reads the national record",
    "viewer": "reads the national record (donors, UN, partners, analysts); no personal data",
    "public": "anyone without an account: public kinds and aggregates only",
}

ORGANISATION_KINDS: dict[str, str] = {
    "authority": "the national mine action authority (ANAMA)",
    "operator": "a demining operator (national agency, military, commercial, NGO)",
    "donor": "a donor or funding body",
    "other": "any other partner (UN agencies, ministries, researchers)",
}

# Roles that must give a second factor (TOTP or a recovery code) to sign in with a password (ASVS L2).
SECOND_FACTOR_ROLES: tuple[str, ...] = ("admin", "verifier")

# Which kinds of organisation a user of each role may belong to.
ROLE_ORGANISATION_KINDS: dict[str, tuple[str, ...]] = {
    "admin": ("authority",),
    "verifier": ("authority",),
    "data_entry": ("authority", "operator"),
    "operator": ("operator",),
    "viewer": ("authority", "operator", "donor", "other"),
    "public": (),
}

ACTIONS: dict[str, str] = {
    "read": "read the current, approved records (items, single records, exports)",
    "read_aggregate": "see aggregate figures (counts and totals; counts under 5 shown as <5)",
    "write": "create, replace, update or delete records directly in the national record",
    "submit": "submit a report (new or changed records) for approval; resubmit a returned one",
    "review": "read submitted reports that are not approved yet",
    "approve": "approve a submitted report or return it with comments",
    "read_personal": "read people's personal data (names, dates of birth, contacts, medical details)",
    "write_personal": "enter or change people's personal data",
    "analyse": "run analyses that store results (risk model fits, plans)",
    "manage_users": "add organisations and users, change roles and grants, revoke others' tokens",
    "read_audit": "read and verify the audit log",
}

# Actions not about one kind of record (their rules use the ``*`` selector).
GENERAL_ACTIONS: tuple[str, ...] = ("analyse", "manage_users", "read_audit")

# Published to anonymous clients (``public``): the hazard map and its context, never finds, records,
# accidents or people.
PUBLIC_KINDS: tuple[str, ...] = (
    "admin_areas",
    "assets",
    "context_layers",
    "funding",
    "hazardous_areas",
    "operators",
)

GROUPS: dict[str, str] = {
    "*": "every kind",
    "@people": "kinds holding personal data",
    "@public": "kinds published to anonymous clients",
}


@dataclass(frozen=True)
class Rule:
    """``role`` may do ``action`` on kinds ``kinds`` (a selector) within ``scope``."""

    role: str
    action: str
    kinds: str
    scope: Scope


def _rules(role: str, *rows: tuple[str, str, Scope]) -> tuple[Rule, ...]:
    return tuple(Rule(role, action, kinds, scope) for action, kinds, scope in rows)


RULES: tuple[Rule, ...] = (
    *_rules(
        "admin",
        ("read", "*", "all"),
        ("read_aggregate", "*", "all"),
        ("write", "*", "all"),
        ("submit", "*", "all"),
        ("review", "*", "all"),
        ("approve", "*", "all"),
        ("read_personal", "@people", "grant"),
        ("write_personal", "@people", "grant"),
        ("analyse", "*", "all"),
        ("manage_users", "*", "all"),
        ("read_audit", "*", "all"),
    ),
    *_rules(
        "verifier",
        ("read", "*", "all"),
        ("read_aggregate", "*", "all"),
        ("write", "*", "all"),
        ("submit", "*", "all"),
        ("review", "*", "all"),
        ("approve", "*", "all"),
        ("read_personal", "@people", "grant"),
        ("write_personal", "@people", "grant"),
        ("analyse", "*", "all"),
    ),
    *_rules(
        "data_entry",
        ("read", "*", "all"),
        ("read", "@people", "own"),
        ("read_aggregate", "*", "all"),
        ("submit", "*", "own"),
        ("review", "*", "own"),
        ("write_personal", "@people", "grant"),
    ),
    *_rules(
        "operator",
        ("read", "*", "all"),
        ("read", "@people", "none"),
        ("read_aggregate", "*", "all"),
        ("submit", "*", "own"),
        ("review", "*", "own"),
    ),
    *_rules(
        "viewer",
        ("read", "*", "all"),
        ("read", "@people", "none"),
        ("read_aggregate", "*", "all"),
    ),
    *_rules(
        "public",
        ("read", "@public", "all"),
        ("read_aggregate", "*", "all"),
    ),
)

_ORDER: dict[str, int] = {"none": 0, "own": 1, "grant": 2, "all": 3}


def people_kinds() -> tuple[str, ...]:
    """Kinds with at least one field marked ``personal`` in the domain schema (victims, ...)."""
    return tuple(kind for kind, schema in ENTITIES.items() if any(f.personal for f in schema.fields))


def selector_kinds(selector: str) -> tuple[str, ...]:
    """The kinds a rule's selector names."""
    if selector == "*":
        return tuple(ENTITIES)
    if selector == "@people":
        return people_kinds()
    if selector == "@public":
        return tuple(k for k in PUBLIC_KINDS if k in ENTITIES)
    return (selector,) if selector in ENTITIES else ()


def _specificity(selector: str, kind: str) -> int | None:
    """How closely ``selector`` names ``kind`` (higher is closer), or None when it does not name it."""
    if selector == kind:
        return 3
    if selector in ("@people", "@public") and kind in selector_kinds(selector):
        return 2 if selector == "@people" else 1
    return 0 if selector == "*" else None


@functools.cache
def scope(role: str, action: str, kind: str | None = None) -> Scope:
    """The scope ``role`` has for ``action`` on ``kind`` (``None``: an action not about one kind).

    The rule with the most specific selector naming the kind decides; no rule means ``none``.
    """
    best: tuple[int, Scope] | None = None
    for rule in RULES:
        if rule.role != role or rule.action != action:
            continue
        rank = _specificity(rule.kinds, kind) if kind is not None else (0 if rule.kinds == "*" else None)
        if rank is not None and (best is None or rank > best[0]):
            best = (rank, rule.scope)
    return "none" if best is None else best[1]


@functools.cache
def covers(role: str, other: str) -> bool:
    """Whether ``role`` may do everything ``other`` may, as widely (a token for ``other`` may then be issued
    to a user of ``role``)."""
    for action in ACTIONS:
        for kind in [None, *ENTITIES]:
            if _ORDER[scope(other, action, kind)] > _ORDER[scope(role, action, kind)]:
                return False
    return True


def _representative(selector: str) -> str | None:
    """A kind the selector's row is resolved with in the rendered table (one only that selector names)."""
    if selector == "*":
        special = set(people_kinds()) | set(PUBLIC_KINDS)
        return next((k for k in ENTITIES if k not in special), None)
    kinds = selector_kinds(selector)
    return kinds[0] if kinds else None


def rules_markdown() -> str:
    """The rules as Markdown tables: role x action for each kind selector the rules use, then the groups."""
    selectors = list(dict.fromkeys(r.kinds for r in RULES))
    roles = list(ROLES)
    lines = [
        "| action | kinds | " + " | ".join(f"`{r}`" for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for action in ACTIONS:
        for selector in selectors:
            if not any(r.action == action and r.kinds == selector for r in RULES):
                continue
            kind = _representative(selector)
            cells = [scope(role, action, kind).replace("none", "-") for role in roles]
            label = "(not about a kind)" if action in GENERAL_ACTIONS else GROUPS.get(selector, selector)
            lines.append(f"| `{action}` | {label} | " + " | ".join(cells) + " |")
    lines += ["", "| group | kinds |", "|---|---|"]
    for selector in ("@people", "@public"):
        lines.append(f"| {GROUPS[selector]} | {', '.join(selector_kinds(selector))} |")
    return "\n".join(lines) + "\n"
