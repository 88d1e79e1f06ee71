"""The demo region plus both public 903 sets as two more councils (SYN: the 104k-children set,
a 2024-25 return; D2I: data-to-insight's fake 903, a 2017-18 one; both ssda903), run the way a
night runs: `raa run`. Every council is published and none withheld, every row the two sent is
accepted, queried or rejected with a reason, and their A1/A10/A2 equal the plain-SQL floor's
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
PUBLIC_SETS = {"SYN": PUBLIC_SET, "D2I": "d2i-fake-903"}  # council -> folder in peer-data
DEMO_COUNCILS = {"NTH", "ASH", "FEN", "KIL"}
ONE_DAY = 1.0


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from demo import generate_demo

    for folder in PUBLIC_SETS.values():
        assert (PEER_DATA / folder).is_dir(), (
            f"the public 903 files are not at {PEER_DATA / folder}: put ../shared/peer-data "
            "beside the repository, or set RAA_PEER_DATA to the folder holding them"
        )
    root = tmp_path_factory.mktemp("region-and-public-set")
    registry = yaml.safe_load(DEFAULT_COUNCILS_FILE.read_text(encoding="utf-8"))
    registry["councils"] += [
        {"code": "SYN", "name": "Public 104k synthetic set", "dialect": "ssda903"},
        {"code": "D2I", "name": "Public d2i fake 903 set", "dialect": "ssda903"},
    ]
    councils_file = root / "councils.yaml"
    councils_file.write_text(yaml.safe_dump(registry), encoding="utf-8")
    landing = root / "landing"
    generate_demo(landing, registry_file=DEFAULT_COUNCILS_FILE)
    for council, folder in PUBLIC_SETS.items():
        shutil.copytree(PEER_DATA / folder, landing / council / folder)
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
    assert "D2I loaded d2i-fake-903" in run.stdout
    states = {
        line.split()[0]: line.split()[-1]
        for line in status.stdout.splitlines()
        if line.split() and line.split()[0] in DEMO_COUNCILS | {*PUBLIC_SETS, "RAA"}
    }
    assert states == dict.fromkeys(DEMO_COUNCILS | {*PUBLIC_SETS, "RAA"}, "ok"), status.stdout
    published = published_database(night["root"] / "warehouse" / "published")
    with duckdb.connect(str(published), read_only=True) as con:
        councils = {c for (c,) in con.sql(
            "select distinct council_code from marts.scorecard_timeliness"
        ).fetchall()}  # fmt: skip
        withheld = con.sql(
            "select count(*) from marts.scorecard_timeliness where is_withheld"
        ).fetchone()[0]
    assert councils == DEMO_COUNCILS | {*PUBLIC_SETS, "REGION"}
    assert withheld == 0


@pytest.mark.parametrize("council", PUBLIC_SETS)
def test_every_row_of_the_public_set_is_accounted_for(night, council):
    with duckdb.connect(str(night["root"] / "warehouse" / "raa.duckdb"), read_only=True) as con:
        loads = con.execute(
            "select file_name, canonical_table, rows_received, rows_accepted, rows_rejected from audit.file_loads "
            "where council_code = ?", [council]
        ).df()  # fmt: skip
        rejected_for = con.execute(
            "select rule, count(*) as n, min(length(message)) as shortest from audit.rejections "
            "where council_code = ? group by rule", [council]
        ).df()  # fmt: skip
        stored = con.execute(
            "select count(*) from canonical.episodes where council_code = ?", [council]
        ).fetchone()[0]
    sent = PEER_DATA / PUBLIC_SETS[council]
    assert sorted(loads["file_name"]) == sorted(p.name for p in sent.iterdir())
    assert (loads["rows_received"] == loads["rows_accepted"] + loads["rows_rejected"]).all()
    episodes = loads.set_index("canonical_table").loc["episodes"]
    assert stored == episodes["rows_accepted"] > 0.99 * episodes["rows_received"]
    # A held-back row keeps its queries among its lines; what held rows back is only what
    # cannot be used: second copies of a row, two episodes with one key, reviews dated after
    # the export.
    holding = {rule for rule in rejected_for["rule"] if explain(rule).severity != QUERY}
    assert holding == {"duplicate_row", "duplicate_key", "no_future_dates"}, holding
    assert (rejected_for["shortest"] > 20).all()


@pytest.mark.parametrize("council", PUBLIC_SETS)
def test_the_public_sets_a1_a10_a2_equal_the_plain_sql_floor(night, tmp_path, council):
    floor, _ = floor_scorecard(night["landing"], tmp_path / "floor")
    expected = {r["window_end_year"]: r for r in floor if r["council"] == council}
    assert expected, "the floor found no adopted child in the public set"
    with duckdb.connect(str(night["root"] / "warehouse" / "raa.duckdb"), read_only=True) as con:
        found = {
            end.year: (a1_n, a1, a10, a2_n, a2)
            for end, a1_n, a1, a10, a2_n, a2 in con.execute(
                "select window_end, a1_children, a1_mean_days, a10_mean_days, a2_children, "
                "a2_mean_days from marts.scorecard_timeliness where council_code = ? "
                "and window_years = 3 and month(window_end) = 3 and day(window_end) = 31",
                [council],
            ).fetchall()
        }
    for year, row in expected.items():
        a1_n, a1, a10, a2_n, a2 = found[year]
        assert a1_n == row["children"], year
        assert abs(a1 - row["a1_mean"]) <= ONE_DAY and abs(a10 - row["a10_mean"]) <= ONE_DAY
        assert a2_n == row["a2_children"], year
        if a2_n:
            assert abs(a2 - row["a2_mean"]) <= ONE_DAY


# Each decision once per child and date, by month, from the raw files: AD1's matches (every match
# counts, domain A.5) and PlacedAdoption's ADM decisions (DATE_PLACED, domain A.2).
RAW_MONTHLY = """
select 'matches' as measure, date_trunc('month', day)::date as month, count(*) as n
from (select distinct CHILD, try_strptime(DATE_MATCH, '%d/%m/%Y') as day
      from read_csv($ad1, all_varchar = true)) where day is not null group by all
union all
select 'adm_decisions', date_trunc('month', day)::date, count(*)
from (select distinct CHILD, try_strptime(DATE_PLACED, '%d/%m/%Y') as day
      from read_csv($placed, all_varchar = true)) where day is not null group by all
"""


@pytest.mark.parametrize("council", PUBLIC_SETS)
def test_the_public_sets_monthly_decisions_equal_the_raw_files(night, council):
    """raa_monthly on data we did not write: each month's matches and ADM decisions are those
    plain SQL counts in the raw AD1 and PlacedAdoption files, every month; none elsewhere."""
    folder = night["landing"] / council / PUBLIC_SETS[council]
    files = {
        name: str(next(folder.glob(f"{name}.csv*"))) for name in ("ad1", "placed_for_adoption")
    }
    with duckdb.connect() as con:
        raw = con.execute(
            RAW_MONTHLY, {"ad1": files["ad1"], "placed": files["placed_for_adoption"]}
        ).fetchall()
    with duckdb.connect(str(night["root"] / "warehouse" / "raa.duckdb"), read_only=True) as con:
        ours = con.execute(
            "select month_start, matches, adm_decisions from marts.raa_monthly "
            "where council_code = ?", [council]
        ).fetchall()  # fmt: skip
    expected = {(measure, month): n for measure, month, n in raw}
    assert expected, "no match or ADM decision in the raw files"
    found = {("matches", m): n for m, n, _ in ours} | {("adm_decisions", m): n for m, _, n in ours}
    assert {key: n for key, n in found.items() if n} == expected
