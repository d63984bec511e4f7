"""Text encodings of input files: UTF-8 by default, the one the user names, or one detected among those the
older systems of the region write; the first byte that cannot be read is named by row and column.

Files from older systems in Azerbaijan and its neighbours are often not UTF-8: Windows-1251 for Russian (and
Azerbaijani in Cyrillic), Windows-1254 for Azerbaijani and Turkish in Latin letters (``ğ``, ``ş``, ``ı``),
Windows-1252 / Latin-1 for Western text. ``detect_encoding`` tries them in turn and keeps the one whose words
read as words of one script: Cyrillic text read as Latin-1 gives words made of accented letters only
(``Õàíêåíäè``), Latin text read as Windows-1251 gives words mixing scripts (``Fьzuli``). When none reads
plausibly the file is refused, naming the first byte that is not UTF-8 (``describe_bad_byte``).

``repair_utf8_read_as_latin1`` undoes the commonest mojibake: UTF-8 text declared (or taken) as Latin-1,
which turns ``Füzuli`` into ``FÃ¼zuli``.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "CANDIDATE_ENCODINGS",
    "describe_bad_byte",
    "detect_encoding",
    "first_bad_utf8",
    "implausible_words",
    "normalise_encoding",
    "repair_utf8_read_as_latin1",
]

CANDIDATE_ENCODINGS = ("windows-1251", "windows-1254", "windows-1252")
_CHUNK = 8 * 2**20
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u0259\u018f]")
_ACCENTED = re.compile(r"[\u00c0-\u024f]")
_MOJIBAKE = r"[\u00c2-\u00f4][\u0080-\u00bf]"


def normalise_encoding(name: str) -> str:
    """The codec name Python knows ``name`` by (``cp1251`` for ``Windows-1251``); ValueError when unknown."""
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        raise ValueError(
            f"unknown encoding {name!r}; give e.g. utf-8, windows-1251, windows-1254 or latin-1"
        ) from None


def first_bad_utf8(path: Path) -> int | None:
    """Byte offset of the first byte of ``path`` that is not UTF-8 (a leading BOM allowed), or None.

    Read a chunk at a time: a large UTF-8 file is checked without holding it in memory twice.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                return offset + max(exc.start, 0) - len(decoder.getstate()[0])
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return max(offset - len(decoder.getstate()[0]), 0)
    return None


def _implausible(word: str) -> bool:
    """A word that no language of the data spells: two scripts mixed, or Latin made of accented letters."""
    cyrillic, latin = len(_CYRILLIC.findall(word)), len(_LATIN.findall(word))
    if cyrillic and latin:
        return True
    accented = len(_ACCENTED.findall(word))
    return latin >= 3 and accented * 2 > latin


def implausible_words(text: str) -> tuple[int, int]:
    """(implausible words, words with letters beyond ASCII) of ``text``: words mixing scripts or made of
    accented Latin letters, which no language of the data spells."""
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    return sum(_implausible(w) for w in words), len(words)


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(data: bytes) -> str | None:
    """The encoding of ``data``: UTF-16 or UTF-32 by their byte-order mark, else the candidate encoding
    (``CANDIDATE_ENCODINGS``) that reads it most plausibly; None when none reads it without errors and with
    most words plausible."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            try:
                data.decode(name)
                return name
            except UnicodeDecodeError:
                return None
    best: tuple[int, str] | None = None
    for name in CANDIDATE_ENCODINGS:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue
        bad, words = implausible_words(text)
        if words and bad * 2 > words:
            continue
        if best is None or bad < best[0]:
            best = (bad, name)
    return None if best is None else best[1]


def describe_bad_byte(data: bytes, offset: int, *, delimiter: str = ",", header: bool = True) -> str:
    """``row 3, column district (byte 0xd5)`` for the byte at ``offset`` of a delimited text file (rows
    counted from the first data row, as validation counts them)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("latin-1")
    column = len(_fields(prefix, delimiter)) if prefix else 1
    names: list[str] = []
    if header:
        first = data[: data.find(b"\n")] if b"\n" in data else data
        names = _fields(first.decode("utf-8", errors="replace").lstrip("\ufeff"), delimiter)
    name = names[column - 1].strip() if 0 < column <= len(names) else f"{column}"
    row = line - 1 if header else line
    where = "the header" if header and line == 1 else f"row {row}"
    return f"{where}, column {name} (byte 0x{data[offset]:02x})"


def _fields(line: str, delimiter: str) -> list[str]:
    """The fields of one line of delimited text (split plainly when its quoting is broken)."""
    line = line.replace("\r", "")
    try:
        return next(csv.reader([line], delimiter=delimiter), [""])
    except csv.Error:
        return line.split(delimiter)


def repair_utf8_read_as_latin1(text: pd.Series) -> tuple[pd.Series, int]:
    """``text`` with values that are UTF-8 read as Latin-1 (``FÃ¼zuli``) read back as UTF-8 (``Füzuli``),
    and how many values were repaired. Values that do not round-trip exactly are left as they are."""
    arrow = pa.chunked_array(pa.array(text.array, type=pa.large_string(), from_pandas=True))
    if pc.all(pc.string_is_ascii(arrow)).as_py() is not False:  # nothing beyond ASCII: nothing to repair
        return text, 0
    suspect = text.str.contains(_MOJIBAKE, regex=True, na=False).to_numpy(dtype=bool)
    if not suspect.any():
        return text, 0
    values = text.to_numpy(dtype=object).copy()
    repaired = 0
    for i in np.flatnonzero(suspect).tolist():
        try:
            fixed = values[i].encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        values[i], repaired = fixed, repaired + 1
    return pd.Series(values, index=text.index, dtype=text.dtype), repaired
