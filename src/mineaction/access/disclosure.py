"""Who sees counts of people only as suppressed aggregates, and the rule itself (``domain.disclosure``).

Counts of people (victims, survivors) shown to a role that may not ``read`` the people kinds record by record
(viewers, operators, the public; ``rules.people_kinds()``) hide every count from 1 to 4 as ``"<5"``. The
rule is defined once in ``mineaction.domain.disclosure`` (so analyses can apply it too); ``must_suppress``
says whom it applies to.
"""

from __future__ import annotations

from mineaction.access.principal import Principal
from mineaction.access.rules import people_kinds

__all__ = ["must_suppress"]


def must_suppress(principal: Principal, kind: str = "victims") -> bool:
    """Whether counts of people of ``kind`` shown to ``principal`` must hide small numbers: everyone who may
    not read those records one by one."""
    return kind in people_kinds() and principal.scope("read", kind) != "all"
