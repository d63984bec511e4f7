"""People's personal data kept apart in restricted tables, on every back end: the record tables, history and
exports hold none of it; reading it is explicit and audited; its history follows the record's; older stores
are split by a migration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mineaction.store import init_store, latest_version, open_store, schema_version
from mineaction.store.audit import Origin, acting, audit_entries

MARKER = "SIMULATED-Zeynalova-7f3a"


def _victims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "accident": ["AC-000001", "AC-000002", "AC-000003"],
            "age": [34, 12, 51],
            "sex": ["male", "female", "male"],
            "outcome": ["injured", "killed", "injured"],
            "name": [None, MARKER, "SIMULATED-Aliyev"],
            "contact": [None, "+994 SIMULATED", None],
            "date_of_birth": [None, "2011-04-02", None],
        }
    )


def _everything_but_personal(store) -> str:
    tables = [t for t in ("victims", "victims_history", "mineaction_audit", "mineaction_documents")]
    return repr([store.query(f"SELECT * FROM {t}") for t in tables])


def test_personal_values_live_only_in_the_restricted_tables(store) -> None:
    written = store.write("victims", _victims(), author="t", reason="register")
    assert not {"name", "contact", "date_of_birth"} & store.column_names("victims")
    assert not {"name", "contact", "date_of_birth"} & store.column_names("victims_history")
    assert MARKER not in _everything_but_personal(store)
    assert store.query("SELECT COUNT(*) FROM victims_personal")[0][0] == 2  # the first has no personal value
    plain = store.read("victims")
    assert plain["name"].isna().all() and plain["date_of_birth"].isna().all()
    full = store.read("victims", include_personal=True)
    assert full["name"].tolist()[1] == MARKER and str(full["date_of_birth"].iloc[1].date()) == "2011-04-02"
    assert store.get("victims", written.inserted[1], include_personal=True)["contact"] == "+994 SIMULATED"
    assert store.get("victims", written.inserted[1])["contact"] is None
    again = store.write("victims", _victims(), author="t", reason="same again")
    assert again.unchanged == 3  # content keys still cover the personal fields


def test_reading_personal_data_on_someones_behalf_is_audited(store) -> None:
    written = store.write("victims", _victims(), author="t", reason="register")
    store.read("victims", include_personal=True)  # code working on the store directly: not logged
    with acting(Origin("vera", "ANAMA", "192.0.2.1", "api")):
        store.read("victims")
        assert not audit_entries(store, action="read_personal")
        store.read("victims", include_personal=True)
        store.get("victims", written.inserted[1], include_personal=True)
        store.history("victims", include_personal=True)
    reads = audit_entries(store, action="read_personal")
    assert [r.target for r in reads] == ["victims", "victims", "victims"]
    assert reads[0].actor == "vera" and reads[0].to_dict()["detail"]["records"] == 3
    assert reads[1].to_dict()["detail"]["ids"] == [written.inserted[1]]
    assert MARKER not in repr(reads)


def test_personal_history_follows_the_records(store) -> None:
    registered = _victims().assign(recorded_at="2025-01-01")
    first = store.write("victims", registered, author="t", reason="register").inserted
    renamed = _victims().iloc[[1]].assign(id=first[1], name="SIMULATED-renamed", recorded_at="2026-01-01")
    assert store.write("victims", renamed, author="t", reason="corrected name").updated == (first[1],)
    history = store.history("victims", first[1], include_personal=True)
    assert history["name"].tolist() == [MARKER, "SIMULATED-renamed"]
    assert store.history("victims", first[1])["name"].isna().all()
    then = store.read("victims", as_of="2025-12-31", include_personal=True)
    assert MARKER in then["name"].tolist() and "SIMULATED-renamed" not in then["name"].tolist()
    store.delete("victims", [first[1]], author="t", reason="duplicate")
    assert store.query("SELECT COUNT(*) FROM victims_personal WHERE id = ?", [first[1]])[0][0] == 0
    kept = store.history("victims", first[1], include_personal=True)
    assert (
        kept["op"].tolist() == ["insert", "update", "delete"] and kept["name"].iloc[1] == "SIMULATED-renamed"
    )


def test_survivor_kinds_keep_their_details_apart_too(store) -> None:
    needs = pd.DataFrame(
        {
            "victim": ["VI-000001"],
            "need": ["medical"],
            "assessed_on": ["2024-02-01"],
            "status": ["open"],
            "details": [MARKER],
        }
    )
    store.write("survivor_needs", needs, author="t", reason="assessment")
    assert "details" not in store.column_names("survivor_needs")
    assert store.read("survivor_needs")["details"].isna().all()
    assert store.read("survivor_needs", include_personal=True)["details"].tolist() == [MARKER]


def test_an_older_store_with_personal_columns_is_split(tmp_path: Path) -> None:
    path = tmp_path / "old.gpkg"
    with init_store(path) as store:
        ids = store.write("victims", _victims(), author="t", reason="register").inserted
        # Rebuild the layout before the personal step, personal columns inside the record tables.
        for table, source, key in (
            ("victims", "victims_personal", "id"),
            ("victims_history", "victims_personal_history", "revision"),
        ):
            for name, kind in (("name", "TEXT"), ("contact", "TEXT"), ("date_of_birth", "DATE")):
                store.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                link = "id" if key == "id" else "record_revision"
                value = f"(SELECT p.{name} FROM {source} p WHERE p.{link} = {table}.{key})"
                store.execute(f"UPDATE {table} SET {name} = {value}")
            store.execute(f"DROP TABLE {source}")
        store.execute("DELETE FROM mineaction_schema_version WHERE version >= 7")  # later steps run again
    with open_store(path) as store:
        assert schema_version(store) == latest_version()
        assert "name" not in store.column_names("victims")
        assert store.get("victims", ids[1], include_personal=True)["name"] == MARKER
        assert store.history("victims", ids[1], include_personal=True)["name"].tolist() == [MARKER]
        assert MARKER not in _everything_but_personal(store)
