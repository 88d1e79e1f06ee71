"""A failing expectation keeps the old snapshot and is reported; stale councils raise the
freshness check and an email; run failures email the operators."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.definitions import FRESHNESS_JOB, build_definitions
from pipelines.operations.alerts import Alert, send_alert
from pipelines.publish.layout import data_docs_dir, published_database
from pipelines.publish.release import publish_release
from pipelines.run import _alert_on_failure
from pipelines.settings import Settings


def _current_run(settings) -> str:
    with duckdb.connect(str(published_database(settings.published_dir)), read_only=True) as con:
        return con.execute(
            "select run_id from meta.publishes order by published_at desc limit 1"
        ).fetchone()[0]


def _break_apportionment(settings) -> None:
    with duckdb.connect(str(settings.database)) as con:
        con.execute(
            "update marts.cost_apportionment set contribution_gbp = contribution_gbp + 1 "
            "where rowid = 0"
        )


def test_failing_expectation_keeps_the_old_snapshot(copied, region):
    before = _current_run(copied)
    _break_apportionment(copied)
    outcome = publish_release(copied, region.registry, "broken-run")
    assert not outcome.published
    assert any("cost_apportionment_pools.contribution_gap_pence" in f
               for f in outcome.gate.failures)  # fmt: skip
    assert _current_run(copied) == before
    assert (data_docs_dir(copied.published_dir) / "index.html").exists()
    with duckdb.connect(str(copied.database), read_only=True) as con:
        status, message = con.execute(
            "select status, message from audit.publishes where run_id = 'broken-run'"
        ).fetchone()
    assert status == "refused" and "previous snapshot stays published" in message


def test_failed_gate_fails_the_dagster_run_and_emails(copied, region, smtp):
    _break_apportionment(copied)
    defs = build_definitions(copied)
    job = dg.define_asset_job("publish_only", selection=["published_snapshot"])
    result = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def(
        "publish_only").execute_in_process(raise_on_error=False)  # fmt: skip
    assert not result.success
    from pipelines.defs.resources import AlertResource

    _alert_on_failure(result, "build_warehouse", [], AlertResource())
    (message,) = smtp.wait(1)
    assert "build_warehouse failed" in message
    assert "release gate failed" in message and "cost_apportionment" in message
    assert "What to do:" in message and "previous snapshot" in message


def test_stale_council_raises_warn_check_and_email(smtp, copied, region):
    old = datetime.now() - timedelta(days=10)
    with duckdb.connect(str(copied.database)) as con:
        con.execute("update audit.submissions set received_at = ? where council_code = 'KIL'",
                    [old])  # fmt: skip
    result = build_definitions(copied).resolve_job_def(FRESHNESS_JOB).execute_in_process()
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["fresh_submission_KIL"].passed
    assert evaluations["fresh_submission_KIL"].severity == dg.AssetCheckSeverity.WARN
    assert all(evaluations[f"fresh_submission_{c}"].passed for c in ("NTH", "ASH", "FEN", "RAA"))
    (message,) = smtp.wait(1)
    assert "Council: KIL" in message and "10.0 days old" in message
    assert "the limit is 3 days" in message and "What to do:" in message


def test_a_council_that_has_left_is_not_chased_for_submissions(
    smtp, copied, region, tmp_path, monkeypatch
):
    registry = (Path(__file__).parents[2] / "config" / "councils.yaml").read_text()
    left = registry.replace("    contact: data.team@ashbury.example\n",
                            "    contact: data.team@ashbury.example\n    left: 2026-03-31\n")  # fmt: skip
    assert left != registry
    (tmp_path / "councils.yaml").write_text(left)
    monkeypatch.setenv("RAA_COUNCILS_FILE", str(tmp_path / "councils.yaml"))
    old = datetime.now() - timedelta(days=10)
    with duckdb.connect(str(copied.database)) as con:
        con.execute("update audit.submissions set received_at = ? where council_code in ('ASH', 'KIL')",
                    [old])  # fmt: skip
    settings = Settings.from_env()
    result = build_definitions(settings).resolve_job_def(FRESHNESS_JOB).execute_in_process()
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["fresh_submission_ASH"].passed
    assert (
        "ASH left the partnership on 31/03/2026" in evaluations["fresh_submission_ASH"].description
    )
    assert not evaluations["fresh_submission_KIL"].passed
    (message,) = smtp.wait(1)
    assert "Council: KIL" in message


def test_no_smtp_settings_means_no_alert_and_a_log_line(monkeypatch, caplog):
    for name in ("RAA_SMTP_HOST", "RAA_ALERT_TO"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.WARNING):
        sent = send_alert(Alert("test", "a problem", "nothing"), Settings.from_env())
    assert not sent
    assert "alert not sent" in caplog.text


def test_an_unreachable_mail_server_stops_nothing_and_keeps_the_alert(
    monkeypatch, caplog, tmp_path
):
    """The mail server down: the alert is not sent, an error line says so, and the alert is
    kept as a file for the operators; nothing is raised into the night or sensor that sent it."""
    from tests.operations.conftest import free_port

    monkeypatch.setenv("RAA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RAA_SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("RAA_ALERT_TO", "ops@raa.example")
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    settings = Settings.from_env()
    with caplog.at_level(logging.ERROR):
        sent = send_alert(Alert("KIL failed", "a problem", "fix it", council="KIL"), settings)
    assert not sent
    assert "alert NOT sent (mail server 127.0.0.1:" in caplog.text
    (kept,) = (settings.outbox_dir / "alerts_not_sent").iterdir()
    assert kept.read_text().startswith("Subject: KIL failed\n\nCouncil: KIL\nProblem: a problem")


def test_alerts_kept_while_the_mail_server_was_down_go_with_the_next_one(
    monkeypatch, tmp_path, caplog
):
    from tests.operations.conftest import free_port, smtp_server

    monkeypatch.setenv("RAA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RAA_SMTP_PORT", str(free_port()))  # down
    monkeypatch.setenv("RAA_ALERT_TO", "ops@raa.example")
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    for council in ("KIL", "NTH"):
        send_alert(Alert(f"{council} failed", "a problem", "fix it", council), Settings.from_env())
    with smtp_server(monkeypatch) as inbox, caplog.at_level(logging.INFO):
        settings = Settings.from_env()
        assert send_alert(Alert("FEN failed", "another", "fix it", council="FEN"), settings)
        messages = inbox.wait(3)
    subjects = [m.splitlines()[0] for m in messages]
    assert subjects[0] == "Subject: [RAA warehouse] FEN failed"
    assert subjects[1].startswith("Subject: [RAA warehouse] KIL failed (raised ")
    assert subjects[1].endswith(" UTC, sent late)") and "NTH failed (raised" in subjects[2]
    assert "Council: KIL\r\nProblem: a problem" in messages[1]
    assert not list((settings.outbox_dir / "alerts_not_sent").iterdir())
    assert len(list((settings.outbox_dir / "alerts_sent_late").iterdir())) == 2


def test_a_refused_publish_with_no_submission_says_there_is_nothing_to_publish():
    from pipelines.publish.expectations import GateResult
    from pipelines.publish.release import ReleaseOutcome

    gate = GateResult(False, ["scorecard_timeliness.council_code: ... (observed None)"])
    empty = ReleaseOutcome(False, "run", "snap", gate, submissions=[])
    loaded = ReleaseOutcome(False, "run", "snap", gate, submissions=[{"council_code": "NTH"}])
    assert "no council has an accepted submission yet, nothing to publish" in empty.message
    assert "observed None" in empty.message
    assert "accepted submission" not in loaded.message


def test_a_failed_load_from_the_asset_graph_is_named_in_words():
    from pipelines.operations.alerts import run_failure_alert

    alert = run_failure_alert("__ASSET_JOB", "run-1", "NTH", "NTH submission s2 could not be read")
    assert alert.subject == "a materialisation from the asset graph failed for NTH"
    assert run_failure_alert("build_warehouse", "run-2", None, "x").subject == (
        "build_warehouse failed"
    )


def test_an_alert_carries_its_date_and_a_message_id(monkeypatch):
    """Mail readers date and thread an alert by its own headers: a message without `Date`
    (RFC 5322 requires one) shows when the reader guesses, and spam filters mark it down."""
    import email
    import email.policy
    from email.utils import parsedate_to_datetime

    from tests.operations.conftest import smtp_server

    with smtp_server(monkeypatch) as inbox:
        assert send_alert(Alert("KIL failed", "a problem", "fix it", council="KIL"),
                          Settings.from_env())  # fmt: skip
        inbox.wait(1)
    (raw,) = inbox.raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    sent = parsedate_to_datetime(message["Date"])
    assert abs((datetime.now(sent.tzinfo) - sent).total_seconds()) < 60
    assert message["Message-ID"].endswith("@raa.example>")


def test_a_problem_kept_while_the_mail_server_was_down_is_one_email_when_it_is_back(
    monkeypatch, tmp_path
):
    """The operator probe: a failed load kept unsent on Monday night, then Tuesday night's alert
    of the same failure, were two emails when the mail server came back. They are one, saying
    when it was first raised; a kept alert sent late counts as that problem's email of the day."""
    from pipelines.operations.alerts import run_failure_alert, stale_council_alert
    from tests.operations.conftest import free_port, smtp_server

    monkeypatch.setenv("RAA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RAA_SMTP_PORT", str(free_port()))  # down
    monkeypatch.setenv("RAA_ALERT_TO", "ops@raa.example")
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    failed = run_failure_alert("ingest_council", "run-1", "KIL", "unreadable")
    stale = stale_council_alert("NTH", "NTH's submission is 4.0 days old", 3)
    for alert in (failed, stale):
        assert not send_alert(alert, Settings.from_env())
    with smtp_server(monkeypatch) as inbox:
        settings = Settings.from_env()
        assert send_alert(run_failure_alert("ingest_council", "run-2", "KIL", "unreadable"),
                          settings)  # fmt: skip
        messages = inbox.wait(2)
        assert not send_alert(stale, settings)  # sent late a moment ago
    assert len(messages) == 2
    assert "Also raised " in messages[0] and "KIL" in messages[0].splitlines()[0]
    assert "NTH" in messages[1].splitlines()[0] and "sent late" in messages[1].splitlines()[0]
    assert not list((settings.outbox_dir / "alerts_not_sent").iterdir())


def test_a_standing_problem_is_emailed_once_a_day_however_many_builds_meet_it(
    monkeypatch, caplog, tmp_path
):
    """Every build checks freshness and may withhold a council: a day with six builds sent the
    same stale or withheld email six times. The same problem goes out once a day; another
    council's, or another problem, still goes; the next day it goes again."""
    from datetime import UTC, timedelta

    from pipelines.operations.alerts import (
        SENT_TODAY,
        run_failure_alert,
        stale_council_alert,
        withheld_council_alert,
    )
    from tests.operations.conftest import smtp_server

    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))

    def stale(council: str, age: float):
        return stale_council_alert(council, f"{council}'s submission is {age:.1f} days old", 3)

    with smtp_server(monkeypatch) as inbox, caplog.at_level(logging.INFO):
        settings = Settings.from_env()
        assert send_alert(stale("KIL", 3.2), settings)
        assert not send_alert(stale("KIL", 3.4), settings)  # a later build, the same problem
        assert send_alert(stale("NTH", 4.0), settings)
        tests = ["unique_int_x_key"]
        assert send_alert(withheld_council_alert("KIL", "run-1", tests, "Broken."), settings)
        assert not send_alert(withheld_council_alert("KIL", "run-2", tests, "Broken."), settings)
        assert send_alert(run_failure_alert("ingest_council", "run-3", "KIL", "unreadable"),
                          settings)  # fmt: skip
        assert send_alert(Alert("KIL failed", "a problem", "fix it", council="KIL"), settings)
        assert send_alert(Alert("KIL failed", "a problem", "fix it", council="KIL"), settings)
        # the next day
        listed = settings.outbox_dir / SENT_TODAY
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
        today, rest = listed.read_text().split("\n", 1)
        listed.write_text(f"{yesterday}\n{rest}")
        assert send_alert(stale("KIL", 4.2), settings)
        messages = inbox.wait(7)
    assert len(messages) == 7
    assert "alert not sent again (the same was sent at " in caplog.text
    assert listed.read_text().splitlines()[0] == today


def test_a_council_whose_child_ids_changed_is_emailed_to_the_data_team(tmp_path, monkeypatch):
    """The continuity query (a new export whose children are mostly not those in use) reaches
    the data team by email as well as the night's log: once, after the loads, with the council
    and what to ask them."""
    from pipelines.definitions import INGEST_JOB, build_definitions
    from tests.ingest.helpers import META, write
    from tests.ingest.test_changed_ids import PADDED, _export
    from tests.operations.conftest import smtp_server

    monkeypatch.setenv("RAA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    with smtp_server(monkeypatch) as inbox, dg.instance_for_test() as instance:
        settings = Settings.from_env(pseudonym_key="k")
        for submission, ids in (("s1", PADDED), ("s2", [i.lstrip("0") for i in PADDED])):
            write(settings.landing_dir / "NTH" / submission, _export(ids), META)
            job = build_definitions(settings).resolve_job_def(INGEST_JOB)
            assert job.execute_in_process(instance=instance, partition_key="NTH").success
        (message,) = inbox.wait(1)
    assert "NTH: child ids changed since the last submission" in message
    assert "Council: NTH" in message and "Submission s2 was loaded, with a query" in message
    assert "None of the 25 children" in message and "outbox/NTH/s2/" in message
