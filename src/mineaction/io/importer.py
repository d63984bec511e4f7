"""Importing a file into a store: read, map, validate everything, then write all kinds in one transaction.

``import_file(store, "finds.csv", kind="finds", author="ana", reason="weekly report")`` reads the file
(``mineaction.io.readers``), turns its columns into records of one or more kinds (``mineaction.io.mapping``),
validates every row (``mineaction.domain.validate``) and only then writes. By default any error refuses the
whole import (``ValidationError`` carrying the report) and the store is not touched; with ``skip_invalid`` the
valid rows land and the rejected rows go to a rejects CSV (the file's own columns plus ``row``, ``kind``,
``field``, ``reason``, ``fix``). Writes are keyed by id or content, so importing the same file twice adds
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from mineaction.domain.issues import ValidationReport
from mineaction.domain.schema import ENTITIES, entity
from mineaction.domain.validate import validate_frame
from mineaction.errors import InputError, MappingError, ValidationError
from mineaction.io.mapping import ROW_COLUMN, ColumnMapping, apply_mapping, identity_mapping, load_mapping
from mineaction.io.readers import NOTES_ATTR, list_layers, read_problems, read_table
from mineaction.io.refusals import refusal_message
from mineaction.store.base import Store

__all__ = ["ImportResult", "KindCounts", "import_file"]


@dataclass(frozen=True)
class KindCounts:
    """What an import did to one kind: rows read for it, inserted, updated, unchanged, rejected."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class ImportResult:
    """Counts per kind, the validation report, and where rejected rows were written (if any)."""

    path: str
    counts: Mapping[str, KindCounts]
    report: ValidationReport
    rejects_path: str | None = None
    unrouted: int = 0  # rows of the file that the mapping sent to no kind
    ids: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # ids inserted per kind
    notes: tuple[str, ...] = ()  # what reading assumed (an encoding detected, a CRS taken as WGS84)

    def total(self, what: str) -> int:
        """Sum of one count (``"inserted"``, ``"rejected"`` ...) over the kinds."""
        return sum(getattr(c, what) for c in self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "file": self.path,
            "rejects": self.rejects_path,
            "unrouted_rows": self.unrouted,
            "errors": self.report.n_errors,
            "warnings": self.report.n_warnings,
            "kinds": {k: vars(c) for k, c in self.counts.items()},
            "notes": list(self.notes),
        }


@dataclass
class _Source:
    label: str  # file name as shown in issues (with the layer for multi-layer GeoPackages)
    frame: pd.DataFrame
    mapping: ColumnMapping
    problems: list[Any] = field(
        default_factory=list
    )  # per row: (field, reason, fix) the reader found, or None
    notes: list[str] = field(default_factory=list)  # what the reader assumed (an encoding, a CRS)


def _source(label: str, frame: pd.DataFrame, mapping: ColumnMapping) -> _Source:
    notes = list(frame.attrs.pop(NOTES_ATTR, []))
    frame, problems = read_problems(frame)
    if label.lower().endswith((".shp", ".zip")):
        frame = _whole_field_names(frame, mapping, label, notes)
    return _Source(label, frame, mapping, problems, notes)


def _whole_field_names(
    frame: pd.DataFrame, mapping: ColumnMapping, label: str, notes: list[str]
) -> pd.DataFrame:
    """A Shapefile cuts field names to 10 characters (``hazard_kind`` -> ``hazard_kin``): a column that is the
    first 10 characters of exactly one field of the kinds imported is that field."""
    fields = {name for kind in mapping.kind_names for name in entity(kind).field_names}
    renamed = {}
    for column in frame.columns:
        matches = [f for f in fields if len(str(column)) == 10 and f.startswith(str(column)) and f != column]
        if len(matches) == 1 and matches[0] not in frame.columns:
            renamed[column] = matches[0]
    if renamed:
        listed = ", ".join(f"{a} -> {b}" for a, b in renamed.items())
        notes.append(
            f"{label}: field names the Shapefile format cut to 10 characters were read whole: {listed}"
        )
    return frame.rename(columns=renamed) if renamed else frame


def _resolve_mapping(mapping: ColumnMapping | str | Path | None, kind: str | None) -> ColumnMapping | None:
    if mapping is None:
        return identity_mapping(kind) if kind is not None else None
    loaded = mapping if isinstance(mapping, ColumnMapping) else load_mapping(mapping)
    if kind is None:
        return loaded
    chosen = tuple(k for k in loaded.kinds if k.kind == kind)
    if not chosen:
        raise MappingError(
            f"the mapping has no rules for kind {kind!r}; it maps: {', '.join(loaded.kind_names)}"
        )
    return ColumnMapping(
        chosen, loaded.name, loaded.crs, loaded.lon, loaded.lat, loaded.wkt, loaded.layer, loaded.encoding
    )


def _needs_geometry(mapping: ColumnMapping) -> bool:
    schemas = [entity(k) for k in mapping.kind_names]
    return any(s.geometry is not None and s.geometry_required for s in schemas)


def _reader_options(mapping: ColumnMapping, crs: str | None, encoding: str | None) -> dict[str, Any]:
    """The readers' options a mapping sets (``read_table`` and ``read_batches`` take the same ones);
    ``crs`` and ``encoding`` given on the command line win over the mapping's."""
    return {
        "layer": mapping.layer,
        "crs": crs or mapping.crs,
        "lon": mapping.lon,
        "lat": mapping.lat,
        "wkt": mapping.wkt,
        "require_geometry": _needs_geometry(mapping),
        "encoding": encoding or mapping.encoding,
    }


def _read_sources(
    path: Path, mapping: ColumnMapping | None, crs: str | None, encoding: str | None
) -> list[_Source]:
    if mapping is None:
        if path.suffix.lower() != ".gpkg":
            raise InputError(
                f"{path.name}: which kind of record is it? give --kind (one of: "
                f"{', '.join(ENTITIES)}) or a --mapping"
            )
        layers = [layer for layer in list_layers(path) if layer in ENTITIES]
        if not layers:
            raise InputError(
                f"{path.name}: no layer is named after a kind of record; give --kind and the "
                "layer in a mapping (layer:), or rename the layers"
            )
        return [
            _source(
                f"{path.name}:{layer}",
                read_table(path, layer=layer, crs=crs, encoding=encoding),
                identity_mapping(layer),
            )
            for layer in layers
        ]
    frame = read_table(path, **_reader_options(mapping, crs, encoding))
    return [_source(path.name, frame, mapping)]


def _validate(
    source: _Source, store: Store, today: date | None, *, first_row: int = 1
) -> dict[str, ValidationReport]:
    """Each kind's report of the rows of ``source``, whose first row is row ``first_row`` of the file."""
    aoi = store.get_setting("aoi")
    metric = store.get_setting("metric_crs") or "auto"
    frame = source.frame.assign(**{ROW_COLUMN: np.arange(first_row, first_row + len(source.frame))})
    routed = apply_mapping(frame, source.mapping, file=source.label)
    return {
        kind: validate_frame(
            part,
            kind,
            file=source.label,
            rows=part[ROW_COLUMN].to_numpy(),
            aoi=aoi,
            today=today,
            metric_crs=metric,
        ).with_issues(_problem_issues(source, kind, part[ROW_COLUMN].to_numpy() - (first_row - 1), first_row))
        for kind, part in routed.items()
    }


def _problem_issues(source: _Source, kind: str, rows: np.ndarray, first_row: int = 1) -> pd.DataFrame:
    """Errors of the rows the reader could not read whole (a WKT that does not parse, a placemark again);
    ``rows`` count from 1 in ``source``, whose first row is row ``first_row`` of the file."""
    found = [
        (int(r) + first_row - 1, *source.problems[r - 1])
        for r in rows.tolist()
        if source.problems and source.problems[r - 1]
    ]
    table = pd.DataFrame(found, columns=["row", "field", "reason", "fix"])
    return table.assign(file=source.label, kind=kind, value="", severity="error")


def _original_rows(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    picked = frame.iloc[rows - 1]
    if isinstance(picked, gpd.GeoDataFrame):
        geoms = np.asarray(picked.geometry, dtype=object)
        text = np.full(len(geoms), None, dtype=object)
        present = ~shapely.is_missing(geoms)
        text[present] = shapely.to_wkt(geoms[present], rounding_precision=-1)
        picked = pd.DataFrame(picked.drop(columns=picked.geometry.name))
        if "wkt" not in picked.columns:
            picked = picked.assign(wkt=text)
    return pd.DataFrame(picked).reset_index(drop=True)


def _write_rejects(sources: list[_Source], reports: dict[str, dict[str, ValidationReport]], out: Path) -> int:
    table = _rejects_table(sources, reports)
    table.to_csv(out, index=False)
    return len(table)


def _rejects_table(
    sources: list[_Source], reports: dict[str, dict[str, ValidationReport]], *, first_row: int = 1
) -> pd.DataFrame:
    """The rejected rows of ``sources`` as the file gave them, with ``row``, ``kind``, ``field``, ``reason``
    and ``fix``; the sources' first rows are row ``first_row`` of the file."""
    parts = []
    for source in sources:
        merged = ValidationReport.merge(list(reports[source.label].values())).to_frame()
        errors = merged[merged["severity"] == "error"]
        if errors.empty:
            continue
        why = (
            errors.groupby(["kind", "row"], sort=True)
            .agg(
                field=("field", lambda s: "; ".join(dict.fromkeys(s))),
                reason=("reason", "; ".join),
                fix=("fix", lambda s: "; ".join(dict.fromkeys(s))),
            )
            .reset_index()
        )
        original = _original_rows(source.frame, why["row"].to_numpy(dtype=np.int64) - (first_row - 1))
        parts.append(pd.concat([original, why[["row", "kind", "field", "reason", "fix"]]], axis=1))
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["row", "kind", "field", "reason", "fix"])
    )


def _default_rejects(path: Path) -> Path:
    return Path.cwd() / f"{path.stem}.rejects.csv"


def import_file(
    store: Store,
    path: str | Path,
    *,
    author: str,
    reason: str,
    kind: str | None = None,
    mapping: ColumnMapping | str | Path | None = None,
    skip_invalid: bool = False,
    rejects_path: str | Path | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    today: date | None = None,
    on_stage: Callable[[str], None] | None = None,
    batch_rows: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one file into ``store``, validated, all kinds in one transaction.

    Parameters
    ----------
    store : Store
        The store; its ``aoi`` setting (degrees, WGS84) bounds where records may lie.
    path : path
        GeoJSON, GeoPackage, Shapefile, CSV (lon/lat or WKT) or KML. A GeoPackage whose layers are named
        after kinds (an export) imports every such layer when neither ``kind`` nor ``mapping`` is given.
    author, reason : str
        Who imports and why; kept in the history of every record written.
    kind : str, optional
        Kind of record in the file (or the one kind of the mapping to import).
    mapping : ColumnMapping or path to a YAML mapping, optional
        How the file's columns become fields (see ``mineaction.io.mapping``).
    skip_invalid : bool
        Store the valid rows and write the rejected rows to ``rejects_path`` instead of refusing the file.
    rejects_path : path, optional
        Rejects CSV (default ``<file stem>.rejects.csv`` in the current folder); written only with
        ``skip_invalid``.
    crs : str, optional
        CRS of the file's coordinates, overriding the file and the mapping; reprojected to EPSG:4326.
    encoding : str, optional
        Encoding of the file's text, overriding the mapping's ``encoding:`` (default: UTF-8, or the one
        detected when the file is not UTF-8; ``ImportResult.notes`` says which).
    today : date, optional
        Dates after this day are errors (default: today, UTC).
    on_stage : callable, optional
        Called with "read", "validate", "write" as the import advances (progress display).
    batch_rows : int, optional
        Import in batches of this many rows (``mineaction.io.stream``): memory bounded by the batch, the
        same guarantees. Files larger than ``mineaction.io.stream.STREAM_BYTES`` (50 MiB) are imported in
        batches of ``BATCH_ROWS`` without asking; KML, zipped Shapefiles and GeoPackage exports imported
        without a kind or mapping are always read whole.
    on_batch : callable, optional
        Called with the rows read so far after each batch of a batched import.

    Raises
    ------
    ValidationError
        Some row has an error and ``skip_invalid`` is false, or every row has one; ``.report`` holds every
        issue; nothing is stored. The message leads with the reason most rows share, when one does.
    InputError, MappingError
        The file or the mapping cannot be used at all.
    """
    path = Path(path)
    stage = on_stage or (lambda _: None)
    resolved = _resolve_mapping(mapping, kind)
    if resolved is not None and _batched(path, batch_rows):
        from mineaction.io.stream import BATCH_ROWS, stream_import

        stage("read")
        result = stream_import(
            store,
            path,
            resolved,
            author=author,
            reason=reason,
            skip_invalid=skip_invalid,
            rejects_path=Path(rejects_path) if rejects_path is not None else _default_rejects(path),
            crs=crs,
            encoding=encoding,
            today=today,
            batch_rows=batch_rows or BATCH_ROWS,
            on_batch=on_batch,
        )
        stage("validate")
        stage("write")
        return result
    stage("read")
    sources = _read_sources(path, resolved, crs, encoding)
    notes = tuple(note for source in sources for note in source.notes)
    stage("validate")
    reports = {source.label: _validate(source, store, today) for source in sources}
    pairs = [(kind, r) for per_kind in reports.values() for kind, r in per_kind.items()]
    merged = ValidationReport.merge([r for _, r in pairs])
    routed = sum(_routed_rows(reports[s.label]) for s in sources)
    if not merged.ok and not skip_invalid:
        message = refusal_message(path.name, pairs, rows=routed, skip_invalid=False)
        raise ValidationError(message, merged)
    written_rejects = None
    if skip_invalid and not merged.ok:
        written_rejects = Path(rejects_path) if rejects_path is not None else _default_rejects(path)
        _write_rejects(sources, reports, written_rejects)
        if all(len(r.error_rows()) == len(r.frame) for _, r in pairs):  # every row rejected
            where = str(written_rejects)
            raise ValidationError(
                refusal_message(path.name, pairs, rows=routed, skip_invalid=True, rejects=where), merged
            )
    unrouted = sum(len(s.frame) for s in sources) - routed
    sources.clear()  # the file as read is no longer needed: free it before the store encodes its copy
    pa.default_memory_pool().release_unused()
    stage("write")
    counts, ids = _write_all(store, reports, author=author, reason=reason, source_doc=path.name)
    rejects = None if written_rejects is None else str(written_rejects)
    return ImportResult(str(path), counts, merged, rejects, unrouted, ids, notes)


def _batched(path: Path, batch_rows: int | None) -> bool:
    """Whether ``path`` is imported in batches: asked, or larger than ``STREAM_BYTES``, and readable so."""
    from mineaction.io.batches import can_batch
    from mineaction.io.stream import STREAM_BYTES

    if not can_batch(path) or not path.is_file():
        return False
    return batch_rows is not None or path.stat().st_size > STREAM_BYTES


def _routed_rows(per_kind: dict[str, ValidationReport]) -> int:
    rows = [r.rows for r in per_kind.values() if r.rows is not None]
    return len(np.unique(np.concatenate(rows))) if rows else 0


def _write_all(
    store: Store,
    reports: dict[str, dict[str, ValidationReport]],
    *,
    author: str,
    reason: str,
    source_doc: str,
) -> tuple[dict[str, KindCounts], dict[str, tuple]]:
    counts: dict[str, KindCounts] = {}
    ids: dict[str, tuple[str, ...]] = {}
    with store.transaction():
        for per_kind in reports.values():
            for kind in [k for k in ENTITIES if k in per_kind]:
                report = per_kind[kind]
                frame = report.valid_frame()  # sealed: the store does not check it a second time
                read = len(report.frame) if report.frame is not None else 0
                rejected = read - len(frame)
                if len(frame) == 0:
                    counts[kind] = KindCounts(read=read, rejected=rejected)
                    continue
                result = store.write(kind, frame, author=author, reason=reason, source_doc=source_doc)
                counts[kind] = KindCounts(
                    read, len(result.inserted), len(result.updated), result.unchanged, rejected
                )
                ids[kind] = result.inserted
    return counts, ids
