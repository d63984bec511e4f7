"""Evidence analytics as pure functions over frames: record accuracy, outside share, new-contamination alerts,
land release, funding, casualties, risk education, assistance to survivors and data quality (definitions in
docs/metrics.md).

Nothing here opens a file or a connection: callers read frames from a store and pass them in, with the
settings.
"""

from mineaction.analysis.alerts import (
    ALERT_LABELS,
    alerts_for_display,
    flag_new_contamination,
    new_contamination_alerts,
)
from mineaction.analysis.assistance import (
    OPEN_NEED_DAYS,
    OPEN_STATUSES,
    SMALL_COUNT,
    assistance_by,
    assistance_totals,
    need_table,
    needs_by,
    public_table,
    survivor_table,
)
from mineaction.analysis.casualties import (
    CHILD_AGE,
    casualties_by,
    casualty_table,
    casualty_totals,
    totals_with_aggregates,
)
from mineaction.analysis.eore import (
    AUDIENCE,
    coverage_by,
    coverage_share,
    eore_table,
    reach_by,
    return_coverage,
    return_events,
    victims_reached,
)
from mineaction.analysis.ledger import (
    AREA_FIELDS,
    funding_by_source,
    funding_by_year,
    funding_totals,
    land_release_ledger,
    release_totals,
)
from mineaction.analysis.outside import (
    event_dates,
    hazards_with_history,
    outside_flags,
    outside_share,
    outside_share_by,
    share_farther_than,
)
from mineaction.analysis.quality import QUALITY_COLUMNS, data_quality, quality_summary
from mineaction.analysis.records import (
    MINE_CATEGORIES,
    assess_each_record,
    processed_share,
    record_accuracy,
    record_accuracy_by_source,
    record_recall,
)
from mineaction.analysis.spatial import utm_crs_of
from mineaction.analysis.summary import assess_records, metric_crs_for, summary_stats

__all__ = [
    "ALERT_LABELS",
    "AREA_FIELDS",
    "AUDIENCE",
    "CHILD_AGE",
    "MINE_CATEGORIES",
    "OPEN_NEED_DAYS",
    "OPEN_STATUSES",
    "QUALITY_COLUMNS",
    "SMALL_COUNT",
    "alerts_for_display",
    "assess_each_record",
    "assess_records",
    "assistance_by",
    "assistance_totals",
    "casualties_by",
    "casualty_table",
    "casualty_totals",
    "coverage_by",
    "coverage_share",
    "data_quality",
    "eore_table",
    "event_dates",
    "flag_new_contamination",
    "funding_by_source",
    "funding_by_year",
    "funding_totals",
    "hazards_with_history",
    "land_release_ledger",
    "metric_crs_for",
    "need_table",
    "needs_by",
    "new_contamination_alerts",
    "outside_flags",
    "outside_share",
    "outside_share_by",
    "processed_share",
    "public_table",
    "quality_summary",
    "reach_by",
    "record_accuracy",
    "record_accuracy_by_source",
    "record_recall",
    "release_totals",
    "return_coverage",
    "return_events",
    "share_farther_than",
    "summary_stats",
    "survivor_table",
    "totals_with_aggregates",
    "utm_crs_of",
    "victims_reached",
]
