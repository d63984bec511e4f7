"""The one small-count rule: counts of people from 1 to 4 are hidden from roles that may not see
individuals, with secondary suppression where totals would give them away."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mineaction.access import PUBLIC, Principal, must_suppress
from mineaction.domain import SUPPRESSED, suppress_count, suppress_counts, suppress_table


def test_counts_from_one_to_four_are_hidden() -> None:
    assert [suppress_count(v) for v in (0, 1, 4, 5, 12)] == [0, SUPPRESSED, SUPPRESSED, 5, 12]
    assert suppress_count(np.int64(3)) == "<5" and suppress_count(3.0) == "<5"
    assert suppress_count(2.5) == 2.5 and suppress_count(None) is None and suppress_count(True) is True


def test_who_must_see_suppressed_counts() -> None:
    assert must_suppress(PUBLIC) and must_suppress(Principal("d", "viewer", "DON"))
    assert must_suppress(Principal("o", "operator", "OPA"))
    assert not must_suppress(Principal("v", "verifier", "ANAMA"))
    assert not must_suppress(PUBLIC, "finds")  # not a kind about people


def test_nested_payloads_suppress_only_the_named_counts() -> None:
    payload = {"victims": {"total": 41, "children": 3, "women": 0}, "finds": 2, "years": [{"killed": 1}]}
    assert suppress_counts(payload, ["victims", "killed"]) == {
        "victims": {"total": 41, "children": "<5", "women": 0},
        "finds": 2,
        "years": [{"killed": "<5"}],
    }


def test_a_lone_hidden_cell_in_a_row_or_column_gets_a_companion() -> None:
    table = pd.DataFrame(
        {"district": ["Aghdam", "Fuzuli", "Lachin"], "female": [2, 9, 6], "male": [30, 14, 7]}
    )
    out = suppress_table(table)
    # Aghdam's 2 women hidden; its row would give it away from the total, so the 30 men are hidden too;
    # the female column would too, so its smallest other count (6, Lachin) goes, then Lachin's 7 men.
    assert out["female"].tolist() == ["<5", 9, "<5"]
    assert out["male"].tolist() == ["<5", 14, "<5"]
    assert out["district"].tolist() == table["district"].tolist()
    plain = suppress_table(table, totals=False)
    assert plain["female"].tolist() == ["<5", 9, 6] and plain["male"].tolist() == [30, 14, 7]
