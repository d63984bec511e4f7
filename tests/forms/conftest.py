"""One live server for the tests of the forms that need one (OpenRosa and the field page): a GeoPackage store
with an authority (ANAMA: a verifier and a viewer) and an operator (HALO: a field team member who may enter
victims' personal data and signs in with a password), served by a real ``mineaction serve`` on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.api_live import LiveServer
from mineaction.access import add_organisation, add_user, grant, issue_token
from mineaction.store import init_store

PASSWORD = "field-team-passphrase-7Qx!"


@dataclass
class Field:
    """The served store, its path and each account's API token."""

    server: LiveServer
    store: Path
    tokens: dict[str, str]

    def client(self, user: str | None = "field1") -> httpx.Client:
        auth = (user, self.tokens[user]) if user else None
        return httpx.Client(base_url=self.server.url, auth=auth, timeout=60)


@pytest.fixture(scope="session")
def field(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Field]:
    path = tmp_path_factory.mktemp("forms-server") / "field.gpkg"
    with init_store(path) as store:
        add_organisation(store, "ANAMA", kind="authority")
        add_organisation(store, "HALO", kind="operator")
        add_user(store, "field1", role="data_entry", organisation="HALO", password=PASSWORD)
        grant(store, "field1", "write_personal")
        add_user(store, "officer", role="verifier", organisation="ANAMA")
        add_user(store, "viewer1", role="viewer", organisation="ANAMA")
        tokens = {u: issue_token(store, u, days=1).token for u in ("officer", "viewer1")}
        tokens["field1"] = issue_token(store, "field1", grants=("write_personal",), days=1).token
    server = LiveServer(str(path), tokens=tokens)
    yield Field(server, path, tokens)
    server.stop()
