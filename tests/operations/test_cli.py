"""`raa` tells the truth: a failed council fails the command with its reason, a user's mistake
is one line, and folders of no council are named."""

from __future__ import annotations

import shutil

import pytest

from pipelines import cli


@pytest.mark.slow
def test_a_failed_council_fails_raa_run_with_its_reason_and_shows_stale(
    copied, region, tmp_path, monkeypatch, capsys
):
    landing = tmp_path / "landing"
    shutil.copytree(region.settings.landing_dir, landing)
    monkeypatch.setenv("RAA_LANDING_DIR", str(landing))
    previous = sorted((landing / "NTH").iterdir())[-1]
    broken = landing / "NTH" / "9999-12-31"
    shutil.copytree(previous, broken)
    (broken / "submission.yaml").write_text("reference_date: 31/12/2099\n")
    (landing / "xyz" / "2026-12-01").mkdir(parents=True)

    code = cli.main(["run", "--council", "nth"])  # codes are case-insensitive

    out = capsys.readouterr()
    assert code == 1
    assert (
        "NTH: FAILED: submission 9999-12-31: submission.yaml: reference_date: '99/99/9999' is "
        "not a valid export date (not a date written as yyyy-mm-dd"
    ) in out.out
    assert "not in the council registry, so not loaded: xyz" in out.out
    assert "1 council(s) failed to load (NTH)" in out.err
    assert "1 council(s): FAILED: NTH in " in out.out
    assert "Stack Trace" not in out.out + out.err  # the reason in words, not Dagster's trace

    assert cli.main(["status"]) == 0
    status = capsys.readouterr().out
    nth = next(line for line in status.splitlines() if line.startswith("NTH "))
    assert nth.endswith("STALE") and previous.name in nth
    assert "NTH: submission 9999-12-31 failed: submission.yaml: reference_date" in status
    assert "not in the council registry, so never loaded: xyz" in status
    widths = {len(line) for line in status.split("\n\n")[0].splitlines()}
    assert len(widths) == 1  # the table stays aligned whatever the messages


def test_a_council_that_loads_beside_a_failing_one_shows_its_partition_materialised(
    copied, region, tmp_path, monkeypatch, capsys
):
    """The operator probe: one run loading five councils, one of them refused, showed all five
    partitions Failed in the UI, and a council's real load went unrecorded. The councils that
    did load (here FEN, unchanged and still in use) are materialised in that failed run; the
    refused one (ASH) is not."""
    import dagster as dg

    from pipelines.run import dagster_instance

    landing = tmp_path / "landing"
    shutil.copytree(region.settings.landing_dir, landing)
    monkeypatch.setenv("RAA_LANDING_DIR", str(landing))
    broken = landing / "ASH" / "9999-12-31"
    shutil.copytree(sorted((landing / "ASH").iterdir())[-1], broken)
    (broken / "submission.yaml").write_text("reference_date: 31/12/2099\n")

    assert cli.main(["run", "--council", "ASH", "--council", "FEN"]) == 1
    out = capsys.readouterr().out
    assert "2 council(s): 1 unchanged, FAILED: ASH in " in out
    failure = next(line for line in out.splitlines() if "ASH failed" in line)
    assert "submission.yaml: reference_date" in failure  # the reason on the council's line
    instance = dagster_instance()
    (failed,) = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]), limit=1)
    key = dg.AssetKey(["canonical", "council_submission"])

    def latest_run(council: str) -> str | None:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[council]), limit=1
        ).records
        return records[0].run_id if records else None

    assert latest_run("FEN") == failed.run_id
    assert latest_run("ASH") != failed.run_id


def test_each_council_whose_load_fails_gets_its_own_plain_email(
    copied, region, tmp_path, monkeypatch, capsys, smtp
):
    """Two councils fail in one night: one email each, naming it, pointing at its own outbox and
    a reload command that works; no Python class names, and no claim that nothing published."""
    landing = tmp_path / "landing"
    shutil.copytree(region.settings.landing_dir, landing)
    monkeypatch.setenv("RAA_LANDING_DIR", str(landing))
    for council in ("ASH", "KIL"):
        broken = landing / council / "9999-12-31"
        shutil.copytree(sorted((landing / council).iterdir())[-1], broken)
        (broken / "submission.yaml").write_text("reference_date: 31/12/2099\n")

    assert cli.main(["run", "--council", "ASH", "--council", "KIL"]) == 1
    capsys.readouterr()
    messages = sorted(smtp.wait(2))
    assert len(messages) == 2
    for council, other, message in (("ASH", "KIL", messages[0]), ("KIL", "ASH", messages[1])):
        assert f"failed for {council}\n" in message and f"Council: {council}\r\n" in message
        assert f"outbox/{council}/" in message and f"raa run --council {council}`" in message
        assert f"{other} submission" not in message  # the other council's problem is its own
        assert "dagster._core" not in message and ".." not in message
        assert "still publishes every other council" in message


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        (["run", "--council", "XYZ"], {}, "unknown council 'XYZ': the registry has NTH, ASH"),
        (["run"], {"RAA_LANDING_DIR": "{tmp}/nowhere"}, "the landing folder {tmp}/nowhere does"),
        (["status"], {"RAA_COUNCILS_FILE": "{tmp}/none.yaml"}, "council registry {tmp}/none.yaml"),
        (["export", "finance", "--year", "2022"], {}, "financial year '2022' must look like"),
        (["export", "finance", "--year", "2022-23"], {}, "no warehouse at {tmp}/warehouse"),
    ],
)
def test_a_users_mistake_is_one_line_and_exit_2(argv, env, says, tmp_path, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert says.format(tmp=tmp_path) in err and len(err.strip().splitlines()) == 1


def test_councils_are_named_after_one_option_or_each_after_its_own():
    """The README's `raa run [--council CODE ...]`: `--council nth ash` was refused."""
    run = cli.parser().parse_args
    assert run(["run", "--council", "nth", "ash"]).council == ["nth", "ash"]
    assert run(["run", "--council", "nth", "--council", "ash"]).council == ["nth", "ash"]


def test_a_dbt_project_that_does_not_parse_is_one_line_not_a_trace(tmp_path, monkeypatch, capsys):
    """A broken model YAML printed dbt's error, a Python trace, then the error again."""
    from pipelines.settings import DbtProjectError

    def does_not_parse():
        raise DbtProjectError("the dbt project in dbt_project does not parse (dbt's errors ...")

    monkeypatch.setattr("pipelines.definitions.ensure_manifest", does_not_parse)
    monkeypatch.setenv("RAA_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "k")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("raa run: the dbt project in dbt_project does not parse")
    assert "Traceback" not in err


def test_an_unexpected_error_fails_the_load_once_with_a_record_and_a_report(tmp_path, monkeypatch):
    """Through the Dagster job, as the schedule runs it: the submission is `failed` (recorded,
    reported, the run failed), and the step is not retried as an "unexpected error"."""
    import dagster as dg
    import duckdb

    from pipelines.definitions import INGEST_JOB, build_definitions
    from pipelines.ingest import batch
    from pipelines.settings import Settings
    from tests.ingest.helpers import GOOD, META, write

    monkeypatch.setenv("RAA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    settings = Settings.from_env(pseudonym_key="k")
    write(settings.landing_dir / "NTH" / "s1", GOOD, META)

    def boom(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(batch, "to_canonical", boom)
    job = build_definitions(settings).resolve_job_def(INGEST_JOB)
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(instance=instance, partition_key="NTH",
                                        raise_on_error=False)  # fmt: skip
        events = [e.event_type for e in result.all_events]
    assert not result.success
    assert dg.DagsterEventType.STEP_UP_FOR_RETRY not in events
    (failure,) = result.get_step_failure_events()
    assert "an unexpected error (ZeroDivisionError)" in failure.step_failure_data.error.message
    with duckdb.connect(str(settings.database), read_only=True) as con:
        recorded = con.execute("select submission_id, status from audit.submissions").fetchall()
    assert recorded == [("s1", "failed")]
    assert (settings.outbox_dir / "NTH" / "s1" / "validation_report.html").exists()


def test_only_an_unexpected_errors_trace_reaches_the_terminal():
    """raa run quietens the ingest run's ERROR events (a council's failure is told in words);
    a step failing for another reason still shows its error and trace."""
    import dagster as dg

    from pipelines.run import _say_unexpected_errors

    @dg.op
    def council_refused():
        raise dg.Failure(description="NTH submission s1 could not be loaded")

    @dg.op
    def warehouse_locked():
        raise OSError("the warehouse file is locked")

    @dg.job
    def night():
        council_refused()
        warehouse_locked()

    result = night.execute_in_process(raise_on_error=False)
    said = []
    _say_unexpected_errors(result, said.append)
    assert len(said) == 1
    assert said[0].startswith("warehouse_locked failed unexpectedly:")
    assert "OSError: the warehouse file is locked" in said[0] and "Stack Trace" in said[0]


def test_the_build_says_its_warnings_and_failures_in_plain_lines():
    """raa run quietens the build run's Dagster events too: each warning or error the build
    logged is one line, a failed step says its reason once (not again as the error it logged
    first), dbt's failure is its first line, and only an unexpected error brings a trace."""
    import dagster as dg
    from dagster_dbt.errors import DagsterDbtCliRuntimeError

    from pipelines.run import _say_build_problems

    @dg.op
    def transform(context):
        context.log.warning("withholding KIL: their data breaks unique_fct_episodes_key")
        context.log.info("not said: information only")

    @dg.op
    def dbt_models(context):
        context.log.error("no council withheld: a model failed to build, not a test: fct_x")
        raise DagsterDbtCliRuntimeError(
            description="The dbt CLI process with command\n\n`dbt build --vars {...}`\n\nfailed with"
            " exit code `1`. Check the stdout in the Dagster compute logs for the full information"
            " about the error, or view the dbt debug log: /w/target/dbt.log.\n\nErrors parsed from"
            " dbt logs:\n\n67 of 175 ERROR creating sql table model star.fct_x [ERROR in 0.2s]"
            "\n\nRuntime Error in model fct_x (models/star/fct_x.sql)\n  Binder Error"
            "\n\nFailure in test unique_fct_x_key (models/star/_star.yml)"
        )

    @dg.op
    def gate(context):
        context.log.error("The release gate refused the build: 2 expectations failed.")
        raise dg.Failure(description="The release gate refused the build: 2 expectations "
                         "failed. Data Docs: x/index.html.")  # fmt: skip

    @dg.op
    def publish():
        raise OSError("disk full")

    @dg.job
    def build():
        transform()
        dbt_models()
        gate()
        publish()

    instance = dg.DagsterInstance.ephemeral()
    result = build.execute_in_process(instance=instance, raise_on_error=False)
    said = []
    _say_build_problems(instance, result, said.append)
    assert sorted(said[:4]) == sorted(
        [
            "warning: withholding KIL: their data breaks unique_fct_episodes_key",
            "error: no council withheld: a model failed to build, not a test: fct_x",
            "dbt_models failed: dbt build failed (dbt's log: /w/target/dbt.log)\n"
            "  Runtime Error in model fct_x (models/star/fct_x.sql)\n"
            "  Binder Error\n"
            "  Failure in test unique_fct_x_key (models/star/_star.yml)",
            "gate failed: The release gate refused the build: 2 expectations failed. Data Docs: "
            "x/index.html.",
        ]
    )
    assert len(said) == 5 and said[4].startswith("publish failed unexpectedly:")
    assert "OSError: disk full" in said[4] and "Stack Trace" in said[4]
    assert sum("Stack Trace" in line for line in said) == 1


def test_a_council_with_no_submission_is_said_on_the_terminal(tmp_path, monkeypatch):
    """raa run quietens the ingest run's Dagster events, so the load says this itself."""
    import dagster as dg

    from pipelines.definitions import INGEST_JOB, build_definitions
    from pipelines.defs.resources import ProgressReporter
    from pipelines.settings import Settings

    monkeypatch.setenv("RAA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    settings = Settings.from_env(pseudonym_key="k")
    (settings.landing_dir / "NTH").mkdir(parents=True)
    said: list[str] = []
    job = build_definitions(settings).resolve_job_def(INGEST_JOB)
    with dg.instance_for_test() as instance:
        job.execute_in_process(instance=instance, partition_key="NTH", raise_on_error=False,
                               resources={"progress": ProgressReporter(said.append)})  # fmt: skip
    assert f"NTH: no submission in {settings.landing_dir}" in said


def test_a_newer_export_whose_name_sorts_first_is_said_on_the_terminal(tmp_path, monkeypatch):
    """Folders sort by name and the last is current: 'Nov export' stays current when
    2026-11-07-a arrives after it, and the load says so instead of saying nothing."""
    import os

    import dagster as dg

    from pipelines.definitions import INGEST_JOB, build_definitions
    from pipelines.defs.resources import ProgressReporter
    from pipelines.settings import Settings
    from tests.ingest.helpers import GOOD_HEADER

    monkeypatch.setenv("RAA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    settings = Settings.from_env(pseudonym_key="k")
    for name, arrived in (("Nov export", 1_700_000_000), ("2026-11-07-a", 1_700_090_000)):
        folder = settings.landing_dir / "NTH" / name
        folder.mkdir(parents=True)
        (folder / "header.csv").write_text(GOOD_HEADER)
        os.utime(folder, (arrived, arrived))
    said: list[str] = []
    job = build_definitions(settings).resolve_job_def(INGEST_JOB)
    with dg.instance_for_test() as instance:
        job.execute_in_process(instance=instance, partition_key="NTH", raise_on_error=False,
                               resources={"progress": ProgressReporter(said.append)})  # fmt: skip
    assert any(line.startswith("NTH: 2026-11-07-a arrived after Nov export but sorts before it")
               for line in said), said  # fmt: skip
    # raa status says it too: the run log was the only place (operator probe)
    from pipelines.reporting import status

    told = status(settings.database, ["NTH"], landing_dir=settings.landing_dir)
    assert "NTH: 2026-11-07-a arrived after Nov export but sorts before it by name, so it is " \
        "never loaded" in told  # fmt: skip


def test_figures_of_a_build_that_did_not_publish_are_said_to_be_unpublished(
    tmp_path, monkeypatch, capsys
):
    """After a refused release gate the working warehouse holds figures analysts cannot see:
    the headline says they are not published."""
    import pipelines.run
    from pipelines.run import RunReport

    (tmp_path / "landing").mkdir()
    monkeypatch.setenv("RAA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "k")
    monkeypatch.setattr(pipelines.run, "run_pipeline",
                        lambda *a, **k: RunReport(ingested={}, built=False))  # fmt: skip
    assert cli.main(["run"]) == 1
    assert "figures in the working warehouse, NOT published" in capsys.readouterr().out
    monkeypatch.setattr(pipelines.run, "run_pipeline",
                        lambda *a, **k: RunReport(ingested={}, built=True))  # fmt: skip
    assert cli.main(["run"]) == 0
    assert "NOT published" not in capsys.readouterr().out


def test_raa_status_says_which_councils_have_left(copied, region, tmp_path, monkeypatch, capsys):
    registry = (region.settings.councils_file).read_text()
    left = registry.replace("    contact: data.team@ashbury.example\n",
                            "    contact: data.team@ashbury.example\n    left: 2024-03-31\n")  # fmt: skip
    assert left != registry
    (tmp_path / "councils.yaml").write_text(left)
    monkeypatch.setenv("RAA_COUNCILS_FILE", str(tmp_path / "councils.yaml"))
    assert cli.main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        next(line for line in lines if line.startswith("ASH ")).rstrip().endswith("left 31/03/2024")
    )
    assert next(line for line in lines if line.startswith("FEN ")).rstrip().endswith("ok")


def test_raa_status_piped_into_a_reader_that_stops_ends_without_a_traceback(copied):
    """`raa status | head -1`: the reader closes the pipe before raa has written everything."""
    import subprocess
    import sys

    status = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "status"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    status.stdout.close()  # stopped reading before the first line
    _, err = status.communicate(timeout=120)
    assert "Traceback" not in err.decode(), err.decode()
    assert status.returncode == 1
