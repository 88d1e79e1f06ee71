"""Failed builds' dbt target folders are kept for debugging, but only the newest few."""

import os

from pipelines.defs.transform import prune_kept_targets


def test_only_the_newest_failed_build_folders_are_kept(tmp_path):
    for age in range(5):
        folder = tmp_path / f"raa_dbt_models-run{age}-abc"
        folder.mkdir()
        (folder / "dbt.log").write_text("failed")
        os.utime(folder, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "other_op-run9-abc").mkdir()

    prune_kept_targets(tmp_path, "raa_dbt_models", keep=2)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json", "other_op-run9-abc", "raa_dbt_models-run0-abc", "raa_dbt_models-run1-abc",
    ]  # fmt: skip
