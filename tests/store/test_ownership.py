"""Records carry their owning organisation (owner_org, schema step 4), and the store itself refuses changes to
other organisations' records made while acting for a confined principal, on every back end."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pytest

from mineaction.errors import PermissionDenied
from mineaction.store import init_store, latest_version, migrations, open_store, schema_version
from mineaction.store.audit import Origin, acting


def _operators(n: int, owner: str | None = None, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [f"team {i}" for i in range(start, start + n)],
            "operator_kind": ["ngo"] * n,
            "owner_org": [owner] * n,
        }
    )


def test_every_kind_ends_with_its_owner() -> None:
    from mineaction.domain.schema import ENTITIES

    assert all(s.fields[-1].name == "owner_org" for s in ENTITIES.values())


def test_an_unconfined_origin_writes_any_record(store) -> None:
    with acting(Origin("vera", "ANAMA", confine=None)):
        done = store.write("operators", _operators(2, "OPB"), author="vera", reason="r")
        store.delete("operators", [done.inserted[0]], author="vera", reason="r")
    assert store.read("operators")["owner_org"].tolist() == ["OPB"]


def test_a_confined_origin_changes_its_own_organisations_records_only(store) -> None:
    theirs = store.write("operators", _operators(1, "OPB"), author="cli", reason="r").inserted[0]
    national = store.write("operators", _operators(1, None, start=5), author="cli", reason="r").inserted[0]
    with acting(Origin("olga", "OPA", confine="OPA")):
        mine = store.write("operators", _operators(2), author="olga", reason="r").inserted
        assert store.get("operators", mine[0])["owner_org"] == "OPA"  # an empty owner becomes theirs
        changed = _operators(1, "OPA", start=9).assign(id=mine[0])
        assert store.write("operators", changed, author="olga", reason="fix").updated == (mine[0],)
        with pytest.raises(PermissionDenied, match=r"olga \(OPA\) may not change operators row 2"):
            store.write(
                "operators", _operators(2, "OPA").assign(owner_org=["OPA", "OPB"]), author="o", reason="r"
            )
        with pytest.raises(PermissionDenied, match=f"operators {theirs}: it belongs to OPB"):
            store.write("operators", _operators(1, "OPA").assign(id=theirs), author="olga", reason="grab")
        with pytest.raises(PermissionDenied, match=f"{national}: it belongs to the national authority"):
            store.delete("operators", [national], author="olga", reason="r")
        store.delete("operators", [mine[1]], author="olga", reason="r")
    assert store.get("operators", theirs)["owner_org"] == "OPB"
    assert store.counts()["operators"] == 3


def test_an_origin_that_may_write_nothing_is_refused(store) -> None:
    with acting(Origin("dan", "DON", confine="")), pytest.raises(PermissionDenied, match="submit a report"):
        store.write("operators", _operators(1), author="dan", reason="r")
    assert store.counts()["operators"] == 0


def _version_3_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this code define the schema of version 3 (no owner_org)."""
    from mineaction.domain import schema
    from mineaction.store import sql

    old = MappingProxyType(
        {
            kind: dataclasses.replace(s, fields=tuple(f for f in s.fields if f.name != "owner_org"))
            for kind, s in schema.ENTITIES.items()
        }
    )
    for module in (schema, sql, migrations):
        monkeypatch.setattr(module, "ENTITIES", old)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])


def test_a_version_3_store_gains_owners_and_keeps_its_keys(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "v3.gpkg"
    frame = _operators(3).drop(columns="owner_org")
    with monkeypatch.context() as patch:
        _version_3_schema(patch)
        with init_store(path) as old:
            assert schema_version(old) == 3 and "owner_org" not in old.column_names("operators")
            first = old.write("operators", frame, author="t", reason="v3")
    with open_store(path) as store:
        assert schema_version(store) == latest_version()
        assert "owner_org" in store.column_names("operators_history")
        again = store.write("operators", frame, author="t", reason="after the upgrade")
        assert (again.inserted, again.updated, again.unchanged) == ((), (), 3)
        owned = frame.iloc[[0]].assign(id=first.inserted[0], owner_org="OPA")
        assert store.write("operators", owned, author="t", reason="owner").updated == (first.inserted[0],)
