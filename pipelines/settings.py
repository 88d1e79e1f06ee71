"""Every setting of the warehouse, in one object.

Each field `name` is read from the environment variable `RAA_<NAME>` (the README's table), in this
module only (`Settings.from_env`), when asked and never at import. Under Dagster the resources
carry the same fields (`pipelines/defs/resources.py`: `dg.EnvVar`s the UI shows) and build their
Settings from them. A value that does not parse is one line naming its variable (SettingsError).
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# The dbt project's own folders and files (target/ and logs/ are dbt's output): what the manifest
# is parsed from, and what a build is made of (pipelines/operations/build_inputs.py).
DBT_PROJECT_SOURCES = ("models", "seeds", "macros", "tests", "analyses", "snapshots")
DBT_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml")
DEFAULT_COUNCILS_FILE = PROJECT_ROOT / "config" / "councils.yaml"
ENV_PREFIX = "RAA_"
SECRETS = frozenset({"pseudonym_key", "smtp_password"})  # never repeated in a message

# Only for the synthetic demo. Real deployments set RAA_PSEUDONYM_KEY from a secret store.
DEMO_PSEUDONYM_KEY = "DEMO-KEY-NOT-FOR-REAL-DATA"


class SettingsError(ValueError):
    """A setting that cannot be used, told in one line that names its environment variable."""


class DbtProjectError(RuntimeError):
    """The dbt project does not parse (a model's SQL or YAML): dbt has printed why."""


@cache
def _warn_demo_key() -> None:
    """Once per process, however many times the settings are read."""
    logging.getLogger("raa").warning(
        "RAA_PSEUDONYM_KEY is not set: using the DEMO key. Never load real data like this."
    )


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _default_workers() -> int:
    return min(2, os.cpu_count() or 1)


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Where things live
    landing_dir: Path = PROJECT_ROOT / "data" / "landing"
    warehouse_dir: Path = PROJECT_ROOT / "data" / "warehouse"
    councils_file: Path = DEFAULT_COUNCILS_FILE
    funding_formula_file: Path = PROJECT_ROOT / "config" / "funding_formula.yaml"
    # The secret that pseudonymises child ids (never shown: SecretStr)
    pseudonym_key: SecretStr = SecretStr(DEMO_PSEUDONYM_KEY)
    # Loading
    ingest_workers: int = Field(default_factory=_default_workers, ge=1)
    landing_quiet_seconds: float = Field(300.0, ge=0)
    sensor_interval_seconds: int = Field(60, ge=1)  # read when the code location loads
    # Checks and publishing
    freshness_days: float = Field(3.0, gt=0)
    row_count_tolerance: float = Field(0.5, ge=0)
    rejected_share_warn: float = Field(0.05, ge=0, le=1)
    data_docs: Literal["on_failure", "always"] = "on_failure"
    # How long an earlier submission's archive copy, report and audit rows are kept once out of
    # use (pipelines/operations/retention.py)
    retention_days: int = Field(400, ge=1)
    # Operator email (nothing is sent without smtp_host and alert_to)
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    alert_from: str = "raa-warehouse@localhost"
    alert_to: Annotated[tuple[str, ...], BeforeValidator(_comma_list)] = ()

    @field_validator("landing_dir", "warehouse_dir", "councils_file", "funding_formula_file")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        return path.expanduser().resolve()

    @field_validator("data_docs", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @classmethod
    def parse(cls, values: dict[str, Any]) -> Settings:
        """Settings from field values (blank ones mean the default)."""
        settings = cls._validated(values)
        if settings.pseudonym_key.get_secret_value() == DEMO_PSEUDONYM_KEY:
            _warn_demo_key()
        return settings

    @classmethod
    def _validated(cls, values: dict[str, Any]) -> Settings:
        given = {name: value for name, value in values.items() if value not in (None, "")}
        try:
            return cls(**given)
        except ValidationError as problems:
            raise SettingsError(_one_line(problems)) from None

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The environment's settings; `overrides` (not None) win over it."""
        values: dict[str, Any] = {name: os.environ.get(env_name(name)) for name in cls.model_fields}
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls.parse(values)

    def set_in_environment(self, name: str) -> bool:
        """Whether this setting's value is the one its environment variable gives."""
        raw = os.environ.get(env_name(name))
        return bool(raw) and getattr(type(self)._validated({name: raw}), name) == getattr(
            self, name
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

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.alert_to)


def warehouse_vars(database: Path, **more: object) -> list[str]:
    """dbt's `--vars` for a build: the profile (profiles.yml) opens `warehouse_database`."""
    return ["--vars", json.dumps({"warehouse_database": str(database), **more})]


def _one_line(problems: ValidationError) -> str:
    told = []
    for error in problems.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "?"
        shown = "" if field in SECRETS else f"={error.get('input')!r}"
        told.append(f"{env_name(field)}{shown}: {error['msg']}")
    return "; ".join(told)
