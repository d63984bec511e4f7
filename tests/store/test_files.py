"""Files kept in the store (attachments, job results): written once, read back byte for byte, audited, on
every back end."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from mineaction.errors import NotFoundError, StoreError
from mineaction.store import files as store_files
from mineaction.store.audit import audit_entries

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # bytes of every value, NUL included


def test_a_file_is_kept_and_read_back_byte_for_byte(store: Any) -> None:
    saved = store.save_file(
        "attachments", "R-1/photo.png", PNG, media_type="image/png", author="t", reason="x"
    )
    loaded = store.load_file("attachments", "R-1/photo.png")
    assert loaded.data == PNG and loaded.size == len(PNG) and loaded.media_type == "image/png"
    assert loaded.sha256 == hashlib.sha256(PNG).hexdigest() == saved.sha256
    assert store.list_files("attachments") == ["R-1/photo.png"] and store.list_files("other") == []


def test_the_same_bytes_again_change_nothing_other_bytes_are_refused(store: Any) -> None:
    store.save_file("attachments", "a", PNG, media_type="image/png", author="t", reason="x")
    store.save_file("attachments", "a", PNG, media_type="image/png", author="t", reason="again")
    with pytest.raises(StoreError, match="never replaced"):
        store.save_file("attachments", "a", PNG[:-1], media_type="image/png", author="t", reason="other")
    assert store.load_file("attachments", "a").data == PNG
    assert len([e for e in audit_entries(store, action="file")]) == 1


def test_missing_and_oversized_files(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NotFoundError, match="no file"):
        store.load_file("attachments", "nothing")
    monkeypatch.setattr(store_files, "MAX_FILE_BYTES", 100)
    with pytest.raises(StoreError, match="more than the 100"):
        store.save_file("attachments", "big", b"x" * 101, media_type="text/plain", author="t", reason="x")
    assert store.list_files("attachments") == []
