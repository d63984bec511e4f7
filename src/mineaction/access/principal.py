"""The principal (who is asking: a user through a token or session, the local command line, or the anonymous
public) and the one check every front end makes, ``require``.

Front ends never test roles themselves: they ask ``require(principal, action, kind, organisation=...)`` (or
``principal.can(...)``) and the rules of ``mineaction.access.rules`` decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mineaction.access.rules import ACTIONS, ROLES, Scope, scope
from mineaction.domain.schema import ENTITIES
from mineaction.errors import ConfigError, NotAuthenticated, PermissionDenied

__all__ = ["PUBLIC", "Principal", "local_principal", "require"]


@dataclass(frozen=True)
class Principal:
    """Who is asking.

    Attributes
    ----------
    name
        The user's name (``public`` for anonymous clients).
    role
        One of ``mineaction.access.rules.ROLES``; for a token, the role the token is scoped to.
    organisation
        Code of the user's organisation (None for the public).
    grants
        Explicit permissions (actions whose rule scope is ``grant``, e.g. ``read_personal``).
    via
        How the principal was established: ``token``, ``session``, ``password``, ``local`` or ``anonymous``.
    token_id
        The public id of the token used, if any.
    second_factor
        Whether a second factor (TOTP or a recovery code) was given in this login.
    """

    name: str
    role: str
    organisation: str | None = None
    grants: frozenset[str] = field(default_factory=frozenset)
    via: str = "anonymous"
    token_id: str | None = None
    second_factor: bool = False

    @property
    def is_public(self) -> bool:
        """Whether this is the anonymous public."""
        return self.role == "public"

    def scope(self, action: str, kind: str | None = None) -> Scope:
        """The effective scope for ``action`` on ``kind``: ``all``, ``own`` or ``none`` (a ``grant`` rule
        becomes ``all`` when the principal holds that grant, else ``none``)."""
        found = scope(self.role, action, kind)
        if found == "grant":
            return "all" if action in self.grants else "none"
        return found

    def can(self, action: str, kind: str | None = None, *, organisation: str | None = None) -> bool:
        """Whether ``require`` would allow it (see there)."""
        found = self.scope(action, kind)
        if found == "none":
            return False
        return found == "all" or organisation is None or organisation == self.organisation

    def organisations(self, action: str, kind: str | None = None) -> frozenset[str] | None:
        """Organisations whose records ``action`` may touch: None for all, else a set (empty: none at all).

        Use it to filter listings: a principal with ``own`` scope sees its own organisation's records only.
        """
        found = self.scope(action, kind)
        if found == "all":
            return None
        if found == "own" and self.organisation is not None:
            return frozenset({self.organisation})
        return frozenset()

    @property
    def permissions(self) -> dict[str, dict[str, str]]:
        """Every action the principal may do, by action then kind (``*`` for actions not about a kind),
        with its scope: what a ``/me`` endpoint shows."""
        allowed: dict[str, dict[str, str]] = {}
        for action in ACTIONS:
            kinds: dict[str, str] = {k: self.scope(action, k) for k in ENTITIES}
            kinds = {k: s for k, s in kinds.items() if s != "none"}
            general = self.scope(action, None)
            if general != "none":
                kinds = {"*": general, **kinds}
            if kinds:
                allowed[action] = kinds
        return allowed

    def to_dict(self) -> dict[str, Any]:
        """The principal without secrets, for JSON (``/me``) and the audit log."""
        return {
            "name": self.name,
            "role": self.role,
            "organisation": self.organisation,
            "grants": sorted(self.grants),
            "via": self.via,
            "token_id": self.token_id,
            "second_factor": self.second_factor,
            "permissions": self.permissions,
        }


PUBLIC = Principal("public", "public")


def local_principal(name: str, *, role: str = "admin", organisation: str | None = None) -> Principal:
    """The principal of someone working on the store directly (the command line): whoever can open the store
    file or database can change anything, so it acts as ``admin`` under the name given for the history."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    return Principal(name, role, organisation, via="local")


def require(
    principal: Principal, action: str, kind: str | None = None, *, organisation: str | None = None
) -> None:
    """Allow ``action`` on ``kind`` (or on one record owned by ``organisation``) or raise.

    Parameters
    ----------
    principal
        Who is asking.
    action
        One of ``mineaction.access.rules.ACTIONS``.
    kind
        The kind of record (``finds``...), or None for actions not about one kind (``manage_users``).
    organisation
        The organisation owning the record acted on. None checks the action on the kind as a whole: with an
        ``own`` scope that passes, and the caller must then keep to ``principal.organisations(action, kind)``.

    Raises
    ------
    NotAuthenticated
        The public asked for something it may not do: credentials would be needed (HTTP 401).
    PermissionDenied
        An authenticated principal asked for something the rules do not allow it, or for another
        organisation's record with only an ``own`` scope (HTTP 403, or 404 where existence must not leak).
    """
    if action not in ACTIONS:
        raise PermissionDenied(f"unknown action {action!r}; the actions are: {', '.join(ACTIONS)}")
    if principal.can(action, kind, organisation=organisation):
        return
    what = f"{action} {kind}" if kind else action
    if principal.is_public:
        raise NotAuthenticated(f"{what} needs an account: sign in or send an API token")
    if principal.scope(action, kind) == "own":
        raise PermissionDenied(
            f"{principal.name} ({principal.role}, {principal.organisation}) may {what} of its own "
            f"organisation only, not of {organisation}"
        )
    hint = " without an explicit grant" if scope(principal.role, action, kind) == "grant" else ""
    raise PermissionDenied(f"{principal.name} ({principal.role}) may not {what}{hint}")
