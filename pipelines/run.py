"""`raa run`: load every council through Dagster's own execution, then rebuild the warehouse.

One ingest run per council partition (as a backfill would), then one build run for the star
schema and marts. Runs are recorded in the Dagster instance (DAGSTER_HOME), so they show in the UI.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.definitions import INGEST_JOB, TRANSFORM_JOB, build_definitions
from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT, Settings


@dataclass
class RunReport:
    ingested: dict[str, bool]
    built: bool

    @property
    def success(self) -> bool:
        return self.built and all(self.ingested.values())


def dagster_instance() -> dg.DagsterInstance:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.get()


# The full event log is in the Dagster instance (make ui); the terminal shows warnings and errors.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run_pipeline(settings: Settings, councils: list[str] | None = None) -> RunReport:
    registry = load_registry(settings.councils_file)
    defs = build_definitions(settings)
    instance = dagster_instance()
    ingest_job = defs.resolve_job_def(INGEST_JOB)
    ingested = {}
    for code in councils or registry.codes:
        result = ingest_job.execute_in_process(
            partition_key=code, instance=instance, raise_on_error=False, run_config=QUIET
        )
        ingested[code] = result.success
    built = defs.resolve_job_def(TRANSFORM_JOB).execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET
    )
    return RunReport(ingested=ingested, built=built.success)
