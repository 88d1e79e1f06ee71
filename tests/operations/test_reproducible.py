"""A published snapshot rebuilt from the archived submissions it lists gives identical marts
(`raa rebuild`, as the data team runs it)."""

from __future__ import annotations

import shutil

import pytest

from pipelines.cli import main
from pipelines.publish.layout import published_database
from pipelines.publish.rebuild import mart_differences, publish_named, snapshot_database
from pipelines.run import dagster_instance, run_pipeline
from pipelines.settings import Settings


@pytest.mark.slow
def test_raa_rebuild_gives_identical_marts(region, tmp_path, monkeypatch, capsys):
    original = region.settings
    for name, value in (("RAA_LANDING_DIR", original.landing_dir),
                        ("RAA_WAREHOUSE_DIR", original.warehouse_dir),
                        ("RAA_PSEUDONYM_KEY", "ops-test-key"),
                        ("DAGSTER_HOME", original.warehouse_dir.parent / "dagster")):  # fmt: skip
        monkeypatch.setenv(name, str(value))
    production_runs = len(dagster_instance().get_runs())
    assert main(["rebuild", "--out", str(tmp_path / "rebuilt")]) == 0
    said = capsys.readouterr().out
    assert f"{len(region.registry.codes)} archived submission(s) of publish" in said
    assert "identical" in said
    rebuilt = tmp_path / "rebuilt" / "warehouse"
    assert mart_differences(original.database, rebuilt / "raa.duckdb") == []
    assert main(["rebuild", "--out", str(tmp_path / "rebuilt")]) == 2  # not empty: one line
    # Its runs are in its own Dagster home: the production UI's asset history is untouched.
    assert len(dagster_instance().get_runs()) == production_runs
    assert (tmp_path / "rebuilt" / "dagster").is_dir()


def test_a_rebuild_of_an_unknown_or_pruned_publish_is_one_line(copied, tmp_path, capsys):
    assert main(["rebuild", "--out", str(tmp_path / "a"), "--run", "nosuch"]) == 2
    assert "no publish with run 'nosuch'" in capsys.readouterr().err
    for folder in copied.archive_dir.glob("NTH/*"):
        shutil.rmtree(folder)
    assert main(["rebuild", "--out", str(tmp_path / "b")]) == 2
    said = capsys.readouterr().err
    assert "NTH's submission" in said and "no longer in the archive" in said
    assert "Traceback" not in said


@pytest.mark.slow
def test_an_earlier_publish_is_compared_with_its_own_snapshot(
    copied, region, tmp_path, monkeypatch, capsys
):
    """`--run` with the short id `raa status` shows: the rebuild of the first publish matches the
    first snapshot, not the later one (whose figures have moved on)."""
    landing = tmp_path / "landing"  # a private copy: the session's landing is shared
    shutil.copytree(region.settings.landing_dir, landing)
    monkeypatch.setenv("RAA_LANDING_DIR", str(landing))
    copied = Settings.from_env()
    first = run_pipeline(copied)  # this copy's own first publish (its warehouse path is new)
    assert first.success
    folder = landing / "NTH" / "2026-12-31"
    shutil.copytree(sorted((landing / "NTH").iterdir())[-1], folder)
    decisions = folder / "placed_for_adoption.csv"  # NTH's export is a 903 return
    lines = decisions.read_bytes().rstrip(b"\n").split(b"\n")
    decisions.write_bytes(b"\n".join(lines[:-60]) + b"\n")
    assert run_pipeline(copied).success
    assert mart_differences(
        snapshot_database(
            copied.published_dir,
            publish_named(published_database(copied.published_dir), first.build_run_id[:8])[1],
        ),
        published_database(copied.published_dir),
    )  # the figures moved on
    assert main(["rebuild", "--out", str(tmp_path / "r"), "--run", first.build_run_id[:8]]) == 0
    assert "identical to snapshot" in capsys.readouterr().out


def test_mart_differences_sees_a_changed_row(region, tmp_path):
    import duckdb

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(published_database(region.settings.published_dir), copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.raa_quarterly set matches = matches + 1 where rowid = 0")
    assert mart_differences(published_database(region.settings.published_dir), copy) == [
        "raa_quarterly: 2 rows differ"
    ]
