"""`raa run` starts dbt ahead of the build (pipelines/warm_dbt.py): a dbt command run through
`raa-dbt` must behave as the same command run by `dbt` (output, exit code), with or without the
waiting process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.settings import DBT_PROJECT_DIR
from pipelines.warm_dbt import SOCKET_ENV, raa_dbt, start_warm_dbt

RAA_DBT = raa_dbt()


def dbt(args: list[str], database: Path, target: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAA_DBT_DATABASE": str(database)}
    return subprocess.run([str(RAA_DBT), *args, "--target-path", str(target)], cwd=DBT_PROJECT_DIR,
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "raa.duckdb"  # dbt ls and parse never open it


def test_warm_dbt_runs_the_command_and_its_exit_code(database, tmp_path, monkeypatch):
    monkeypatch.delenv(SOCKET_ENV, raising=False)
    listing = ["ls", "--resource-type", "model", "--quiet"]
    cold = dbt(listing, database, tmp_path / "cold")
    with start_warm_dbt(DBT_PROJECT_DIR, database) as warm:
        assert os.environ[SOCKET_ENV] == str(warm.socket_path)
        warm_result = dbt(listing, database, tmp_path / "warm")
        assert warm.process.wait(timeout=30) == 0  # it serves one command, then ends
        second = dbt(["ls", "--no-such-flag"], database, tmp_path / "second")  # plain dbt now
    assert SOCKET_ENV not in os.environ
    assert warm_result.returncode == cold.returncode == 0
    assert warm_result.stdout.split() == cold.stdout.split()
    assert "stg_canonical__episodes" in cold.stdout
    assert second.returncode == 2 and "no-such-flag" in second.stdout + second.stderr


def test_warm_dbt_reports_a_failed_command(database, tmp_path):
    with start_warm_dbt(DBT_PROJECT_DIR, database):
        failed = dbt(["ls", "--no-such-flag"], database, tmp_path / "warm")
    assert failed.returncode == 2


def test_an_unused_warm_dbt_is_stopped(database):
    warm = start_warm_dbt(DBT_PROJECT_DIR, database)
    warm.close()
    assert warm.process.poll() is not None
    assert not warm.folder.exists()


def test_a_warm_dbt_that_died_is_not_waited_for(database, tmp_path):
    with start_warm_dbt(DBT_PROJECT_DIR, database) as warm:
        os.kill(warm.process.pid, 9)  # not reaped: a zombie until close()
        listed = dbt(["ls", "--resource-type", "seed", "--quiet"], database, tmp_path / "t")
    assert listed.returncode == 0 and "legal_statuses" in listed.stdout


def test_a_warm_dbt_ends_with_the_process_that_started_it(database, tmp_path):
    """`raa run` killed outright (no `close`): its waiting dbt must not wait for hours."""
    script = (f"import time; from pathlib import Path; from pipelines.warm_dbt import start_warm_dbt; "
              f"w = start_warm_dbt(Path({str(DBT_PROJECT_DIR)!r}), Path({str(database)!r})); "
              f"print(w.process.pid, flush=True); time.sleep(600)")  # fmt: skip
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    server = int(parent.stdout.readline())
    folder = Path(f"/proc/{server}/cmdline").read_bytes().split(b"\0")[5].decode()
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 60
    while Path(f"/proc/{server}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{server}").exists()
    assert not Path(folder).exists()
