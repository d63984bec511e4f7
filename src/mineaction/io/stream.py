"""Importing a large file a batch at a time: memory bounded by the batch, the whole-file guarantees kept.

``import_file`` hands a file to ``stream_import`` when it is larger than ``STREAM_BYTES`` or when a batch size
is asked for (``--batch-rows``). The file is read a batch of rows at a time (``mineaction.io.batches``); each
batch is mapped, validated and written before the next is read, and only what must outlive a batch is kept:

- **all or nothing**: every batch is written inside one transaction (``Store.batched_writes``); an error in
  any row (unless ``skip_invalid``), an interruption or a ``kill -9`` leaves the store as it was;
- **every issue of the file**: after the first error nothing more is written but every later batch is still
  validated, so the refusal counts every error; row numbers count over the whole file; the rejects file
  (``skip_invalid``) is appended batch by batch and gets every rejected row; the report keeps the first
  ``KEPT_ISSUES`` issues (the refusal and ``ImportResult.notes`` say how many more there were);
- **repeats across batches** are found as within one frame: an ``id`` or a ``source_ref`` (same ``source``)
  given on an earlier row is an error naming that row, an exact repeat of an earlier row without either is a
  warning (kept as a record of its own), and the store numbers repeated content across the batches, so
  importing the same file twice adds nothing the second time; what these need to remember is kept on disk
  (``mineaction.store.spool``);
- **history**: every record written gets its revision as in a whole-file import.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from mineaction.domain.issues import ISSUE_COLUMNS, ValidationReport
from mineaction.domain.schema import ENTITIES
from mineaction.errors import InputError, ValidationError
from mineaction.io.batches import read_batches
from mineaction.io.importer import (
    ImportResult,
    KindCounts,
    _reader_options,
    _rejects_table,
    _Source,
    _source,
    _validate,
)
from mineaction.io.mapping import ColumnMapping
from mineaction.io.refusals import OUTSIDE, MainError, extent_of, outside_bounds, outside_rows
from mineaction.store.base import Store
from mineaction.store.spool import Spool, int_keys

__all__ = ["BATCH_ROWS", "KEPT_ISSUES", "STREAM_BYTES", "stream_import"]

STREAM_BYTES = 50 * 2**20  # files larger than this (bytes) are imported in batches
BATCH_ROWS = 10_000  # rows of a batch, unless asked otherwise (peak memory grows about 2.5 MB a 1,000 rows)
KEPT_ISSUES = 100_000  # issues kept in the report of a streamed import (all are counted)
KEPT_BOXES = 100_000  # bounds of rows outside the area of interest kept for the refusal's extent (a sample)
_SHAPE = r"-?\d[\d,.]*"  # numbers in a reason, left out when reasons are grouped


@dataclass
class _Tally:
    """What a streamed import keeps across batches: counts, the first issues, and the spools of repeats."""

    label: str
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    kept: list[pd.DataFrame] = field(default_factory=list)
    kept_rows: int = 0
    errors: int = 0
    warnings: int = 0
    error_rows: int = 0
    routed: int = 0
    read: int = 0
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    first_error: str | None = None
    first_warning: str | None = None
    outside: list[np.ndarray] = field(default_factory=list)  # bounds of rows outside the area, a sample
    outside_step: int = 1  # every outside_step-th row's bounds are kept

    def add_outside(self, reports: dict[str, ValidationReport], issues: pd.DataFrame) -> None:
        """Keep the bounds of this batch's rows outside the area of interest, for the refusal's extent: all of
        them up to ``KEPT_BOXES``, then every second, fourth ... row (a sample spread over the whole file)."""
        rows = outside_rows(issues)
        if not rows:
            return
        self.outside.append(outside_bounds(list(reports.items()), rows)[:: self.outside_step])
        if sum(len(b) for b in self.outside) > KEPT_BOXES:
            self.outside = [np.concatenate(self.outside)[::2]]
            self.outside_step *= 2

    def add_issues(self, issues: pd.DataFrame) -> None:
        """Count ``issues`` (one batch's, sorted by row) and keep them while fewer than ``KEPT_ISSUES``."""
        if issues.empty:
            return
        errors = issues[issues["severity"] == "error"]
        self.errors += len(errors)
        self.warnings += len(issues) - len(errors)
        self.error_rows += int(errors["row"].nunique())
        if self.first_error is None and len(errors):
            self.first_error = _message(errors.iloc[0])
        if self.first_warning is None and len(errors) < len(issues):
            self.first_warning = _message(issues[issues["severity"] != "error"].iloc[0])
        shape = errors["reason"].astype(str).str.replace(_SHAPE, "#", regex=True)
        for (fld, key), part in errors.assign(shape=shape).groupby(["field", "shape"], sort=False):
            self.reasons[(str(fld), str(key))] += int(part["row"].nunique())
            self.examples.setdefault(
                (str(fld), str(key)), (str(part["reason"].iloc[0]), str(part["fix"].iloc[0]))
            )
        room = KEPT_ISSUES - self.kept_rows
        if room > 0:
            self.kept.append(issues.iloc[:room])
            self.kept_rows += min(room, len(issues))

    def report(self) -> ValidationReport:
        """The kept issues as one report."""
        if not self.kept:
            return ValidationReport()
        return ValidationReport(pd.concat(self.kept, ignore_index=True))

    def summary(self) -> str:
        first = self.first_error or self.first_warning
        counts = f"{self.errors:,} error(s), {self.warnings:,} warning(s)"
        return f"{counts}; first: {first}" if first else "no issues"

    def main_error(self) -> MainError | None:
        """The error shared by more than half of the routed rows, as ``refusals.main_error`` finds it."""
        if not self.reasons or self.routed <= 0:
            return None
        (fld, key), count = self.reasons.most_common(1)[0]
        if count * 2 <= self.routed:
            return None
        reason, fix = self.examples[(fld, key)]
        extent = (
            extent_of(np.concatenate(self.outside)) if reason.startswith(OUTSIDE) and self.outside else None
        )
        return MainError(count, self.routed, fld, reason, fix, extent)

    def refusal(self, *, skip_invalid: bool, rejects: str | None) -> str:
        """One line saying that nothing was stored and why (``refusals.refusal_message``'s form)."""
        lead = f"{self.label}: import refused, nothing stored: "
        if skip_invalid:
            where = f" (written with their reasons to {rejects})" if rejects else ""
            lead = (
                f"{self.label}: nothing stored: every one of the {self.routed:,} rows was rejected{where}; "
            )
        main = self.main_error()
        text = lead + (main.sentence() + "; " if main is not None else "") + self.summary()
        if self.kept_rows < self.errors + self.warnings:
            text += f" (the first {self.kept_rows:,} issues are in the report)"
        if not skip_invalid:
            text += " (use --skip-invalid to store the valid rows and write the rest to a rejects file)"
        return text


def _message(issue: pd.Series) -> str:
    value = f" = {issue['value']!r}" if issue["value"] != "" else ""
    return f"{issue['file']} row {issue['row']}, {issue['field']}{value}: {issue['reason']}; {issue['fix']}"


def _issue_table(label: str, kind: str, found: list[tuple[int, str, str, str, str, str]]) -> pd.DataFrame:
    table = pd.DataFrame(found, columns=["row", "field", "value", "reason", "fix", "severity"])
    return table.assign(file=label, kind=kind)[list(ISSUE_COLUMNS)]


class _Repeats:
    """Ids, source references and anonymous rows seen in earlier batches (on disk), per kind."""

    def __init__(self) -> None:
        self._spools: dict[tuple[str, str], Spool] = {}

    def close(self) -> None:
        for spool in self._spools.values():
            spool.close()

    def _spool(self, kind: str, what: str) -> Spool:
        if (kind, what) not in self._spools:
            self._spools[(kind, what)] = Spool()
        return self._spools[(kind, what)]

    def _earlier(self, kind: str, what: str, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """First rows of earlier batches with the same key (-1 where none), then remember this batch's."""
        spool = self._spool(kind, what)
        firsts = spool.lookup(keys)[1] if len(keys) else np.empty(0, dtype=np.int64)
        spool.add(keys, rows)
        return firsts

    def issues(self, label: str, kind: str, report: ValidationReport) -> pd.DataFrame:
        """Errors of ids and source references given on an earlier batch's row, and warnings of anonymous
        rows repeating one exactly."""
        frame, rows = report.frame, np.asarray(report.rows, dtype=np.int64)
        found: list[tuple[int, str, str, str, str, str]] = []
        ids = frame["id"] if "id" in frame else pd.Series(None, index=frame.index, dtype=object)
        has_id = ids.notna().to_numpy()
        if has_id.any():
            texts = ids[has_id].astype(str).to_numpy()
            firsts = self._earlier(kind, "id", int_keys(texts), rows[has_id])
            for row, text, first in zip(rows[has_id], texts, firsts, strict=True):
                if first >= 0:
                    found.append(
                        (
                            int(row),
                            "id",
                            text,
                            f"id already used on row {first}",
                            "give each record its own id",
                            "error",
                        )
                    )
        refs = (
            frame["source_ref"] if "source_ref" in frame else pd.Series(None, index=frame.index, dtype=object)
        )
        has_ref = refs.notna().to_numpy()
        if has_ref.any():
            sources = frame["source"].fillna("").astype(str)[has_ref] if "source" in frame else ""
            texts = (sources + "\u001f" + refs[has_ref].astype(str)).to_numpy()
            firsts = self._earlier(kind, "ref", int_keys(texts), rows[has_ref])
            for row, ref, first in zip(rows[has_ref], refs[has_ref].astype(str), firsts, strict=True):
                if first >= 0:
                    found.append(
                        (
                            int(row),
                            "source_ref",
                            ref,
                            f"source_ref already used (same source) on row {first}",
                            "give each record its own reference, or leave source_ref empty",
                            "error",
                        )
                    )
        anonymous = ~has_id & ~has_ref
        if anonymous.any():
            keys = _row_hashes(frame[anonymous])
            earlier = self._earlier(kind, "row", keys, rows[anonymous]) >= 0
            _, first_here = np.unique(keys, return_index=True)
            once = np.zeros(len(keys), dtype=bool)
            once[first_here] = True  # later repeats within the batch are warned about by validation
            for row in rows[anonymous][earlier & once].tolist():
                found.append(
                    (
                        int(row),
                        "row",
                        "",
                        "exact duplicate of an earlier row without an id",
                        "kept as a record of its own (a repeated report); give ids to merge or tell them "
                        "apart",
                        "warning",
                    )
                )
        return _issue_table(label, kind, found)


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's values (id, recorded_at and source_ref aside; points by coordinates)."""
    columns = {c: frame[c] for c in frame.columns if c not in ("id", "recorded_at", "source_ref", "geometry")}
    plain = pd.DataFrame(
        {
            c: (
                s.map(lambda v: v if v is None or isinstance(v, str) else repr(v)) if s.dtype == object else s
            )
            for c, s in columns.items()
        }
    )
    if "geometry" in frame:
        geoms = np.asarray(frame["geometry"], dtype=object)
        if (shapely.get_type_id(geoms) == 0).all():
            plain["_x"], plain["_y"] = shapely.get_x(geoms), shapely.get_y(geoms)
        else:
            plain["_wkb"] = pd.Series(shapely.to_wkb(geoms), dtype=object).map(
                lambda b: None if b is None else b.hex()
            )
    return pd.util.hash_pandas_object(plain, index=False).to_numpy().view(np.int64)


@dataclass
class _Rejects:
    """The rejects CSV, appended batch by batch (written only when some row is rejected)."""

    path: Path
    rows: int = 0

    def append(self, table: pd.DataFrame) -> None:
        if table.empty:
            return
        table.to_csv(self.path, index=False, mode="w" if self.rows == 0 else "a", header=self.rows == 0)
        self.rows += len(table)


@contextlib.contextmanager
def _returning_memory() -> Iterator[Callable[[], None]]:
    """Arrow allocating from the system allocator (its default pool keeps freed memory for reuse) for the
    import, and a function giving freed heap memory back to the system (glibc's ``malloc_trim``; nothing
    elsewhere), called after each batch: the next batch starts from the same height."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    trim = getattr(libc, "malloc_trim", None)
    try:
        yield (lambda: trim(0)) if trim is not None else (lambda: None)
    finally:
        pa.set_memory_pool(previous)


def _batches(
    path: Path,
    mapping: ColumnMapping,
    crs: str | None,
    encoding: str | None,
    batch_rows: int,
    notes: list[str],
) -> Iterator[pd.DataFrame]:
    columns = sorted(set().union(*(k.source_columns() for k in mapping.kinds)))
    options = _reader_options(mapping, crs, encoding)
    return read_batches(path, batch_rows=batch_rows, notes=notes, columns=columns, **options)


def _write_batch(
    store: Store,
    reports: dict[str, ValidationReport],
    counts: dict[str, Counter[str]],
    *,
    author: str,
    reason: str,
    source_doc: str,
    write: bool,
) -> None:
    """Count one batch per kind and, when ``write``, store its valid rows."""
    for kind in [k for k in ENTITIES if k in reports]:
        report = reports[kind]
        tally = counts.setdefault(kind, Counter())
        frame = report.valid_frame()
        read = len(report.frame)
        tally["read"] += read
        tally["rejected"] += read - len(frame)
        if not write or len(frame) == 0:
            continue
        result = store.write(kind, frame, author=author, reason=reason, source_doc=source_doc)
        tally["inserted"] += len(result.inserted)
        tally["updated"] += len(result.updated)
        tally["unchanged"] += result.unchanged


def _one_batch(
    store: Store,
    frame: pd.DataFrame,
    first_row: int,
    mapping: ColumnMapping,
    state: tuple[_Tally, _Repeats, _Rejects | None],
    today: date | None,
) -> tuple[_Source, dict[str, ValidationReport]]:
    """Validate one batch (rows ``first_row`` on): its reports, with the repeats of earlier batches."""
    tally, repeats, rejects = state
    source = _source(tally.label, frame, mapping)
    reports = _validate(source, store, today, first_row=first_row)
    for kind, report in reports.items():
        reports[kind] = report.with_issues(repeats.issues(tally.label, kind, report))
    merged = ValidationReport.merge(list(reports.values()))
    issues = merged.to_frame()
    tally.add_issues(issues)
    tally.add_outside(reports, issues)
    rows = [np.asarray(r.rows) for r in reports.values() if r.rows is not None]
    tally.routed += len(np.unique(np.concatenate(rows))) if rows else 0
    tally.read += len(frame)
    if rejects is not None and not merged.ok:
        rejects.append(_rejects_table([source], {source.label: reports}, first_row=first_row))
    return source, reports


def stream_import(
    store: Store,
    path: Path,
    mapping: ColumnMapping,
    *,
    author: str,
    reason: str,
    skip_invalid: bool,
    rejects_path: Path,
    crs: str | None,
    encoding: str | None,
    today: date | None,
    batch_rows: int = BATCH_ROWS,
    on_batch: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``path`` a batch of ``batch_rows`` rows at a time (see the module docstring).

    Parameters and errors are those of ``mineaction.io.importer.import_file`` (``mapping`` resolved,
    ``rejects_path`` the default or given one); ``on_batch`` is called with the rows read so far after each
    batch (a progress display), inside the import's transaction.
    """
    if batch_rows < 1:
        raise InputError(f"{path.name}: the batch size must be at least 1 row (got {batch_rows})")
    notes: list[str] = []
    tally = _Tally(path.name)
    repeats = _Repeats()
    rejects = _Rejects(rejects_path) if skip_invalid else None
    try:
        with _returning_memory() as give_back, store.batched_writes():
            for frame in _batches(path, mapping, crs, encoding, batch_rows, notes):
                first_row = tally.read + 1
                _, reports = _one_batch(store, frame, first_row, mapping, (tally, repeats, rejects), today)
                del frame
                write = skip_invalid or tally.errors == 0  # after an error: validate on, write nothing
                _write_batch(
                    store,
                    reports,
                    tally.counts,
                    author=author,
                    reason=reason,
                    source_doc=path.name,
                    write=write,
                )
                del reports
                give_back()
                if on_batch is not None:
                    on_batch(tally.read)
            _refuse(path, tally, skip_invalid, rejects)
    finally:
        repeats.close()
    if tally.kept_rows < tally.errors + tally.warnings:
        notes.append(
            f"{path.name}: {tally.errors:,} error(s) and {tally.warnings:,} warning(s); the report keeps the "
            f"first {tally.kept_rows:,}"
        )
    counts = {
        k: KindCounts(**{n: c[n] for n in ("read", "inserted", "updated", "unchanged", "rejected")})
        for k, c in tally.counts.items()
    }
    written = str(rejects.path) if rejects is not None and rejects.rows else None
    return ImportResult(
        str(path), counts, tally.report(), written, tally.read - tally.routed, {}, tuple(dict.fromkeys(notes))
    )


def _refuse(path: Path, tally: _Tally, skip_invalid: bool, rejects: _Rejects | None) -> None:
    """Raise the import's refusal, if any (inside the transaction: nothing is stored)."""
    if tally.read == 0:
        raise InputError(f"{path.name}: no data rows; export the data again")
    if tally.errors == 0:
        return
    where = str(rejects.path) if rejects is not None and rejects.rows else None
    if not skip_invalid:
        raise ValidationError(tally.refusal(skip_invalid=False, rejects=None), tally.report())
    every = all(c["rejected"] == c["read"] for c in tally.counts.values())
    if every:
        raise ValidationError(tally.refusal(skip_invalid=True, rejects=where), tally.report())
