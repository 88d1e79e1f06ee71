"""Shared fixtures: a temporary warehouse and landing folder per test, nothing global."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.registry import load_registry
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schemas

SHARED = Path(__file__).resolve().parents[2] / "shared"
PEER_DATA = Path(os.environ.get("RAA_PEER_DATA", SHARED / "peer-data"))


def pytest_configure(config: pytest.Config) -> None:
    """Under `-n N` (make test), parse dbt's project once, before the workers start: they then
    all read one fresh manifest instead of racing to write it."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        from pipelines.defs.transform import ensure_manifest

        ensure_manifest()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests first (the order is otherwise kept), so that pytest-xdist hands
    them out while the quick files can still fill in around them, instead of one worker
    finishing a daemon night alone at the end (make test passes --no-loadscope-reorder, which
    would otherwise order files by their number of tests)."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        landing_dir=tmp_path / "landing",
        warehouse_dir=tmp_path / "warehouse",
        pseudonym_key="test-key",
    )


@pytest.fixture
def registry(settings: Settings):
    return load_registry(settings.councils_file)


@pytest.fixture
def warehouse(settings: Settings):
    con = connect(settings.database)
    ensure_schemas(con)
    yield con
    con.close()
