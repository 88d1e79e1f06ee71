"""Analysts reading the published file during a publish never error and never see a mix; a
publish killed half-way leaves the old snapshot published and the next one recovers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipelines.publish.layout import SNAPSHOTS, STAGING_PREFIX
from pipelines.publish.release import publish_release

READER = r"""
import json, sys, time, duckdb
path, stop, hold = sys.argv[1], sys.argv[2], sys.argv[3] == "hold"
CHECK = '''select p.run_id, (select count(*) from marts.cost_apportionment) =
    (select rows_published from meta.publish_tables t
     where t.run_id = p.run_id and t.table_name = 'cost_apportionment')
    from meta.publishes p order by published_at desc limit 1'''
errors, seen, queries = [], set(), 0
held = duckdb.connect(path, read_only=True) if hold else None
import os
while not os.path.exists(stop):
    try:
        con = held or duckdb.connect(path, read_only=True)
        run_id, consistent = con.execute(CHECK).fetchone()
        seen.add(run_id); queries += 1
        if not consistent:
            errors.append(f"mixed snapshot at {run_id}")
        if not hold:
            con.close()
    except Exception as problem:
        errors.append(repr(problem))
    time.sleep(0.01)
print(json.dumps({"errors": errors, "seen": sorted(seen), "queries": queries}))
"""


def _current_run(published_db: Path) -> str:
    with duckdb.connect(str(published_db), read_only=True) as con:
        return con.execute(
            "select run_id from meta.publishes order by published_at desc limit 1"
        ).fetchone()[0]


def test_readers_never_error_during_publishes(copied, region, tmp_path):
    published_db = copied.published_dir / "raa.duckdb"
    before = _current_run(published_db)
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(published_db), str(stop), mode],
                         stdout=subprocess.PIPE, text=True)
        for mode in ("hold", "reopen")
    ]  # fmt: skip
    time.sleep(1.5)
    outcomes = [publish_release(copied, region.registry, f"run-{n}-atomic") for n in range(2)]
    time.sleep(0.5)
    stop.touch()
    results = [json.loads(r.communicate(timeout=60)[0]) for r in readers]
    assert all(o.published for o in outcomes)
    held, reopened = results
    assert held["errors"] == [] and reopened["errors"] == []
    assert held["seen"] == [before]  # the open file keeps its snapshot
    assert set(reopened["seen"]) <= {before, "run-0-atomic", "run-1-atomic"}
    assert "run-1-atomic" in reopened["seen"] and reopened["queries"] > 10
    assert _current_run(published_db) == "run-1-atomic"


KILLED_PUBLISH = r"""
import os, signal, sys
from pipelines.publish import layout
from pipelines.publish.release import publish_release
from pipelines.registry import load_registry
from pipelines.settings import Settings

def killed(*args):  # the process dies just before the switch, everything already written
    os.kill(os.getpid(), signal.SIGKILL)

layout.os.replace = killed
settings = Settings.from_env()
publish_release(settings, load_registry(settings.councils_file), "killed-run")
"""


def test_publish_killed_half_way_keeps_snapshot_and_next_run_recovers(copied, region):
    published_db = copied.published_dir / "raa.duckdb"
    before = _current_run(published_db)
    killed = subprocess.run([sys.executable, "-c", KILLED_PUBLISH], env=dict(os.environ),
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-2000:]
    leftovers = [p for p in (copied.published_dir / SNAPSHOTS).iterdir()
                 if p.name.startswith(STAGING_PREFIX)]  # fmt: skip
    assert leftovers, "the killed publish had started writing"
    assert _current_run(published_db) == before

    outcome = publish_release(copied, region.registry, "recovery-run")
    assert outcome.published
    assert _current_run(published_db) == "recovery-run"
    assert not any(p.name.startswith(STAGING_PREFIX)
                   for p in (copied.published_dir / SNAPSHOTS).iterdir())  # fmt: skip


def _tamper_last_publish(published_db: Path, sql: str) -> None:
    """Change the published snapshot's history as if the last publish had been otherwise."""
    target = published_db.resolve()
    target.chmod(0o644)
    with duckdb.connect(str(target)) as con:
        con.execute(sql)


def test_a_council_joining_does_not_refuse_the_publish_on_row_counts(copied, region):
    """The council data officer's probe added a council (one registry entry and a landing folder,
    as the README says) and every night after was refused: children_waiting had 686 rows against
    the last publish's 182 (+-50 %). With a council joined (here: KIL missing from the last
    publish) the row counts are not compared, and the publish says so; with the same councils,
    counts far off the last publish's (tampered to 10 rows a table) still refuse it."""
    published_db = copied.published_dir / "raa.duckdb"
    _tamper_last_publish(published_db, "update meta.publish_tables set rows_published = 10")
    refused = publish_release(copied, region.registry, "counts-run")
    assert not refused.published
    assert "expect_table_row_count_to_be_between" in refused.message
    _tamper_last_publish(
        published_db,
        """delete from meta.publish_submissions where council_code = 'KIL' and run_id =
           (select run_id from meta.publishes order by published_at desc limit 1)""",
    )
    joined = publish_release(copied, region.registry, "joined-run")
    assert joined.published, joined.message
    assert joined.message.endswith(
        "; row counts not compared with the last publish (KIL joined since)"
    )
    assert not any(f.startswith("children_waiting") for f in joined.gate.failures)
