"""RAA_RETENTION_DAYS: what an earlier submission sent goes once it is out of use and old; what is
in use (current, or behind a snapshot `raa rebuild` may restage) stays, however old."""

from __future__ import annotations

import json
import os

import pytest

from pipelines import cli
from pipelines.ingest.landing import archived_folder
from pipelines.operations.retention import prune_history
from pipelines.publish.layout import SNAPSHOTS
from pipelines.run import dagster_instance
from pipelines.warehouse import connect
from tests.ingest.helpers import GOOD, drop, ingest

# One unreadable date (a rejection) and one episode ending with no reason (a query) beside the
# good rows, so the submission leaves rows in audit.rejections and audit.warnings.
SENT = {**GOOD, "episodes.csv": GOOD["episodes.csv"]
        + "ZQX70003,31/02/2022,T,V2,N4,U1,PR1,,,,,,\n"}  # fmt: skip
# The next night's export: one more episode (an identical one would leave s1 current).
NEXT = {**SENT, "episodes.csv": SENT["episodes.csv"] + "ZQX70002,01/07/2022,S,V2,N4,U1,PR1,,,,,,\n"}
DAYS = 400


def _load(con, settings, registry, council: str, submission: str, files=SENT):
    return ingest(con, settings, registry, council,
                  drop(settings.landing_dir, council, submission, files))  # fmt: skip


def _age(con, settings, council: str, submission: str, days: int) -> None:
    """Make `submission` look loaded `days` ago (its rows and its archive folders)."""
    for table in ("submissions", "load_history"):
        con.execute(f"update audit.{table} set loaded_at = loaded_at - to_days(?) "
                    "where council_code = ? and submission_id = ?", [days, council, submission])  # fmt: skip
    for folder in settings.archive_dir.glob(f"{council}/{submission}-*"):
        then = folder.stat().st_mtime - days * 86400
        os.utime(folder, (then, then))


def _detail(con, council: str, submission: str) -> dict[str, int]:
    return {table: con.execute(f"select count(*) from audit.{table} where council_code = ? and "
                               "submission_id = ?", [council, submission]).fetchone()[0]
            for table in ("rejections", "warnings", "submissions", "load_history", "file_loads")}  # fmt: skip


def _publish(con, run_id: str, days_ago: int, submissions: list[tuple[str, str, str]],
             snapshot_id: str | None = None) -> None:  # fmt: skip
    listed = [{"council_code": c, "submission_id": s, "manifest_sha256": h}
              for c, s, h in submissions]  # fmt: skip
    con.execute(
        "insert into audit.publishes (run_id, attempted_at, status, snapshot_id, submissions) "
        "values (?, cast(now() as timestamp) - to_days(?), 'published', ?, ?)",
        [run_id, days_ago, snapshot_id or run_id, json.dumps(listed)],
    )


def _hash(con, council: str, submission: str) -> str:
    return con.execute("select manifest_sha256 from audit.submissions where council_code = ? "
                       "and submission_id = ?", [council, submission]).fetchone()[0]  # fmt: skip


@pytest.fixture
def two_nights(warehouse, settings, registry):
    """NTH sent s1 500 days ago and s2 today; s2 is current."""
    first = _load(warehouse, settings, registry, "NTH", "s1")
    assert len(first.rejections) and len(first.warnings)
    assert _load(warehouse, settings, registry, "NTH", "s2", NEXT).status == "loaded"
    _age(warehouse, settings, "NTH", "s1", 500)
    return warehouse


def test_an_old_submission_out_of_use_loses_its_copy_report_and_rows_but_not_its_record(
    two_nights, settings
):
    con = two_nights
    s1_folder = archived_folder(settings.archive_dir, "NTH", "s1", _hash(con, "NTH", "s1"))
    before = _detail(con, "NTH", "s1")
    kept_before = _detail(con, "NTH", "s2")
    assert s1_folder.is_dir() and (settings.outbox_dir / "NTH" / "s1").is_dir()
    con.close()

    pruned = prune_history(settings, DAYS)

    assert pruned.submissions == [("NTH", "s1")]
    assert pruned.rows == {"rejections": before["rejections"], "warnings": before["warnings"]}
    assert pruned.archive_folders == [s1_folder] and not s1_folder.exists()
    assert not (settings.outbox_dir / "NTH" / "s1").exists()
    assert (settings.outbox_dir / "NTH" / "s2").is_dir()
    with connect(settings.database, read_only=True) as con:
        after = _detail(con, "NTH", "s1")
        assert after == {**before, "rejections": 0, "warnings": 0}  # its record stays
        assert _detail(con, "NTH", "s2") == kept_before
        recorded = con.execute("select retention_days, submissions, rejections_deleted, "
                               "warnings_deleted, archive_folders, outbox_folders "
                               "from audit.prunes").fetchall()  # fmt: skip
    assert recorded == [(DAYS, 1, before["rejections"], before["warnings"], 1, 1)]
    assert archived_folder(settings.archive_dir, "NTH", "s2", _hash_of(settings, "s2")).is_dir()
    # A second pruning finds nothing left
    again = prune_history(settings, DAYS)
    assert again.is_empty and "nothing to prune" in again.summary()
    assert again.submissions == []  # pruned before: not counted again


def _hash_of(settings, submission: str) -> str:
    with connect(settings.database, read_only=True) as con:
        return _hash(con, "NTH", submission)


def test_a_dry_run_lists_what_would_go_and_changes_nothing(two_nights, settings):
    con = two_nights
    before = _detail(con, "NTH", "s1")
    con.close()
    plan = prune_history(settings, DAYS, dry_run=True)
    assert plan.submissions == [("NTH", "s1")] and len(plan.archive_folders) == 1
    assert all(folder.exists() for folder in [*plan.archive_folders, *plan.outbox_folders])
    with connect(settings.database, read_only=True) as con:
        assert _detail(con, "NTH", "s1") == before
        assert con.execute("select count(*) from audit.prunes").fetchone() == (0,)


def test_a_current_submission_is_kept_however_old(two_nights, settings):
    con = two_nights
    _age(con, settings, "NTH", "s2", 900)
    s2 = _detail(con, "NTH", "s2")
    con.close()
    pruned = prune_history(settings, DAYS)
    assert pruned.submissions == [("NTH", "s1")] and pruned.kept_in_use == 1
    assert "1 older submission(s) kept" in pruned.summary()
    with connect(settings.database, read_only=True) as con:
        assert _detail(con, "NTH", "s2") == s2
    assert (settings.outbox_dir / "NTH" / "s2").is_dir()
    assert len(list(settings.archive_dir.glob("NTH/s2-*"))) == 1


@pytest.mark.parametrize(
    ("publish_days_ago", "on_disk", "later_publish", "kept"),
    [
        (0, False, False, True),  # the last publish (the published snapshot): rebuildable
        (500, False, False, True),  # the last publish, however old
        (100, False, True, True),  # an earlier publish within the retention period
        (500, True, True, True),  # an earlier snapshot still on disk
        (500, False, True, False),  # an old publish, neither the last nor on disk
    ],
)
def test_a_submission_behind_a_snapshot_that_can_still_be_rebuilt_is_kept(
    two_nights, settings, publish_days_ago, on_disk, later_publish, kept
):
    con = two_nights
    s1 = ("NTH", "s1", _hash(con, "NTH", "s1"))
    _publish(con, "run-1", publish_days_ago, [s1])
    if later_publish:
        _publish(con, "run-2", 0, [("NTH", "s2", _hash(con, "NTH", "s2"))])
    if on_disk:
        (settings.published_dir / SNAPSHOTS / "run-1").mkdir(parents=True)
    con.close()
    pruned = prune_history(settings, DAYS)
    assert (pruned.submissions == []) is kept
    assert any(settings.archive_dir.glob("NTH/s1-*")) is kept


def test_a_submission_sent_again_keeps_only_the_copy_in_use(warehouse, settings, registry):
    """The same folder sent again with other files: its first copy is out of use once old."""
    _load(warehouse, settings, registry, "NTH", "s1")
    first = _hash(warehouse, "NTH", "s1")
    _age(warehouse, settings, "NTH", "s1", 500)
    _load(warehouse, settings, registry, "NTH", "s1", NEXT)
    second = _hash(warehouse, "NTH", "s1")
    assert first != second
    warehouse.close()
    pruned = prune_history(settings, DAYS)
    assert pruned.archive_folders == [archived_folder(settings.archive_dir, "NTH", "s1", first)]
    assert pruned.submissions == []  # s1 is current: its report and rows stay
    assert archived_folder(settings.archive_dir, "NTH", "s1", second).is_dir()


def test_a_copy_a_crash_left_half_written_goes_by_its_age(warehouse, settings, registry):
    _load(warehouse, settings, registry, "NTH", "s1")
    warehouse.close()
    left = settings.archive_dir / "NTH" / "s0-0123456789ab.partial"
    (left / "files").mkdir(parents=True)
    assert prune_history(settings, DAYS).is_empty
    then = left.stat().st_mtime - 500 * 86400
    os.utime(left, (then, then))
    assert prune_history(settings, DAYS).archive_folders == [left]
    assert not left.exists()


def test_raa_prune_runs_the_job_and_dry_run_changes_nothing(
    copied, region, monkeypatch, capsys
):  # fmt: skip
    """Through the command users run: `raa prune --dry-run`, then `raa prune` (a Dagster run of
    `prune_history`, in the run history), on a copy of the session's published region."""
    monkeypatch.setenv("RAA_RETENTION_DAYS", "30")
    with connect(copied.database) as con:
        loaded = con.execute("select council_code, submission_id from audit.current_submissions "
                             "order by all").fetchall()  # fmt: skip
        # an earlier submission of NTH's, 40 days old and out of use
        con.execute("insert into audit.submissions select council_code, 'old', received_at, "
                    "dialect, reference_date, collection_year, 'f' || manifest_sha256, status, "
                    "message, loaded_at - to_days(40), stored_as from audit.submissions "
                    "where council_code = 'NTH'")  # fmt: skip
        con.execute("insert into audit.warnings select * replace ('old' as submission_id) "
                    "from audit.warnings where council_code = 'NTH'")  # fmt: skip
        queried = con.execute("select count(*) from audit.warnings where submission_id = 'old'"
                              ).fetchone()[0]  # fmt: skip
    assert queried
    (copied.outbox_dir / "NTH" / "old").mkdir(parents=True)

    assert cli.main(["prune", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "dry run, nothing deleted: 1 submission(s)" in said and f"{queried:,} warnings" in said
    assert str(copied.outbox_dir / "NTH" / "old") in said
    assert cli.main(["prune"]) == 0
    said = capsys.readouterr().out
    assert "1 submission(s) loaded before" in said and "1 outbox folder(s)" in said
    assert not (copied.outbox_dir / "NTH" / "old").exists()
    with connect(copied.database, read_only=True) as con:
        assert con.execute("select count(*) from audit.warnings where submission_id = 'old'"
                           ).fetchone() == (0,)  # fmt: skip
        assert con.execute("select council_code, submission_id from audit.current_submissions "
                           "order by all").fetchall() == loaded  # fmt: skip
    for code, submission in loaded:  # everything in use is where it was
        assert any(copied.archive_dir.glob(f"{code}/{submission}-*"))
        assert (copied.outbox_dir / code / submission).is_dir()
    assert cli.main(["status"]) == 0
    assert "kept 30 days after use: 1 submission(s)" in capsys.readouterr().out
    runs = dagster_instance().get_runs(limit=1)
    assert runs[0].job_name == "prune_history" and runs[0].is_success


def test_a_withheld_councils_carried_figures_keep_the_submission_they_are_of(two_nights, settings):
    """NTH withheld by every publish since one 500 days ago: the published snapshot still shows
    that publish's figures of NTH, so `raa rebuild` needs its submission."""
    con = two_nights
    s1 = ("NTH", "s1", _hash(con, "NTH", "s1"))
    s2 = ("NTH", "s2", _hash(con, "NTH", "s2"))
    _publish(con, "run-1", 500, [s1])
    _publish(con, "run-2", 450, [s2])
    _publish(con, "run-3", 0, [s2])
    con.executemany(
        "insert into audit.withheld_councils values ('NTH', ?, now(), '[]', 'a test failed')",
        [["run-2"], ["run-3"]],
    )
    con.close()
    assert prune_history(settings, DAYS).submissions == []
    assert any(settings.archive_dir.glob("NTH/s1-*"))
