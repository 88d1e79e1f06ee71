"""The load's `contract` check: a few rows held back are a normal night (each is in its council's
report); it fails (WARN) only when a council's table has more than RAA_REJECTED_SHARE_WARN of its
rows held back, naming it, so the UI is not yellow every night."""

from __future__ import annotations

import dagster as dg
import pytest
import yaml

from pipelines.definitions import INGEST_JOB, build_definitions
from pipelines.defs.ingest import CONTRACT_CHECK, tables_over
from pipelines.defs.resources import ProgressReporter
from pipelines.settings import DEFAULT_COUNCILS_FILE, Settings
from tests.ingest.helpers import EPISODES, GOOD, drop


@pytest.mark.parametrize(
    ("received", "rejected", "over"),
    [
        (100, 5, False),  # a handful is never a pattern
        (100, 6, True),  # 6 % of a table
        (10, 5, False),  # half of a small table, but a handful
        (1000, 50, False),  # exactly 5 %
        (1000, 51, True),
    ],
)
def test_a_table_is_over_when_more_than_the_share_and_a_handful_is_held_back(
    received, rejected, over
):
    said = tables_over([("NTH", "episodes", received, rejected), ("NTH", "header", 500, 0)], 0.05)
    assert said == ([f"NTH episodes: {rejected:,} of {received:,} rows held back "
                     f"({rejected / received:.0%})"] if over else [])  # fmt: skip


def test_each_council_is_judged_on_its_own_tables():
    """ASH's broken file is not hidden among NTH's many good rows."""
    tables = [("ASH", "adoption_decisions", 40, 40), ("NTH", "episodes", 100_000, 10)]
    assert tables_over(tables, 0.05) == ["ASH adoption_decisions: 40 of 40 rows held back (100%)"]


def _check(settings, landing_files, said: list[str] | None = None,
           council: str = "NTH") -> dg.AssetCheckEvaluation:  # fmt: skip
    drop(settings.landing_dir, council, "2026-10-31", landing_files)
    defs = build_definitions(settings)
    result = defs.resolve_job_def(INGEST_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key=council, raise_on_error=False,
        resources={"progress": ProgressReporter((said if said is not None else []).append)},
    )  # fmt: skip
    assert result.success
    (evaluation,) = [e for e in result.get_asset_check_evaluations()
                     if e.check_name == CONTRACT_CHECK]  # fmt: skip
    return evaluation


def test_a_night_with_a_row_or_two_held_back_passes_the_check(settings):
    bad = GOOD["episodes.csv"] + "ZQX70003,31/02/2022,T,V2,N4,U1,PR1,,,,,,\n"
    evaluation = _check(settings, {**GOOD, "episodes.csv": bad})
    assert evaluation.passed
    assert evaluation.description.startswith("1 of ")
    assert "no table has more than 5% held back" in evaluation.description


def test_a_table_mostly_held_back_fails_the_check_naming_it(settings):
    rows = "".join(f"ZQX70003,3{d}/02/2022,T,V2,N4,U1,PR1,,,,,,\n" for d in range(8))
    said: list[str] = []
    evaluation = _check(settings, {**GOOD, "episodes.csv": EPISODES + rows}, said)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "NTH episodes: 8 of 8 rows held back (100%)" in evaluation.description
    # ... and `raa run` says it on the terminal (the check was only in the UI)
    assert any(line.startswith("NTH episodes: 8 of 8 rows held back (100%): more than 5%")
               for line in said), said  # fmt: skip


def test_a_later_load_of_another_council_does_not_hide_a_table_still_held_back(tmp_path):
    """The check's latest result is what the UI shows: a load of STH alone must still name NTH's
    episodes, whose rows are still held back (it named only the councils the run loaded)."""
    registry = yaml.safe_load(DEFAULT_COUNCILS_FILE.read_text(encoding="utf-8"))
    registry["councils"] += [{"code": "STH", "name": "Southmere (test)", "dialect": "ssda903"}]
    (tmp_path / "councils.yaml").write_text(yaml.safe_dump(registry), encoding="utf-8")
    settings = Settings.from_env(landing_dir=tmp_path / "landing", pseudonym_key="test-key",
                                 warehouse_dir=tmp_path / "warehouse",
                                 councils_file=tmp_path / "councils.yaml")  # fmt: skip
    rows = "".join(f"ZQX70003,3{d}/02/2022,T,V2,N4,U1,PR1,,,,,,\n" for d in range(8))
    assert not _check(settings, {**GOOD, "episodes.csv": EPISODES + rows}).passed
    later = _check(settings, GOOD, council="STH")
    assert not later.passed
    assert "NTH episodes: 8 of 8 rows held back (100%)" in later.description
    assert "STH" not in later.description.split("in use:")[1]
