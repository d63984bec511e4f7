"""A large GeoJSON FeatureCollection cut into small ones of consecutive features, read a block at a time.

GDAL's streaming GeoJSON reader keeps the id of every feature it has read (to keep them unique), about 50
bytes a feature: half a gigabyte for ten million features, whatever the batch size. ``io.batches`` therefore
gives GDAL a large FeatureCollection a part at a time: each part is the file's own opening (``{"type":
"FeatureCollection", "crs": ..., "features": [``), the next features byte for byte as the file has them,
and ``]}``. GDAL reads a part as it would read those features in the whole file (fields, types, geometry, the
declared CRS), and memory stays at a part (a few MB) whatever the file's size.

Features are found with the standard library's JSON decoder (``raw_decode``: each feature is parsed once, in
C, to find where it ends). Text that is not UTF-8 is carried through unchanged (``surrogateescape``), for GDAL
to judge as it would in the whole file.

``feature_collection_parts`` returns None for a file that does not open as a FeatureCollection with its
``features`` member in its first ``OPENING_BYTES`` (a single Feature, a GeoJSON sequence, a huge member
first): those are read by GDAL whole, as before. A file that is cut short, or does not close as a
FeatureCollection after its features, is refused as GDAL would refuse it whole (after the last part: the
import that reads the parts is one transaction, so nothing of it is kept).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mineaction.errors import InputError

__all__ = ["OPENING_BYTES", "feature_collection_parts"]

OPENING_BYTES = 1 << 24  # the "features" member must start within the file's first 16 MiB
_BLOCK = 1 << 20  # bytes of the file read at a time
_LARGEST = 1 << 26  # characters of the largest feature (GDAL's default limit is 200 MB)
_CUT = 16  # an error this close to the text's end may be a value cut by the block's end (\ud83d\ude00: 12)
_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


class _Text:
    """The file's text from the current part on, decoded a block at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="surrogateescape")
        self.text = ""
        self.ended = False

    def more(self) -> bool:
        """Read the next block; False once the whole file is read."""
        if self.ended:
            return False
        block = self._stream.read(_BLOCK)
        self.ended = not block
        before = len(self.text)
        self.text += self._decoder.decode(block, final=self.ended)
        return len(self.text) > before or not self.ended

    def skip(self, at: int, also: str = "") -> int:
        """Index of the first character from ``at`` on that is not whitespace (nor in ``also``), reading more
        as needed; ``len(self.text)`` at the end of the file."""
        passed = _WHITESPACE + also
        while True:
            while at < len(self.text) and self.text[at] in passed:
                at += 1
            if at < len(self.text) or not self.more():
                return at

    def value(self, at: int) -> tuple[object, int]:
        """The JSON value starting at ``at`` and the index after it, reading more while it may only be
        cut by the block's end: the decoder stopped at the end of the text, or inside a string (up to
        ``_LARGEST`` characters). An error well before the end is the file's own: raised at once."""
        while True:
            try:
                return _DECODER.raw_decode(self.text, at)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self.text) - _CUT or exc.msg.startswith("Unterminated string")
                if not cut or len(self.text) - at > _LARGEST or not self.more():
                    raise


def _opening(text: _Text) -> int | None:
    """Index just after the ``[`` of the top-level ``features`` member, or None."""
    at = text.skip(0)
    if text.text[at : at + 1] != "{":
        return None
    at += 1
    while at < OPENING_BYTES:
        member = _member(text, at)
        if member is None:
            return None
        key, at = member
        if key == "features":
            return at + 1 if text.text[at : at + 1] == "[" else None
        _, at = text.value(at)
    return None


def _member(text: _Text, at: int) -> tuple[object, int] | None:
    """The key of the object member at ``at`` (after any comma) and where its value starts, or None when
    no ``"key":`` is there."""
    at = text.skip(at, ",")
    if text.text[at : at + 1] != '"':
        return None
    key, at = text.value(at)
    at = text.skip(at)
    if text.text[at : at + 1] != ":":
        return None
    return key, text.skip(at + 1)


def feature_collection_parts(path: Path, *, features: int) -> Iterator[bytes] | None:
    """FeatureCollections of up to ``features`` consecutive features of the GeoJSON file ``path`` (see the
    module docstring), or None when the file is not a FeatureCollection read this way.

    Raises
    ------
    InputError
        (while iterating) a feature that is not valid JSON, or a file that ends inside the features.
    """
    stream = path.open("rb")
    text = _Text(stream)
    try:
        start = _opening(text)
    except json.JSONDecodeError:
        start = None
    if start is None:
        stream.close()
        return None
    return _parts(stream, text, start, features, path.name)


def _parts(stream: BinaryIO, text: _Text, start: int, features: int, name: str) -> Iterator[bytes]:
    head = text.text[:start].encode("utf-8", "surrogateescape")
    text.text, at, count, number = text.text[start:], 0, 0, 0
    with stream:  # closed at the end, on an error, or when the caller stops early
        while True:
            at = text.skip(at, ",")
            if count == 0:  # a part starts at its first feature
                text.text, at = text.text[at:], 0
            if at >= len(text.text):
                raise InputError(
                    f"{name}: the file ends inside its features (feature {number + 1}); it is "
                    "truncated: export it again"
                )
            if text.text[at] == "]":
                break
            try:
                _, at = text.value(at)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{name}: feature {number + 1} is not valid JSON ({exc.msg}); check the "
                    "file (e.g. open it in QGIS) and export it again"
                ) from None
            count, number = count + 1, number + 1
            if count == features:
                yield head + text.text[:at].encode("utf-8", "surrogateescape") + b"]}"
                text.text, at, count = text.text[at:], 0, 0
        if count:
            yield head + text.text[:at].encode("utf-8", "surrogateescape") + b"]}"
        _check_closing(text, at + 1, name)


def _check_closing(text: _Text, at: int, name: str) -> None:
    """After the features' ``]``: more members (``crs`` refused: it would apply to features already read),
    the closing ``}`` and nothing but whitespace, as GDAL would want of the whole file."""
    while True:
        try:
            member = _member(text, at)
            if member is None:
                break
            key, start = member
            _, after = text.value(start)
        except json.JSONDecodeError:
            break
        if key == "crs":
            raise InputError(
                f"{name}: the crs member comes after the features; move it before them (or "
                "export the file again with GDAL or QGIS) to import the file in batches"
            )
        at = after
    at = text.skip(at, ",")
    if text.text[at : at + 1] == "}" and text.skip(at + 1) == len(text.text):
        return
    found = repr(text.text[at : at + 20]) if at < len(text.text) else "the end of the file"
    raise InputError(
        f"{name}: after the features the file does not close as a FeatureCollection (found {found} where "
        "a member or the closing } was expected); the file may be truncated or have text appended: export "
        "it again"
    )
