"""The compact structures of large writes: live content keys as a sorted array, reported ids as text."""

from __future__ import annotations

import hashlib

import numpy as np

from mineaction.store.keys import KeySet
from mineaction.store.writes import IdLog


def _keys(n: int, start: int = 0) -> list[str]:
    return [hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest() for i in range(start, start + n)]


def test_key_set_answers_membership_like_a_python_set() -> None:
    keys = _keys(3_000)
    members = KeySet(keys[:1_000])
    members.add(keys[500:2_000])  # overlapping: each key counted once
    assert len(members) == 2_000
    assert members.contains(keys).tolist() == [True] * 2_000 + [False] * 1_000
    assert keys[1_999] in members and keys[2_000] not in members and 42 not in members


def test_key_set_keeps_hand_edited_keys_distinct() -> None:
    members = KeySet(["not a key", "0" * 32])
    assert "not a key" in members and "0" * 32 in members
    assert "not a key!" not in members and "1" * 32 not in members and "0" * 31 not in members
    assert KeySet().contains([]).shape == (0,)
    assert not KeySet().contains(_keys(2)).any()


def test_id_log_returns_every_id_in_order() -> None:
    log = IdLog()
    log.extend([f"EO-{i:06d}" for i in range(1, 50_001)])
    log.extend([])
    log.extend(["a\u001fb", "c"])  # an id holding the separator is kept as it is
    log.extend(["", "d"])
    ids = log.to_tuple()
    assert len(ids) == 50_004 and ids[0] == "EO-000001" and ids[49_999] == "EO-050000"
    assert ids[50_000:] == ("a\u001fb", "c", "", "d")
    assert IdLog().to_tuple() == ()
    assert np.all(np.array(ids[:50_000]) == np.array([f"EO-{i:06d}" for i in range(1, 50_001)]))
