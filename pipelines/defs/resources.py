"""The one resource every asset shares: where the warehouse, landing and registry live."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import dagster as dg

from pipelines.registry import Registry, load_registry
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schemas


class WarehouseResource(dg.ConfigurableResource):
    """Paths default to the environment (RAA_LANDING_DIR, RAA_WAREHOUSE_DIR, RAA_COUNCILS_FILE),
    resolved when a run starts, not when the code is loaded."""

    landing_dir: str | None = None
    warehouse_dir: str | None = None
    councils_file: str | None = None

    def settings(self) -> Settings:
        return Settings.from_env(
            landing_dir=self.landing_dir,
            warehouse_dir=self.warehouse_dir,
            councils_file=self.councils_file,
        )

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


class AlertResource(dg.ConfigurableResource):
    """Operator email. Every field defaults to the environment (RAA_SMTP_HOST, RAA_SMTP_PORT,
    RAA_SMTP_USER, RAA_SMTP_PASSWORD, RAA_ALERT_FROM, RAA_ALERT_TO), read when an alert is sent."""

    smtp_host: str | None = None
    smtp_port: int | None = None
    alert_to: str | None = None

    def smtp(self):
        from dataclasses import replace

        from pipelines.publish.alerts import SmtpSettings

        smtp = SmtpSettings.from_env()
        return replace(
            smtp,
            host=self.smtp_host or smtp.host,
            port=self.smtp_port or smtp.port,
            recipients=tuple(self.alert_to.split(",")) if self.alert_to else smtp.recipients,
        )

    def send(self, alert, logger=None) -> bool:
        from pipelines.publish.alerts import log, send_alert

        return send_alert(alert, self.smtp(), logger or log)


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

    def flush(self, context: dg.AssetExecutionContext) -> None:
        if self._pending:
            context.log.info("\n".join(self._pending))
            self._pending = []
