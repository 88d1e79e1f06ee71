"""A faster SQLite event log for the Dagster instance (config/dagster.yaml selects it).

Replaces: Dagster's `SqliteEventLogStorage` connection handling, by overriding its private
`_connect` and `_initdb`-backed set-up (and `supports_asset_checks`). Saves: ~25 ms per stored
event, ~4x per event (bench/NOTES.md, "Earlier sessions"; a national night stores ~2,000).
On an upgrade of Dagster: tests/platform/test_private_members.py fails if a member this class
relies on is gone; tests/operations/test_instance_storage.py checks that events written by one
instance are read by another. Drop it if Dagster's own log pools its connections.

Dagster's own SQLite event log opens a new SQLAlchemy engine and connection for every event it
stores and asks SQLite whether the asset-check table exists each time: ~25 ms per event, paid for
every planned and evaluated dbt test, freshness check and materialisation (a national night stores
about 2,000 events). This one keeps one engine per database file for the life of the process
(the few most recently used, so a long-lived webserver does not hold every run's file open) and
commits without an fsync per event (WAL with synchronous=NORMAL: a power cut may lose the last
events, never corrupt the log). Everything else is Dagster's.
"""

from __future__ import annotations

import json
import os
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from dagster._serdes import ConfigurableClassData

OPEN_DATABASES = 8
INSTANCE_SETTINGS = Path(__file__).resolve().parents[2] / "config" / "dagster.yaml"
STORAGE_CLASS = "  class: PooledSqliteEventLogStorage\n"


def prepare_home(home: Path) -> None:
    """A Dagster home with the project's instance settings (config/dagster.yaml), when it has no
    dagster.yaml yet. The event log's folder is written into it: the home is then usable with or
    without DAGSTER_HOME set (`raa run` does not set it)."""
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if settings.exists():
        _follow_the_move(settings)
        return
    template = INSTANCE_SETTINGS.read_text()
    folder = json.dumps(str(home.resolve() / "history" / "runs"))  # a YAML-safe quoted string
    written = template.replace(STORAGE_CLASS, f"{STORAGE_CLASS}  config:\n    base_dir: {folder}\n")
    temporary = settings.with_suffix(".yaml.tmp")
    temporary.write_text(written)
    os.replace(temporary, settings)


# Where this module lived before pipelines/platform/: a home set up then still names it.
OLD_MODULE = "module: pipelines.instance_storage\n"
MODULE = "module: pipelines.platform.event_log\n"


def _follow_the_move(settings: Path) -> None:
    text = settings.read_text()
    if OLD_MODULE in text:
        temporary = settings.with_suffix(".yaml.tmp")
        temporary.write_text(text.replace(OLD_MODULE, MODULE))
        os.replace(temporary, settings)


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()  # guarded by _db_lock
        self._has_asset_checks = False
        # Closed at the latest when the process ends, even when nobody disposes the instance (a
        # `raa run`): SQLite then folds each run's write-ahead log into its file and deletes it,
        # where an engine left open left a 4 MB `<run>.db-wal` beside every run's 1.8 MB log.
        weakref.finalize(self, _dispose_engines, self._engines)
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict:
        return {"base_dir": dg.Field(dg.StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        # By default where Dagster's own SQLite event log lives, so switching keeps the history.
        if "base_dir" in config_value:
            return cls(config_value["base_dir"], inst_data)
        if not os.environ.get("DAGSTER_HOME"):
            raise dg.DagsterInvariantViolationError(
                "PooledSqliteEventLogStorage needs DAGSTER_HOME set, or a base_dir in its config"
            )
        return cls(os.path.join(os.environ["DAGSTER_HOME"], "history", "runs"), inst_data)

    def _engine(self, shard: str) -> sa.Engine:
        """The shard's engine, most recently used last; the caller holds _db_lock."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = sa.create_engine(
                create_db_conn_string(self._base_dir, shard),
                pool_size=1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            sa.event.listen(engine, "connect", _relaxed_sync)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    @property
    def supports_asset_checks(self) -> bool:  # a property in Dagster's storage
        # Once the table exists it stays: ask SQLite until it does, then remember.
        if not self._has_asset_checks:
            self._has_asset_checks = super().supports_asset_checks
        return self._has_asset_checks

    def _close_databases(self) -> None:
        with self._db_lock:
            _dispose_engines(self._engines)

    def delete_events(self, run_id: str) -> None:
        """Dagster deletes a run's rows; its file (one per run) goes too, or it stays its size."""
        super().delete_events(run_id)
        with self._db_lock:
            engine = self._engines.pop(run_id, None)
            if engine is not None:
                engine.dispose()
            self._initialized_dbs.discard(run_id)
            for suffix in ("", "-wal", "-shm"):
                Path(self._base_dir, f"{run_id}.db{suffix}").unlink(missing_ok=True)

    def wipe(self) -> None:
        self._close_databases()
        super().wipe()

    def dispose(self) -> None:
        self._close_databases()
        super().dispose()


def _dispose_engines(engines: OrderedDict[str, sa.Engine]) -> None:
    for engine in list(engines.values()):
        engine.dispose()
    engines.clear()


def _relaxed_sync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("pragma synchronous=normal")


if __name__ == "__main__":  # `python -m pipelines.platform.event_log HOME` (make ui)
    import sys

    prepare_home(Path(sys.argv[1]))
