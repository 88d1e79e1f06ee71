"""Where things live. Resolved from the environment when asked, never at import time."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_COUNCILS_FILE = PROJECT_ROOT / "config" / "councils.yaml"

# Only for the synthetic demo. Real deployments set RAA_PSEUDONYM_KEY from a secret store.
DEMO_PSEUDONYM_KEY = "DEMO-KEY-NOT-FOR-REAL-DATA"


@cache
def _warn_demo_key() -> None:
    """Once per process, however many times the settings are read."""
    logging.getLogger("raa").warning(
        "RAA_PSEUDONYM_KEY is not set: using the DEMO key. Never load real data like this."
    )


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_dir: Path
    councils_file: Path
    pseudonym_key: str
    ingest_workers: int = 1  # processes preparing ingestion batches (RAA_INGEST_WORKERS)

    @classmethod
    def from_env(cls, **overrides: str | Path | None) -> Settings:
        def pick(name: str, env: str, default: Path) -> Path:
            value = overrides.get(name) or os.environ.get(env) or default
            return Path(value).expanduser().resolve()

        key = overrides.get("pseudonym_key") or os.environ.get("RAA_PSEUDONYM_KEY")
        if not key:
            _warn_demo_key()
            key = DEMO_PSEUDONYM_KEY
        return cls(
            landing_dir=pick("landing_dir", "RAA_LANDING_DIR", PROJECT_ROOT / "data" / "landing"),
            warehouse_dir=pick(
                "warehouse_dir", "RAA_WAREHOUSE_DIR", PROJECT_ROOT / "data" / "warehouse"
            ),
            councils_file=pick("councils_file", "RAA_COUNCILS_FILE", DEFAULT_COUNCILS_FILE),
            pseudonym_key=str(key),
            ingest_workers=int(
                overrides.get("ingest_workers")
                or os.environ.get("RAA_INGEST_WORKERS")
                or min(2, os.cpu_count() or 1)
            ),
        )

    @property
    def database(self) -> Path:
        return self.warehouse_dir / "raa.duckdb"

    @property
    def archive_dir(self) -> Path:
        return self.warehouse_dir / "archive"

    @property
    def outbox_dir(self) -> Path:
        return self.warehouse_dir / "outbox"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"
