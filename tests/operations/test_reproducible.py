"""A published snapshot rebuilt from the archived submissions it lists gives identical marts
(`raa rebuild`, as the data team runs it)."""

from __future__ import annotations

import pytest

from pipelines.cli import main
from pipelines.publish.layout import published_database
from pipelines.publish.rebuild import mart_differences


@pytest.mark.slow
def test_raa_rebuild_gives_identical_marts(region, tmp_path, monkeypatch, capsys):
    original = region.settings
    for name, value in (("RAA_LANDING_DIR", original.landing_dir),
                        ("RAA_WAREHOUSE_DIR", original.warehouse_dir),
                        ("RAA_PSEUDONYM_KEY", "ops-test-key"),
                        ("DAGSTER_HOME", original.warehouse_dir.parent / "dagster")):  # fmt: skip
        monkeypatch.setenv(name, str(value))
    assert main(["rebuild", "--out", str(tmp_path / "rebuilt")]) == 0
    said = capsys.readouterr().out
    assert f"{len(region.registry.codes)} archived submission(s) restaged" in said
    assert "identical" in said
    rebuilt = tmp_path / "rebuilt" / "warehouse"
    assert mart_differences(original.database, rebuilt / "raa.duckdb") == []
    assert main(["rebuild", "--out", str(tmp_path / "rebuilt")]) == 2  # not empty: one line


def test_mart_differences_sees_a_changed_row(region, tmp_path):
    import shutil

    import duckdb

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(published_database(region.settings.published_dir), copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.raa_quarterly set matches = matches + 1 where rowid = 0")
    assert mart_differences(published_database(region.settings.published_dir), copy) == [
        "raa_quarterly: 2 rows differ"
    ]
