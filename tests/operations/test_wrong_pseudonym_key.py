"""A night started with another RAA_PSEUDONYM_KEY than the warehouse's: `raa run` refuses before
any run, a scheduled or UI load fails with one alert for the run (no council is at fault), and
nothing loaded or published changes."""

from __future__ import annotations

import shutil
import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import INGEST_JOB, build_definitions
from pipelines.defs.operations import (
    BATCH_LOADS_TAG,
    BATCH_TAG,
    RANGE_END,
    RANGE_START,
    every_council_refused,
)
from pipelines.defs.resources import WarehouseResource
from pipelines.ingest.pseudonym_key import PseudonymKeyChanged
from pipelines.publish.layout import published_database
from pipelines.run import _alert_on_failure, run_pipeline
from pipelines.settings import Settings


def _state(settings: Settings) -> tuple:
    with duckdb.connect(str(settings.database), read_only=True) as con:
        loads = con.execute("select count(*) from audit.load_history").fetchone()
    with duckdb.connect(str(published_database(settings.published_dir)), read_only=True) as con:
        published = con.execute("select count(*) from meta.publishes").fetchone()
    return loads, published


def test_raa_run_refuses_another_key_before_any_run(copied, monkeypatch):
    before = _state(copied)
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "a-rotated-key")
    with pytest.raises(PseudonymKeyChanged, match="RAA_PSEUDONYM_KEY is not the key"):
        run_pipeline(Settings.from_env())
    assert _state(copied) == before


def test_raa_run_stops_before_the_build_when_its_loads_are_refused_for_the_key(copied, monkeypatch):
    """The key check before the runs could not read the warehouse (a writer held it past the
    wait): the load refuses, and `raa run` stops there, as the check would have, rather than
    building and publishing what is there again."""
    import pipelines.run as run_module

    before = _state(copied)
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "a-rotated-key")
    monkeypatch.setattr(run_module, "warehouse_key_problem", lambda *args, **kwargs: None)
    with pytest.raises(PseudonymKeyChanged, match="RAA_PSEUDONYM_KEY is not the key"):
        run_pipeline(Settings.from_env())
    assert _state(copied) == before


def test_a_scheduled_load_under_another_key_fails_with_one_alert_for_the_run(
    copied, region, monkeypatch, smtp
):
    before = _state(copied)
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "a-rotated-key")
    codes = region.registry.codes
    result = (
        build_definitions(Settings.from_env())
        .resolve_job_def(INGEST_JOB)
        .execute_in_process(
            raise_on_error=False, tags={RANGE_START: codes[0], RANGE_END: codes[-1]}
        )
    )
    assert not result.success
    failures = result.get_step_failure_events()
    assert every_council_refused(failures)
    retried = [
        e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert not retried  # retrying cannot mend a setting
    from pipelines.defs.resources import AlertResource

    _alert_on_failure(result, INGEST_JOB, [], AlertResource())
    (message,) = smtp.wait(1)
    assert "RAA_PSEUDONYM_KEY is not the key" in message and "raa rebuild" in message
    assert "Council:" not in message and "a-rotated-key" not in message
    assert _state(copied) == before


# Holds the warehouse as a daemon's run does (a write connection), for a moment.
HOLD = "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); " \
    "time.sleep(3); con.close()"  # fmt: skip


def test_raa_run_refuses_another_key_while_a_daemon_run_holds_the_warehouse(copied, monkeypatch):
    """Seen under the daemon: a `raa run` started while a run held the warehouse read no key,
    loaded nothing ('5 council(s) failed to load ... ASH: FAILED: submission unchanged'), then
    built and published again, exit 1. It now waits for the writer to let go, then stops."""
    before = _state(copied)
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "a-rotated-key")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(copied.database)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PseudonymKeyChanged, match="RAA_PSEUDONYM_KEY is not the key"):
            run_pipeline(Settings.from_env())
    finally:
        holder.wait(60)
    assert _state(copied) == before


def test_the_build_sensor_queues_no_build_after_loads_refused_for_the_key(copied, monkeypatch):
    """Seen under the daemon: each refused load (the landing sensor's, the 02:00 tick's) was
    followed by build_after_loads' build, which published a new snapshot of the same figures
    every time (and, in time, freshness alerts naming every council). No build now, and none
    later for the nights refused meanwhile."""
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "a-rotated-key")
    defs = build_definitions(Settings.from_env())
    sensor = defs.resolve_sensor_def("build_after_loads")
    batch = {BATCH_TAG: "landing-20261207T054050", BATCH_LOADS_TAG: "1"}

    def tick(instance, cursor=None):
        context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                          resources={"warehouse": WarehouseResource()})  # fmt: skip
        return sensor.evaluate_tick(context)

    with dg.instance_for_test() as instance:
        instance.add_run(dg.DagsterRun(job_name=INGEST_JOB, run_id="load", tags=batch,
                                       status=dg.DagsterRunStatus.NOT_STARTED))  # fmt: skip
        queued = tick(instance)
        assert queued.run_requests == [] and "RAA_PSEUDONYM_KEY" in queued.skip_message
        instance.delete_run("load")
        instance.add_run(dg.DagsterRun(job_name=INGEST_JOB, run_id="load", tags=batch,
                                       status=dg.DagsterRunStatus.FAILURE))  # fmt: skip
        refused = tick(instance, queued.cursor)
        assert refused.run_requests == []
        monkeypatch.setenv("RAA_PSEUDONYM_KEY", "ops-test-key")  # the key put back
        assert tick(instance, refused.cursor).run_requests == []  # that night is not built


def test_the_landing_sensor_loads_a_submission_refused_for_the_key_once_the_key_is_back(
    copied, region, tmp_path, monkeypatch
):
    """A submission that arrived while the daemon ran under another key was sent to a load
    (refused, with its alert) and then never again: its folder was in the sensor's cursor, so
    it waited for the 02:00 load. Once the key is put back, the next tick loads it; under the
    wrong key it is sent once, not on every tick."""
    from pipelines.defs.resources import AlertResource

    landing = tmp_path / "landing"
    shutil.copytree(region.settings.landing_dir, landing)
    monkeypatch.setenv("RAA_LANDING_DIR", str(landing))
    monkeypatch.setenv("RAA_LANDING_QUIET_SECONDS", "0")
    resources = {"warehouse": WarehouseResource(), "alerts": AlertResource()}

    def tick(cursor=None):
        defs = build_definitions(Settings.from_env())
        sensor = defs.resolve_sensor_def("new_submission")
        context = dg.build_sensor_context(cursor=cursor, resources=resources, definitions=defs)
        return sensor.evaluate_tick(context)

    first = tick()  # every folder is the one loaded
    assert first.run_requests == []
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "a-rotated-key")
    newer = landing / "NTH" / "2099-01-01"  # sorts last: NTH's newest
    shutil.copytree(sorted((landing / "NTH").iterdir())[-1], newer)
    (newer / "note.txt").write_text("re-sent")
    refused = tick(first.cursor)
    assert [r.tags[RANGE_START] for r in refused.run_requests] == ["NTH"]  # refused, alerted
    waiting = tick(refused.cursor)
    assert waiting.run_requests == []  # not again on every tick
    monkeypatch.setenv("RAA_PSEUDONYM_KEY", "ops-test-key")  # the key put back
    back = tick(waiting.cursor)
    assert [r.tags[RANGE_START] for r in back.run_requests] == ["NTH"]
    assert tick(back.cursor).run_requests == []
