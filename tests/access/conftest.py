"""Fixtures of the access tests: a store (every back end) with organisations of each kind."""

from __future__ import annotations

import pytest

from mineaction.access import add_organisation


@pytest.fixture
def orgs(store: object) -> object:
    """The ``store`` fixture with the authority ANAMA, two operators (OPA, OPB) and a donor (DON)."""
    add_organisation(store, "ANAMA", kind="authority", name="national mine action agency")
    add_organisation(store, "OPA", kind="operator", name="operator A")
    add_organisation(store, "OPB", kind="operator", name="operator B")
    add_organisation(store, "DON", kind="donor", name="a donor")
    return store
