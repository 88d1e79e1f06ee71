"""Operations settings, read from the environment when a run or tick starts (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class OperationsSettings:
    freshness_days: float = 3.0
    landing_quiet_seconds: float = 300.0
    row_count_tolerance: float = 0.5
    data_docs: str = "on_failure"  # release gate Data Docs: on_failure | always
    sensor_interval_seconds: int = 60  # how often the landing and build sensors look

    @classmethod
    def from_env(cls) -> OperationsSettings:
        return cls(
            freshness_days=float(os.environ.get("RAA_FRESHNESS_DAYS", cls.freshness_days)),
            landing_quiet_seconds=float(
                os.environ.get("RAA_LANDING_QUIET_SECONDS", cls.landing_quiet_seconds)
            ),
            row_count_tolerance=float(
                os.environ.get("RAA_ROW_COUNT_TOLERANCE", cls.row_count_tolerance)
            ),
            data_docs=os.environ.get("RAA_DATA_DOCS", cls.data_docs).strip().lower(),
            sensor_interval_seconds=int(
                os.environ.get("RAA_SENSOR_INTERVAL_SECONDS", cls.sensor_interval_seconds)
            ),
        )
