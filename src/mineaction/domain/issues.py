"""The validation report: every issue found in a file's rows, with where, what, why and the fix.

``ValidationReport`` is what ``mineaction.domain.validate.validate_frame`` returns and what a failed import
carries (``ValidationError.report``). Issues are held as one table (columns ``ISSUE_COLUMNS``), never as one
Python object per row, so a report of a million issues costs little; ``Issue`` objects are built on demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mineaction.domain.seal import is_sealed, seal_frame

__all__ = ["ISSUE_COLUMNS", "Issue", "IssueCollector", "ValidationReport"]

ISSUE_COLUMNS = ("file", "kind", "row", "field", "value", "reason", "fix", "severity")
MAX_VALUE_CHARS = 200  # longer values are shown cut, with their length: a 10 MB cell is not repeated


@dataclass(frozen=True)
class Issue:
    """One problem found in one row: where it is, what is wrong and how to fix it."""

    file: str
    kind: str
    row: int
    field: str
    value: str
    reason: str
    fix: str
    severity: str

    def message(self) -> str:
        """The issue as one line: ``finds.csv row 17, geometry = 'POINT (147.2 40)': reason; fix``."""
        value = f" = {self.value!r}" if self.value != "" else ""
        return f"{self.file} row {self.row}, {self.field}{value}: {self.reason}; {self.fix}"


class ValidationReport:
    """Every issue found in a frame (or in several, merged), and the normalised frame when there is one.

    ``frame`` holds the schema's columns, typed, with vocabulary codes; rows with errors are still in it
    (their unparseable values empty) so that ``error_rows`` can pick them out.
    """

    def __init__(
        self,
        issues: pd.DataFrame | None = None,
        frame: pd.DataFrame | None = None,
        rows: np.ndarray | None = None,
    ) -> None:
        self._issues = issues if issues is not None else pd.DataFrame(columns=list(ISSUE_COLUMNS))
        self.frame: pd.DataFrame = frame if frame is not None else pd.DataFrame()  # empty for merged reports
        self.rows = rows  # 1-based file row of each row of ``frame``
        self.seal_context: dict[str, Any] | None = None  # what validation checked ``frame`` with

    @classmethod
    def merge(cls, reports: Sequence[ValidationReport]) -> ValidationReport:
        """One report holding the issues of all ``reports`` ordered by row (no frame)."""
        parts = [r._issues for r in reports if len(r._issues)]
        if not parts:
            return cls()
        merged = pd.concat(parts, ignore_index=True).sort_values("row", kind="stable", ignore_index=True)
        return cls(merged)

    def __len__(self) -> int:
        return len(self._issues)

    def _issue_list(self, severity: str | None) -> list[Issue]:
        frame = self._issues if severity is None else self._issues[self._issues["severity"] == severity]
        return [Issue(*values) for values in frame[list(ISSUE_COLUMNS)].itertuples(index=False)]

    @property
    def issues(self) -> list[Issue]:
        return self._issue_list(None)

    @property
    def errors(self) -> list[Issue]:
        return self._issue_list("error")

    @property
    def warnings(self) -> list[Issue]:
        return self._issue_list("warning")

    @property
    def n_errors(self) -> int:
        return int((self._issues["severity"] == "error").sum())

    @property
    def n_warnings(self) -> int:
        return int((self._issues["severity"] == "warning").sum())

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return self.n_errors == 0

    def error_rows(self, kind: str | None = None) -> np.ndarray:
        """Sorted 1-based rows with at least one error (of ``kind`` only, if given)."""
        issues = self._issues[self._issues["severity"] == "error"]
        if kind is not None:
            issues = issues[issues["kind"] == kind]
        return np.unique(issues["row"].to_numpy(dtype=np.int64))

    def with_issues(self, issues: pd.DataFrame) -> ValidationReport:
        """This report with ``issues`` (columns ``ISSUE_COLUMNS``) in place of its own on the same rows and
        fields (rows a reader could not read whole: their reason, not the missing value it left); the frame
        is the same, sealed again for what the report now says."""
        if issues.empty:
            return self
        given = pd.MultiIndex.from_frame(issues[["row", "field"]])
        own = self._issues[~pd.MultiIndex.from_frame(self._issues[["row", "field"]]).isin(given)]
        merged = pd.concat([own, issues[list(ISSUE_COLUMNS)]], ignore_index=True)
        report = ValidationReport(
            merged.sort_values("row", kind="stable", ignore_index=True), self.frame, self.rows
        )
        context = self.seal_context
        if context is not None and is_sealed(self.frame, **context, clean=self.ok):
            seal_frame(self.frame, **context, clean=report.ok)
            report.seal_context = context
        return report

    def valid_frame(self) -> pd.DataFrame:
        """The rows of ``frame`` without errors (the whole frame when there is none), sealed for a store's
        write when ``frame`` is still exactly as validation left it."""
        if self.ok:
            return self.frame
        rows = self.rows if self.rows is not None else np.arange(1, len(self.frame) + 1)
        kept = self.frame[~np.isin(rows, self.error_rows())].reset_index(drop=True)
        context = self.seal_context
        kept.attrs.clear()
        if context is not None and is_sealed(self.frame, **context, clean=False):
            seal_frame(kept, **context)
        return kept

    def to_frame(self) -> pd.DataFrame:
        """The issues as a table with columns ``ISSUE_COLUMNS``."""
        return self._issues.copy()

    def summary(self) -> str:
        """One line: counts, then the first error (or warning) in full."""
        if not len(self._issues):
            return "no issues"
        first = self.errors[:1] or self.warnings[:1]
        counts = f"{self.n_errors:,} error(s), {self.n_warnings:,} warning(s)"
        return f"{counts}; first: {first[0].message()}"


class IssueCollector:
    """Gathers issues rule by rule as column arrays (no Python object per row), sorted by row."""

    def __init__(self, file: str, kind: str, rows: np.ndarray) -> None:
        self.file, self.kind, self.rows = file, kind, rows
        self.parts: list[pd.DataFrame] = []

    def add(
        self, mask: np.ndarray, field: str, values: Any, reason: Any, fix: Any, severity: str = "error"
    ) -> None:
        index = np.flatnonzero(mask)
        if not len(index):
            return
        if isinstance(values, pd.Series):  # pick first: never stringify a whole column for a few issues
            picked = values.iloc[index].reset_index(drop=True)
        else:
            picked = pd.Series(np.asarray(values, dtype=object)[index], dtype=object)
        text = picked.astype(str).where(picked.notna(), "")
        long = text.str.len() > MAX_VALUE_CHARS
        if long.any():
            text = text.where(
                ~long,
                text.str.slice(0, MAX_VALUE_CHARS) + "... (" + text.str.len().astype(str) + " characters)",
            )

        def column(x: Any) -> Any:
            if isinstance(x, pd.Series):
                return x.iloc[index].to_numpy(dtype=object)
            return np.asarray(x, dtype=object)[index] if isinstance(x, np.ndarray) else x

        self.parts.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "kind": self.kind,
                    "row": self.rows[index],
                    "field": field,
                    "value": text.to_numpy(),
                    "reason": column(reason),
                    "fix": column(fix),
                    "severity": severity,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=list(ISSUE_COLUMNS))
        issues = pd.concat(self.parts, ignore_index=True)
        return issues.sort_values("row", kind="stable", ignore_index=True)[list(ISSUE_COLUMNS)]
