"""Domain model: entities, controlled vocabularies and validation rules. No I/O."""

from mineaction.domain.disclosure import (
    SMALL_COUNT,
    SUPPRESSED,
    suppress_count,
    suppress_counts,
    suppress_table,
)
from mineaction.domain.records import Record
from mineaction.domain.schema import ENTITIES, EntitySchema, Field, entity, format_id, parse_id
from mineaction.domain.validate import ValidationReport, validate_frame
from mineaction.domain.vocab import VOCABULARIES, normalize_term

__all__ = [
    "ENTITIES",
    "EntitySchema",
    "Field",
    "Record",
    "SMALL_COUNT",
    "SUPPRESSED",
    "VOCABULARIES",
    "ValidationReport",
    "entity",
    "format_id",
    "normalize_term",
    "parse_id",
    "suppress_count",
    "suppress_counts",
    "suppress_table",
    "validate_frame",
]
