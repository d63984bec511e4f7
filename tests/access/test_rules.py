"""The rules as data: every rule names known roles, actions and kinds, the resolution is most-specific-first,
and docs/access.md shows exactly the table the code renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from mineaction.access import rules
from mineaction.access.rules import ACTIONS, ROLES, RULES, covers, people_kinds, rules_markdown, scope
from mineaction.domain.schema import ENTITIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def test_every_rule_names_a_known_role_action_and_kind_selector() -> None:
    for rule in RULES:
        assert rule.role in ROLES and rule.action in ACTIONS, rule
        assert rule.kinds in rules.GROUPS or rule.kinds in ENTITIES, rule
        assert rule.scope in ("all", "own", "grant", "none"), rule
    assert set(rules.PUBLIC_KINDS) <= set(ENTITIES)
    assert set(rules.ROLE_ORGANISATION_KINDS) == set(ROLES)


def test_no_role_has_two_rules_for_the_same_action_and_kinds() -> None:
    keys = [(r.role, r.action, r.kinds) for r in RULES]
    assert len(keys) == len(set(keys))


def test_people_kinds_come_from_the_personal_flag_of_the_schema() -> None:
    assert "victims" in people_kinds()
    assert all(any(f.personal for f in ENTITIES[k].fields) for k in people_kinds())
    assert "finds" not in people_kinds()


@pytest.mark.parametrize(
    ("role", "action", "kind", "expected"),
    [
        ("viewer", "read", "finds", "all"),
        ("viewer", "read", "victims", "none"),  # @people beats *
        ("operator", "submit", "activities", "own"),
        ("public", "read", "hazardous_areas", "all"),
        ("public", "read", "finds", "none"),
        ("public", "read", "minefield_records", "none"),
        ("public", "read_aggregate", "victims", "all"),
        ("verifier", "read_personal", "victims", "grant"),
        ("verifier", "read_personal", "finds", "none"),  # personal data is a people-kind matter only
        ("verifier", "approve", "finds", "all"),
        ("data_entry", "approve", "finds", "none"),
        ("admin", "manage_users", None, "all"),
        ("verifier", "manage_users", None, "none"),
    ],
)
def test_scope_of_a_role_action_and_kind(role: str, action: str, kind: str | None, expected: str) -> None:
    assert scope(role, action, kind) == expected


def test_covers_orders_roles_by_what_they_may_do() -> None:
    assert covers("verifier", "viewer") and covers("admin", "verifier") and covers("viewer", "public")
    assert not covers("viewer", "operator")  # a viewer may not submit
    assert not covers("operator", "verifier")
    assert all(covers(role, role) for role in ROLES)


def test_the_document_shows_the_rules_the_code_uses() -> None:
    text = DOC.read_text()
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    assert start in text and end in text, "docs/access.md lacks the rules markers"
    shown = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert shown == rules_markdown().strip(), (
        "docs/access.md is out of date; paste mineaction.access.rules.rules_markdown() between the markers"
    )


def test_the_document_lists_every_audit_action() -> None:
    from mineaction.access import AUDIT_ACTIONS

    text = DOC.read_text()
    missing = [a for a, meaning in AUDIT_ACTIONS.items() if f"| `{a}` | {meaning} |" not in text]
    assert not missing, f"docs/access.md does not list audit actions {missing}"
