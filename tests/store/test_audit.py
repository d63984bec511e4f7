"""The audit log on every back end: the store logs its own writes, deletes, settings and documents; the
chain never forks under concurrent appends; editing, deleting or reordering one row directly in SQLite or
PostgreSQL makes the check (and `mineaction audit verify`) fail naming that entry."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli
from mineaction.store import open_store
from mineaction.store.audit import Origin, acting, append_audit, audit_entries, verify_chain


def _operators(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {"name": [f"operator {i}" for i in range(start, start + n)], "operator_kind": ["ngo"] * n}
    )


def test_store_writes_and_deletes_are_logged_with_who_and_from_where(store) -> None:
    with acting(Origin("vera", "ANAMA", "10.0.0.7", "api")):
        written = store.write(
            "operators", _operators(3), author="vera", reason="register", source_doc="r.csv"
        )
        store.write("operators", _operators(3), author="vera", reason="again")  # changes nothing: no entry
        store.delete("operators", [written.inserted[0]], author="vera", reason="duplicate")
    store.set_setting("aoi", [44.5, 38.3, 50.9, 41.95])
    store.save_document("plans", "p1", {"x": 1}, author="planner", reason="test plan")
    entries = audit_entries(store)
    assert [e.action for e in entries] == ["write", "delete", "setting", "document"]
    write = entries[0].to_dict()
    assert (write["actor"], write["organisation"], write["origin"]) == ("vera", "ANAMA", "api 10.0.0.7")
    assert write["target"] == "operators"
    assert write["detail"]["inserted"] == 3 and write["detail"]["ids"] == list(written.inserted)
    assert write["detail"]["reason"] == "register" and write["detail"]["source_doc"] == "r.csv"
    assert entries[1].to_dict()["detail"]["ids"] == [written.inserted[0]]
    assert entries[3].actor == "planner" and entries[3].origin is None
    assert verify_chain(store).ok


def test_a_failed_write_leaves_no_entry(store) -> None:
    store.write("operators", _operators(1), author="a", reason="r")
    with pytest.raises(RuntimeError, match="half-way"), store.transaction():
        store.write("operators", _operators(1, start=5), author="a", reason="r")
        raise RuntimeError("the import failed half-way")
    assert len(audit_entries(store)) == 1 and verify_chain(store).ok


def test_the_log_is_append_only_for_ordinary_sql(store) -> None:
    append_audit(store, "login", "user:vera")
    for sql in ("UPDATE mineaction_audit SET actor = 'eve'", "DELETE FROM mineaction_audit"):
        with pytest.raises(Exception, match="append-only"):
            store.execute(sql)
    assert verify_chain(store).ok


def test_concurrent_appends_from_two_connections_never_fork_the_chain(store_url) -> None:
    if store_url == "memory://":
        pytest.skip("a memory store has one connection")
    stores = [open_store(store_url) for _ in range(2)]

    def append(store, who: str) -> None:
        for i in range(15):
            append_audit(store, "login", f"user:{who}", {"i": i})

    threads = [threading.Thread(target=append, args=(s, f"u{j}")) for j, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = verify_chain(stores[0])
    for s in stores:
        s.close()
    assert check.ok and check.entries == 30


def _unlock(store, store_url: str) -> None:
    """What someone with direct database access could do first: drop the append-only guard."""
    if store_url.startswith("postgresql"):
        store.execute("ALTER TABLE mineaction_audit DISABLE TRIGGER USER")
    else:
        store.execute("DROP TRIGGER mineaction_audit_no_update")
        store.execute("DROP TRIGGER mineaction_audit_no_delete")


_TAMPER = {
    "edit": ["UPDATE mineaction_audit SET detail = '{\"i\": 99}' WHERE seq = 3"],
    "delete": ["DELETE FROM mineaction_audit WHERE seq = 3"],
    "reorder": [
        "UPDATE mineaction_audit SET seq = -1 WHERE seq = 3",
        "UPDATE mineaction_audit SET seq = 3 WHERE seq = 4",
        "UPDATE mineaction_audit SET seq = 4 WHERE seq = -1",
    ],
    "cut the tail": ["DELETE FROM mineaction_audit WHERE seq = 6"],
}


@pytest.mark.parametrize("how", list(_TAMPER))
def test_tampering_with_one_row_is_found_and_named(store, store_url, how: str) -> None:
    if store_url == "memory://":
        pytest.skip("the command line cannot open another connection to a memory store")
    for i in range(6):
        append_audit(store, "login", "user:vera", {"i": i})
    head = verify_chain(store)
    assert head.ok and head.entries == 6
    _unlock(store, store_url)
    for sql in _TAMPER[how]:
        store.execute(sql)
    check = verify_chain(store)
    expected = 6 if how == "cut the tail" else 3
    assert not check.ok and check.first_broken == expected, check
    result = CliRunner().invoke(cli, ["audit", "verify", store_url])
    assert result.exit_code == 1
    assert f"audit log BROKEN at entry {expected}:" in result.output


def test_an_anchor_kept_elsewhere_shows_a_rewritten_log(store, store_url) -> None:
    for i in range(3):
        append_audit(store, "login", "user:vera", {"i": i})
    anchor = {3: verify_chain(store).head_hash}
    assert verify_chain(store, anchors=anchor).ok
    _unlock(store, store_url)
    store.execute("DELETE FROM mineaction_audit")
    store.execute(f"UPDATE mineaction_audit_head SET seq = 0, hash = '{'0' * 64}'")
    for i in range(3):  # a forger re-creates a consistent chain
        append_audit(store, "login", "user:eve", {"i": i})
    assert verify_chain(store).ok
    check = verify_chain(store, anchors=anchor)
    assert not check.ok and check.first_broken == 3 and "rewritten" in str(check.problem)


def test_audit_commands_report_an_intact_log(store, store_url) -> None:
    if store_url == "memory://":
        pytest.skip("the command line cannot open another connection to a memory store")
    append_audit(store, "login", "user:vera")
    head = verify_chain(store)
    ok = CliRunner().invoke(cli, ["audit", "verify", store_url, "--anchor", f"1:{head.head_hash}"])
    assert ok.exit_code == 0 and "audit log intact: 1 entries" in ok.output
    shown = CliRunner().invoke(cli, ["audit", "show", store_url, "--json"])
    assert '"action": "login"' in shown.output
    bad = CliRunner().invoke(cli, ["audit", "verify", store_url, "--anchor", "x"])
    assert bad.exit_code != 0 and "give SEQ:HASH" in str(bad.exception)
