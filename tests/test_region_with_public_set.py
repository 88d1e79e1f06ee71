"""The demo region plus the public 104k-children set as one more council (SYN, ssda903), run the
way a night runs: `raa run`. Every council is published and none withheld, every row SYN sent
is accepted, queried or rejected with a reason, and SYN's A1/A10/A2 equal the plain-SQL floor's
over the raw files (bench/floor.sql), child count and days."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from bench.floor import floor_scorecard
from data_contracts.rules import QUERY, explain
from pipelines.publish.layout import published_database
from pipelines.settings import DEFAULT_COUNCILS_FILE
from tests.conftest import PEER_DATA

PUBLIC_SET = "cscsynth-national-104k"
DEMO_COUNCILS = {"NTH", "ASH", "FEN", "KIL"}
ONE_DAY = 1.0


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from demo import generate_demo

    source = PEER_DATA / PUBLIC_SET
    assert source.is_dir(), (
        f"the public 903 files are not at {source}: put ../shared/peer-data beside the "
        "repository, or set RAA_PEER_DATA to the folder holding them"
    )
    root = tmp_path_factory.mktemp("region-and-public-set")
    registry = yaml.safe_load(DEFAULT_COUNCILS_FILE.read_text(encoding="utf-8"))
    registry["councils"].append(
        {"code": "SYN", "name": "Public 104k synthetic set", "dialect": "ssda903"}
    )
    councils_file = root / "councils.yaml"
    councils_file.write_text(yaml.safe_dump(registry), encoding="utf-8")
    landing = root / "landing"
    generate_demo(landing, registry_file=DEFAULT_COUNCILS_FILE)
    shutil.copytree(source, landing / "SYN" / PUBLIC_SET)
    env = {
        **os.environ,
        "RAA_LANDING_DIR": str(landing),
        "RAA_WAREHOUSE_DIR": str(root / "warehouse"),
        "RAA_COUNCILS_FILE": str(councils_file),
        "DAGSTER_HOME": str(root / "dagster"),
        "RAA_PSEUDONYM_KEY": "public-set-test-key",
    }
    raa = str(Path(sys.executable).parent / "raa")
    run = subprocess.run([raa, "run"], env=env, capture_output=True, text=True, timeout=900)
    status = subprocess.run([raa, "status"], env=env, capture_output=True, text=True, timeout=120)
    return {"root": root, "landing": landing, "run": run, "status": status}


pytestmark = pytest.mark.slow


def test_every_council_is_published_and_none_withheld(night):
    run, status = night["run"], night["status"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "SYN loaded cscsynth-national-104k" in run.stdout
    states = {
        line.split()[0]: line.split()[-1]
        for line in status.stdout.splitlines()
        if line.split() and line.split()[0] in DEMO_COUNCILS | {"SYN", "RAA"}
    }
    assert states == dict.fromkeys(DEMO_COUNCILS | {"SYN", "RAA"}, "ok"), status.stdout
    published = published_database(night["root"] / "warehouse" / "published")
    with duckdb.connect(str(published), read_only=True) as con:
        councils = {c for (c,) in con.sql(
            "select distinct council_code from marts.scorecard_timeliness"
        ).fetchall()}  # fmt: skip
        withheld = con.sql(
            "select count(*) from marts.scorecard_timeliness where is_withheld"
        ).fetchone()[0]
    assert councils == DEMO_COUNCILS | {"SYN", "REGION"}
    assert withheld == 0


def test_every_row_of_the_public_set_is_accounted_for(night):
    with duckdb.connect(str(night["root"] / "warehouse" / "raa.duckdb"), read_only=True) as con:
        loads = con.sql(
            "select file_name, rows_received, rows_accepted, rows_rejected from audit.file_loads "
            "where council_code = 'SYN'"
        ).df()
        rejected_for = con.sql(
            "select rule, count(*) as n, min(length(message)) as shortest from audit.rejections "
            "where council_code = 'SYN' group by rule"
        ).df()
        stored = con.sql(
            "select count(*) from canonical.episodes where council_code = 'SYN'"
        ).fetchone()[0]
    assert sorted(loads["file_name"]) == sorted(p.name for p in (PEER_DATA / PUBLIC_SET).iterdir())
    assert (loads["rows_received"] == loads["rows_accepted"] + loads["rows_rejected"]).all()
    episodes = loads.set_index("file_name").loc["episodes.csv.gz"]
    assert stored == episodes["rows_accepted"] > 0.99 * episodes["rows_received"]
    # A held-back row keeps its queries among its lines; what held rows back is only what
    # cannot be used: second copies of a row, two episodes with one key, reviews dated after
    # the export.
    holding = {rule for rule in rejected_for["rule"] if explain(rule).severity != QUERY}
    assert holding == {"duplicate_row", "duplicate_key", "no_future_dates"}
    assert (rejected_for["shortest"] > 20).all()


def test_the_public_sets_a1_a10_a2_equal_the_plain_sql_floor(night, tmp_path):
    floor, _ = floor_scorecard(night["landing"], tmp_path / "floor")
    expected = {r["window_end_year"]: r for r in floor if r["council"] == "SYN"}
    assert expected, "the floor found no adopted child in the public set"
    with duckdb.connect(str(night["root"] / "warehouse" / "raa.duckdb"), read_only=True) as con:
        found = {
            end.year: (a1_n, a1, a10, a2_n, a2)
            for end, a1_n, a1, a10, a2_n, a2 in con.sql(
                "select window_end, a1_children, a1_mean_days, a10_mean_days, a2_children, "
                "a2_mean_days from marts.scorecard_timeliness where council_code = 'SYN' "
                "and window_years = 3 and month(window_end) = 3 and day(window_end) = 31"
            ).fetchall()
        }
    for year, row in expected.items():
        a1_n, a1, a10, a2_n, a2 = found[year]
        assert a1_n == row["children"], year
        assert abs(a1 - row["a1_mean"]) <= ONE_DAY and abs(a10 - row["a10_mean"]) <= ONE_DAY
        assert a2_n == row["a2_children"], year
        if a2_n:
            assert abs(a2 - row["a2_mean"]) <= ONE_DAY
