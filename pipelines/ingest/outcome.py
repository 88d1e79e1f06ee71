"""What ingesting one submission came to, for the council, the audit schema and Dagster."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipelines.ingest.cross_rules import WARNING_COLUMNS
from pipelines.ingest.landing import Submission
from pipelines.ingest.load import AuditRecord
from pipelines.ingest.validate import REJECTION_COLUMNS
from pipelines.registry import Council

FILE_LOAD_COLUMNS = [
    "file_name", "sheet_name", "canonical_table", "sha256", "rows_received", "rows_accepted",
    "rows_rejected", "status", "message",
]  # fmt: skip


@dataclass
class SubmissionOutcome:
    council_code: str
    submission_id: str
    status: str  # loaded | failed | unchanged
    message: str = ""
    file_loads: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejections: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REJECTION_COLUMNS)
    )
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WARNING_COLUMNS))

    @property
    def rows_received(self) -> int:
        return int(self.file_loads["rows_received"].sum()) if len(self.file_loads) else 0

    @property
    def rows_rejected(self) -> int:
        return int(self.file_loads["rows_rejected"].sum()) if len(self.file_loads) else 0


def financial_year_start(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def audit_record(
    submission: Submission, council: Council, year: int, status: str, message: str | None,
    file_loads: pd.DataFrame, rejections: pd.DataFrame, warnings: pd.DataFrame,
) -> AuditRecord:  # fmt: skip
    return AuditRecord(
        council_code=council.code,
        submission_id=submission.submission_id,
        received_at=submission.received_at,
        dialect=council.dialect,
        reference_date=submission.reference_date,
        collection_year=year,
        manifest_sha256=submission.manifest_sha256,
        status=status,
        message=message,
        file_loads=file_loads,
        rejections=rejections,
        warnings=warnings,
    )
