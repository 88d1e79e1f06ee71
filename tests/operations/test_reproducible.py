"""A published snapshot rebuilt from the archived submissions it lists gives identical marts."""

from __future__ import annotations

from pipelines.defs.resources import WarehouseResource
from pipelines.publish.layout import published_database
from pipelines.publish.rebuild import mart_differences, restage_from_archive
from pipelines.run import run_pipeline
from pipelines.settings import Settings


def test_rebuild_from_archive_gives_identical_marts(region, tmp_path, monkeypatch):
    original = region.settings
    rebuilt = Settings.from_env(
        landing_dir=tmp_path / "landing",
        warehouse_dir=tmp_path / "warehouse",
        pseudonym_key="ops-test-key",
    )
    monkeypatch.setenv("DAGSTER_HOME", str(original.warehouse_dir.parent / "dagster"))
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "ops-test-key")
    staged = restage_from_archive(
        published_database(original.published_dir), original.archive_dir, rebuilt.landing_dir
    )
    assert len(staged) == len(region.registry.codes)
    warehouse = WarehouseResource(
        landing_dir=str(rebuilt.landing_dir), warehouse_dir=str(rebuilt.warehouse_dir)
    )
    report = run_pipeline(rebuilt, resources={"warehouse": warehouse})
    assert report.success
    assert mart_differences(original.database, rebuilt.database) == []
    assert (
        mart_differences(
            published_database(original.published_dir), published_database(rebuilt.published_dir)
        )
        == []
    )
