"""The nightly schedule, the landing sensor and the build sensor start the right runs."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import INGEST_JOB, TRANSFORM_JOB, build_definitions
from pipelines.defs.operations import BATCH_LOADS_TAG, BATCH_TAG, RANGE_END, RANGE_START
from pipelines.defs.resources import AlertResource, WarehouseResource
from pipelines.platform.warm_dbt import warm_folder
from pipelines.settings import Settings

CODES = ["NTH", "ASH", "FEN", "KIL", "RAA"]


@pytest.fixture
def ops(tmp_path, monkeypatch):
    monkeypatch.setenv("RAA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    settings = Settings.from_env(pseudonym_key="k")
    return settings, build_definitions(settings)


def test_nightly_schedule_loads_every_council_at_two_london_time(ops):
    _, defs = ops
    schedule = defs.resolve_schedule_def("nightly_load")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"
    when = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Europe/London"))
    context = dg.build_schedule_context(
        scheduled_execution_time=when,
        resources={"warehouse": WarehouseResource()},
        repository_def=defs.get_repository_def(),
    )
    requests = schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1  # one run over every council's partition
    (request,) = requests
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == (CODES[0], CODES[-1])
    assert request.tags[BATCH_TAG] == "nightly-2026-11-24"
    assert request.tags[BATCH_LOADS_TAG] == "1"
    job = defs.resolve_job_def(INGEST_JOB)
    assert job.partitions_def.get_partition_keys() == CODES
    assert dg.validate_run_config(job, request.run_config)


def _drop(settings, council, submission, age_seconds):
    folder = settings.landing_dir / council / submission
    folder.mkdir(parents=True)
    path = folder / "episodes.csv"
    path.write_text("CHILD,DECOM\n1,2024-01-01\n")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    os.utime(folder, (stamp, stamp))  # the file was added then too


def test_landing_sensor_starts_one_run_per_complete_submission(ops, monkeypatch):
    settings, defs = ops
    monkeypatch.setenv("RAA_LANDING_QUIET_SECONDS", "120")
    sensor = defs.resolve_sensor_def("new_submission")
    resources = {"warehouse": WarehouseResource(), "alerts": AlertResource()}
    _drop(settings, "ASH", "2026-11-20", age_seconds=600)
    _drop(settings, "FEN", "2026-11-20", age_seconds=5)  # still being copied
    first = sensor.evaluate_tick(dg.build_sensor_context(resources=resources, definitions=defs))
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in first.run_requests] == [
        ("ASH", "ASH")
    ]
    again = sensor.evaluate_tick(
        dg.build_sensor_context(cursor=first.cursor, resources=resources, definitions=defs)
    )
    assert again.run_requests == []  # the same submission starts one run only
    _drop(settings, "ASH", "2026-11-21", age_seconds=600)
    newer = sensor.evaluate_tick(
        dg.build_sensor_context(cursor=again.cursor, resources=resources, definitions=defs)
    )
    assert [r.tags[RANGE_START] for r in newer.run_requests] == ["ASH"]


def test_landing_sensor_loads_a_corrected_file_sent_into_the_same_folder(ops, monkeypatch):
    """A council told "send the file again" often re-sends it into the same dated folder: the
    sensor remembers what the folder held, not only its name, so the corrected file loads."""
    settings, defs = ops
    monkeypatch.setenv("RAA_LANDING_QUIET_SECONDS", "120")
    sensor = defs.resolve_sensor_def("new_submission")
    resources = {"warehouse": WarehouseResource(), "alerts": AlertResource()}
    _drop(settings, "KIL", "2026-11-09", age_seconds=600)
    first = sensor.evaluate_tick(dg.build_sensor_context(resources=resources, definitions=defs))
    assert [r.tags[RANGE_START] for r in first.run_requests] == ["KIL"]
    corrected = settings.landing_dir / "KIL" / "2026-11-09" / "episodes.csv"
    corrected.write_text("CHILD,DECOM\n1,01/01/2024\n")
    os.utime(corrected, (time.time() - 300, time.time() - 300))
    again = sensor.evaluate_tick(
        dg.build_sensor_context(cursor=first.cursor, resources=resources, definitions=defs)
    )
    assert [r.tags[RANGE_START] for r in again.run_requests] == ["KIL"]
    quiet = sensor.evaluate_tick(
        dg.build_sensor_context(cursor=again.cursor, resources=resources, definitions=defs)
    )
    assert quiet.run_requests == []


def test_a_folder_is_not_quiet_after_a_file_is_deleted_or_copied_in_with_old_times(tmp_path):
    """The quiet period looked at the files' modification times only: a file deleted (or
    renamed, as uploads under a temporary name are), or one copied in with its old time kept,
    left the folder 'quiet' at once."""
    from pipelines.ingest.landing import is_stable

    folder = tmp_path / "2026-11-20"
    folder.mkdir()
    old = time.time() - 600
    for name in ("episodes.csv", "header.csv"):
        (folder / name).write_text("CHILD\n1\n")
        os.utime(folder / name, (old, old))
    os.utime(folder, (old, old))
    assert is_stable(folder, 120)
    (folder / "header.csv").unlink()
    assert not is_stable(folder, 120)
    os.utime(folder, (old, old))
    shutil.copy2(folder / "episodes.csv", folder / "reviews.csv")  # keeps the old time
    assert not is_stable(folder, 120)
    assert is_stable(folder, 0)


def test_landing_sensor_tells_operators_once_of_a_folder_of_no_council(ops, smtp):
    settings, defs = ops
    sensor = defs.resolve_sensor_def("new_submission")
    resources = {"warehouse": WarehouseResource(), "alerts": AlertResource()}
    _drop(settings, "nth", "2026-11-20", age_seconds=600)  # a registered code, in lower case
    _drop(settings, "XYZ", "2026-11-20", age_seconds=600)
    first = sensor.evaluate_tick(dg.build_sensor_context(resources=resources, definitions=defs))
    assert first.run_requests == []
    (message,) = smtp.wait(1)
    assert "2 landing folder(s) not in the council registry" in message
    assert "(the registry has NTH)" in message and "XYZ" in message and "Nothing in them" in message
    again = sensor.evaluate_tick(
        dg.build_sensor_context(cursor=first.cursor, resources=resources, definitions=defs)
    )
    assert again.run_requests == [] and len(smtp.wait(2, timeout=1)) == 1  # told once


def test_build_sensor_queues_the_build_behind_the_whole_batch(ops):
    """Once every load of a batch is in the queue (not before), it queues one build behind them,
    and while they run it has dbt start ahead in the code server (the process evaluating it),
    ready for the build's run worker."""
    _, defs = ops
    sensor = defs.resolve_sensor_def("build_after_loads")
    assert sensor.job_name == TRANSFORM_JOB
    warm = warm_folder(os.getpid())
    batch = "landing-20261124T101500"
    with dg.instance_for_test() as instance, _stopped_after(warm):
        _add_load(instance, "run-0", dg.DagsterRunStatus.STARTED, batch, loads=2)
        assert not warm.exists()
        waiting = sensor.evaluate_tick(context(instance))
        assert waiting.run_requests == []  # the batch's second load is not queued yet
        started = int((warm / "serve.pid").read_text())
        _add_load(instance, "run-1", dg.DagsterRunStatus.NOT_STARTED, batch, loads=2)
        queued = sensor.evaluate_tick(context(instance))
        assert [r.run_key for r in queued.run_requests] == [f"build:{batch}"]
        assert int((warm / "serve.pid").read_text()) == started  # still the one waiting dbt
        done = sensor.evaluate_tick(context(instance, queued.cursor))
        assert done.run_requests == []  # one build per batch


def test_build_sensor_waits_for_an_untold_batch_to_finish(ops):
    """Loads from before `raa/batch_loads` (an older schedule's, kept in the instance) say
    nothing of how many they are: their build waits until all of them have finished."""
    _, defs = ops
    sensor = defs.resolve_sensor_def("build_after_loads")
    batch = "nightly-2026-11-24"
    with dg.instance_for_test() as instance, _stopped_after(warm_folder(os.getpid())):
        _add_load(instance, "run-0", dg.DagsterRunStatus.SUCCESS, batch)
        _add_load(instance, "run-1", dg.DagsterRunStatus.STARTED, batch)
        assert sensor.evaluate_tick(context(instance)).run_requests == []
        instance.delete_run("run-1")  # that load finishes, failed: the batch still builds
        _add_load(instance, "run-1", dg.DagsterRunStatus.FAILURE, batch)
        ready = sensor.evaluate_tick(context(instance))
        assert [r.run_key for r in ready.run_requests] == [f"build:{batch}"]


def test_build_sensor_builds_after_a_load_launched_by_hand_from_the_ui(ops):
    """A backfill, or one council's partition materialised from the asset graph, is its own
    batch: the build is queued once it has finished. `raa run`'s loads (partition range tags,
    no backfill) build in the command itself and queue nothing."""
    from pipelines.defs.ingest import SUBMISSION_KEY

    _, defs = ops
    sensor = defs.resolve_sensor_def("build_after_loads")
    one_council = {"dagster/partition": "KIL"}
    with dg.instance_for_test() as instance, _stopped_after(warm_folder(os.getpid())):
        instance.add_run(dg.DagsterRun(job_name=INGEST_JOB, run_id="raa-run", tags={
            RANGE_START: "NTH", RANGE_END: "RAA"}, status=dg.DagsterRunStatus.SUCCESS))  # fmt: skip
        instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="ui-1", tags=one_council,
                                       asset_selection=frozenset({SUBMISSION_KEY}),
                                       status=dg.DagsterRunStatus.STARTED))  # fmt: skip
        assert sensor.evaluate_tick(context(instance)).run_requests == []  # still loading
        instance.delete_run("ui-1")
        instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="ui-1", tags=one_council,
                                       asset_selection=frozenset({SUBMISSION_KEY}),
                                       status=dg.DagsterRunStatus.SUCCESS))  # fmt: skip
        instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="ui-marts", tags={},
                                       asset_selection=frozenset({dg.AssetKey(["marts", "x"])}),
                                       status=dg.DagsterRunStatus.SUCCESS))  # fmt: skip
        instance.add_run(dg.DagsterRun(job_name=INGEST_JOB, run_id="bf-run", tags={
            "dagster/backfill": "abcd", RANGE_START: "ASH", RANGE_END: "FEN"},
            status=dg.DagsterRunStatus.FAILURE))  # fmt: skip
        tick = sensor.evaluate_tick(context(instance))
        assert sorted(r.run_key for r in tick.run_requests) == [
            "build:backfill-abcd", "build:run-ui-1"]  # fmt: skip
        assert sensor.evaluate_tick(context(instance, tick.cursor)).run_requests == []


def _add_load(instance, run_id: str, status, batch: str, loads: int | None = None) -> None:
    tags = {BATCH_TAG: batch} | ({} if loads is None else {BATCH_LOADS_TAG: str(loads)})
    instance.add_run(dg.DagsterRun(job_name=INGEST_JOB, run_id=run_id, status=status, tags=tags))


def test_schedule_and_landing_sensor_say_how_many_loads_a_batch_has(ops, monkeypatch):
    settings, defs = ops
    monkeypatch.setenv("RAA_LANDING_QUIET_SECONDS", "0")
    for code in ("NTH", "FEN", "KIL"):  # NTH apart from FEN-KIL: two runs, one batch
        _drop(settings, code, "2026-11-20", age_seconds=600)
    sensor = defs.resolve_sensor_def("new_submission")
    resources = {"warehouse": WarehouseResource(), "alerts": AlertResource()}
    tick = sensor.evaluate_tick(dg.build_sensor_context(resources=resources, definitions=defs))
    assert [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in tick.run_requests] == [
        ("NTH", "NTH"), ("FEN", "KIL")
    ]  # fmt: skip
    assert {r.tags[BATCH_LOADS_TAG] for r in tick.run_requests} == {"2"}
    assert len({r.tags[BATCH_TAG] for r in tick.run_requests}) == 1


def context(instance, cursor=None):
    return dg.build_sensor_context(instance=instance, cursor=cursor,
                                   resources={"warehouse": WarehouseResource()})  # fmt: skip


@contextlib.contextmanager
def _stopped_after(warm: Path):
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((warm / "serve.pid").read_text()), signal.SIGTERM)
        shutil.rmtree(warm, ignore_errors=True)


def test_run_failure_sensor_and_freshness_job_exist(ops):
    _, defs = ops
    assert defs.resolve_sensor_def("alert_on_run_failure") is not None
    graph = defs.resolve_asset_graph()
    checks = {c.name for c in graph.asset_check_keys}
    assert {f"fresh_submission_{c}" for c in CODES} | {"release_gate"} <= checks
    assert dg.AssetKey("published_snapshot") in graph.get_all_asset_keys()


def test_landing_sensor_starts_nothing_for_the_submission_already_loaded(ops, monkeypatch):
    """Opening the UI after `make run` (a sensor with no cursor yet) reloads nobody."""
    from pipelines.ingest.landing import latest_submission
    from pipelines.ingest.submission import ingest_submissions
    from pipelines.registry import load_registry
    from pipelines.warehouse import connect, ensure_schemas
    from tests.ingest.helpers import GOOD, META, write

    settings, defs = ops
    monkeypatch.setenv("RAA_LANDING_QUIET_SECONDS", "0")
    write(settings.landing_dir / "NTH" / "s1", GOOD, META)
    registry = load_registry(settings.councils_file)
    con = connect(settings.database)
    ensure_schemas(con)
    submission = latest_submission(settings.landing_dir, "NTH")
    assert ingest_submissions(con, settings, registry, [(registry.get("NTH"), submission)])
    con.close()
    write(settings.landing_dir / "ASH" / "s1", {"children.csv": "x"})
    write(settings.landing_dir / "FEN" / "s1", {"children.csv": "y"})
    sensor = defs.resolve_sensor_def("new_submission")
    resources = {"warehouse": WarehouseResource(), "alerts": AlertResource()}
    tick = sensor.evaluate_tick(dg.build_sensor_context(resources=resources, definitions=defs))
    # NTH's submission is the one loaded; ASH and FEN are neighbours: one run, one batch
    (request,) = tick.run_requests
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("ASH", "FEN")
    write(settings.landing_dir / "NTH" / "s2", GOOD, META)  # the same export, dropped again
    again = sensor.evaluate_tick(
        dg.build_sensor_context(cursor=tick.cursor, resources=resources, definitions=defs)
    )
    assert again.run_requests == []


def test_build_sensor_builds_each_batch_once_however_many_nights_have_passed(ops):
    """Every batch still among the recent load runs stays remembered as built: after more
    batches than the sensor once kept in its cursor (a hundred nights), an old one is not built
    again (it was, on every tick, once the cursor had let it go)."""
    _, defs = ops
    sensor = defs.resolve_sensor_def("build_after_loads")
    with dg.instance_for_test() as instance, _stopped_after(warm_folder(os.getpid())):
        for night in range(101):
            _add_load(instance, f"run-{night}", dg.DagsterRunStatus.SUCCESS,
                      f"nightly-{night:03d}", loads=1)  # fmt: skip
        first = sensor.evaluate_tick(context(instance))
        assert len(first.run_requests) == 101
        _add_load(instance, "run-new", dg.DagsterRunStatus.SUCCESS, "nightly-new", loads=1)
        second = sensor.evaluate_tick(context(instance, first.cursor))
        assert [r.run_key for r in second.run_requests] == ["build:nightly-new"]
        assert sensor.evaluate_tick(context(instance, second.cursor)).run_requests == []


def test_build_sensor_builds_after_a_failed_load_re_executed_from_the_ui(ops):
    """Re-executing a failed load (the UI's Re-execute, which copies the run's tags, its batch
    already built included) is its own batch: the build follows once it has finished, so the
    council it loads is published that day, not at the next night's build."""
    _, defs = ops
    sensor = defs.resolve_sensor_def("build_after_loads")
    batch = "landing-20261124T101500"
    with dg.instance_for_test() as instance, _stopped_after(warm_folder(os.getpid())):
        _add_load(instance, "run-0", dg.DagsterRunStatus.FAILURE, batch, loads=2)
        _add_load(instance, "run-1", dg.DagsterRunStatus.SUCCESS, batch, loads=2)
        built = sensor.evaluate_tick(context(instance))
        assert [r.run_key for r in built.run_requests] == [f"build:{batch}"]
        again = {BATCH_TAG: batch, BATCH_LOADS_TAG: "2", "dagster/parent_run_id": "run-0",
                 "dagster/root_run_id": "run-0"}  # fmt: skip
        instance.add_run(dg.DagsterRun(job_name=INGEST_JOB, run_id="rerun", tags=again,
                                       status=dg.DagsterRunStatus.STARTED))  # fmt: skip
        assert sensor.evaluate_tick(context(instance, built.cursor)).run_requests == []
        instance.delete_run("rerun")
        instance.add_run(dg.DagsterRun(job_name=INGEST_JOB, run_id="rerun", tags=again,
                                       status=dg.DagsterRunStatus.SUCCESS))  # fmt: skip
        after = sensor.evaluate_tick(context(instance, built.cursor))
        assert [r.run_key for r in after.run_requests] == ["build:run-rerun"]
        assert sensor.evaluate_tick(context(instance, after.cursor)).run_requests == []


def test_landing_sensor_does_not_send_a_refused_submission_to_a_load_again(ops, monkeypatch):
    """Found by a probe of the UI: an operator's backfill loaded a folder before it was quiet
    and it was refused; when it was quiet, the sensor loaded it again (a second failure, alert
    and rebuild). A submission whose last load failed waits for a corrected export."""
    from pipelines.ingest.landing import latest_submission
    from pipelines.ingest.submission import ingest_submissions
    from pipelines.registry import load_registry
    from pipelines.warehouse import connect, ensure_schemas
    from tests.ingest.helpers import GOOD, META, write

    settings, defs = ops
    monkeypatch.setenv("RAA_LANDING_QUIET_SECONDS", "0")
    write(settings.landing_dir / "NTH" / "s1", GOOD, META)
    write(settings.landing_dir / "ASH" / "s1", {"children.csv": "x"})  # no usable table
    registry = load_registry(settings.councils_file)
    con = connect(settings.database)
    ensure_schemas(con)
    by_hand = [
        (registry.get(c), latest_submission(settings.landing_dir, c)) for c in ("NTH", "ASH")
    ]
    outcomes = ingest_submissions(con, settings, registry, by_hand)
    assert sorted((o.council_code, o.status) for o in outcomes) == [("ASH", "failed"),
                                                                    ("NTH", "loaded")]  # fmt: skip
    con.close()
    sensor = defs.resolve_sensor_def("new_submission")
    resources = {"warehouse": WarehouseResource(), "alerts": AlertResource()}
    tick = sensor.evaluate_tick(dg.build_sensor_context(resources=resources, definitions=defs))
    assert tick.run_requests == []
    write(settings.landing_dir / "ASH" / "s1", {"children.csv": "x", "fixed.csv": "y"})
    corrected = sensor.evaluate_tick(
        dg.build_sensor_context(cursor=tick.cursor, resources=resources, definitions=defs)
    )
    assert [r.tags[RANGE_START] for r in corrected.run_requests] == ["ASH"]
