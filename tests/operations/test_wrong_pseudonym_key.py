"""A night started with another RAA_PSEUDONYM_KEY than the warehouse's: `raa run` refuses before
any run, a scheduled or UI load fails with one alert for the run (no council is at fault), and
nothing loaded or published changes."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import INGEST_JOB, build_definitions
from pipelines.defs.operations import RANGE_END, RANGE_START, every_council_refused
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
