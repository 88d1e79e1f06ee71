"""The resources every asset shares: the warehouse (and every setting of a night) and alerts."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Self, get_args

import dagster as dg
from pydantic import SecretStr

from pipelines.registry import Registry, load_registry
from pipelines.settings import Settings, env_name
from pipelines.warehouse import connect, ensure_schemas

# Every asset and check here opens the DuckDB warehouse, which takes one writer at a time. The pool
# (limit 1, by run: config/dagster.yaml) queues any run holding one of them, a materialisation
# launched by hand from the asset graph included.
WAREHOUSE_POOL = "raa_warehouse"


class _SettingsResource(dg.ConfigurableResource):
    """A resource whose fields are Settings fields (same names; RAA_<NAME> in the environment).

    A field left None is read from the environment when a run starts (Settings.from_env).
    Definitions build these with `from_settings`: a field set in the environment becomes a
    `dg.EnvVar` (the UI shows its name; secrets are never shown), any other its value.
    """

    def settings(self) -> Settings:
        return Settings.from_env(**{name: getattr(self, name) for name in type(self).model_fields})

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        fields = {}
        for name, field in cls.model_fields.items():
            if settings.set_in_environment(name):
                variable = env_name(name)
                fields[name] = dg.EnvVar.int(variable) if int in get_args(field.annotation) \
                    else dg.EnvVar(variable)  # fmt: skip
            else:
                value = _as_config(getattr(settings, name))
                fields[name] = value if value is None or int in get_args(field.annotation) \
                    else str(value)  # fmt: skip
        return cls(**fields)


def _as_config(value: object) -> object:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, Path):
        return str(value)
    return value


class WarehouseResource(_SettingsResource):
    """Where the warehouse, landing folders, registry and formula live; how loads, checks and
    publishing behave. Numbers that may have decimals are text here (EnvVar gives text)."""

    landing_dir: str | None = None
    warehouse_dir: str | None = None
    councils_file: str | None = None
    funding_formula_file: str | None = None
    pseudonym_key: str | None = None
    ingest_workers: int | None = None
    landing_quiet_seconds: str | None = None
    freshness_days: str | None = None
    row_count_tolerance: str | None = None
    rejected_share_warn: str | None = None
    data_docs: str | None = None
    retention_days: int | None = None

    def registry(self) -> Registry:
        return load_registry(self.settings().councils_file)

    @contextmanager
    def connection(self):
        """The working database, one writer at a time; closed before dbt opens it."""
        con = connect(self.settings().database)
        try:
            ensure_schemas(con)
            yield con
        finally:
            con.close()


class AlertResource(_SettingsResource):
    """Operator email: nothing is sent without smtp_host and alert_to (comma-separated)."""

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    alert_from: str | None = None
    alert_to: str | None = None

    def send(self, alert, logger=None) -> bool:
        from pipelines.operations.alerts import log, send_alert

        return send_alert(alert, self.settings(), logger or log)


class NotEmailed(AlertResource):
    """Alerts of a run that is not the warehouse's own (a snapshot rebuild): logged, not emailed
    to the operators, who would take them for the night's."""

    def send(self, alert, logger=None) -> bool:
        from pipelines.operations.alerts import log

        (logger or log).warning(f"not emailed (a rebuild's): {alert.subject}")
        return False


class ProgressReporter:
    """Where a long load reports each council as it goes: for `raa run` the terminal, line by
    line (it passes `say=print`), and the run log in blocks of up to BLOCK lines (every log line
    is an event Dagster commits to its storage: one per council nationally costs seconds)."""

    BLOCK = 25

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self._say = say
        self._pending: list[str] = []

    def report(self, context: dg.AssetExecutionContext, line: str) -> None:
        if self._say is not None:
            self._say(line)
        self._pending.append(line)
        if len(self._pending) >= self.BLOCK:
            self.flush(context)

    def warn(self, context: dg.AssetExecutionContext, line: str) -> None:
        """A warning: on the terminal at once (`raa run` shows no Dagster event of a load, as
        its own lines say what each council's load did) and in the run log as a warning."""
        if self._say is not None:
            self._say(line)
        context.log.warning(line)

    def flush(self, context: dg.AssetExecutionContext) -> None:
        if self._pending:
            context.log.info("\n".join(self._pending))
            self._pending = []
