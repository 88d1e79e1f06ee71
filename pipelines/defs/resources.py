"""The one resource every asset shares: where the warehouse, landing and registry live."""

from __future__ import annotations

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
