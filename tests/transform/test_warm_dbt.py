"""`raa run` starts dbt ahead of the build (pipelines/platform/warm_dbt.py): a dbt command run through
`raa-dbt` must behave as the same command run by `dbt` (output, exit code), with or without the
waiting process."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import pytest

from pipelines.platform.warm_dbt import raa_dbt, start_warm_dbt, warm_folder
from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars

pytestmark = pytest.mark.slow

RAA_DBT = raa_dbt()


def dbt(args: list[str], database: Path, target: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(RAA_DBT), *args, *warehouse_vars(database), "--target-path",
                           str(target)], cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> Path:
    """One full parse for this module's warehouse path (dbt ls and parse never open it)."""
    root = tmp_path_factory.mktemp("warm_dbt")
    result = dbt(["parse", "--quiet"], root / "raa.duckdb", root / "target")
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "raa.duckdb"


@pytest.fixture
def database(parsed: Path, tmp_path: Path) -> Path:
    """The parsed warehouse path; every target folder a test names under tmp_path starts from
    the module's parse state, as `raa run`'s commands start from the project's (a full parse
    is 8 s, a partial one 4 s: what the tests check does not depend on it)."""
    state = parsed.parent / "target" / "partial_parse.msgpack"
    for name in ("cold", "warm", "second", "t"):
        (tmp_path / name).mkdir()
        shutil.copyfile(state, tmp_path / name / state.name)
    return parsed


def test_warm_dbt_runs_the_command_and_its_exit_code(database, tmp_path):
    listing = ["ls", "--resource-type", "model", "--quiet"]
    cold = dbt(listing, database, tmp_path / "cold")
    with start_warm_dbt(DBT_PROJECT_DIR, warehouse_vars(database)) as warm:
        assert (
            warm.folder == warm_folder(os.getpid()) and warm.folder.stat().st_mode & 0o777 == 0o700
        )
        warm_result = dbt(listing, database, tmp_path / "warm")
        assert warm.process.wait(timeout=30) == 0  # it serves one command, then ends
        second = dbt(["ls", "--no-such-flag"], database, tmp_path / "second")  # plain dbt now
    assert not warm.folder.exists()
    assert warm_result.returncode == cold.returncode == 0
    assert warm_result.stdout.split() == cold.stdout.split()
    assert "stg_canonical__episodes" in cold.stdout
    assert second.returncode == 2 and "no-such-flag" in second.stdout + second.stderr


def test_warm_dbt_reports_a_failed_command(database, tmp_path):
    with start_warm_dbt(DBT_PROJECT_DIR, warehouse_vars(database)):
        failed = dbt(["ls", "--no-such-flag"], database, tmp_path / "warm")
    assert failed.returncode == 2


def _parse_state(target: Path) -> dict:
    """The dbt parse state in a target folder; its `state_check` is what dbt compares before it
    reuses it: the vars, profile and project hashes."""
    packed = (target / "partial_parse.msgpack").read_bytes()
    return msgpack.unpackb(packed, strict_map_key=False)


def test_a_warm_command_leaves_its_parse_state_for_the_next_night(database, tmp_path):
    """The night's build starts from the last one's parse state and hands its own on
    (keep_partial_parse): through the waiting dbt, too, the state handed on must be the one
    parsed for this warehouse, or every night parses in full."""
    kept = tmp_path / "night"
    kept.mkdir()
    parsed_here = database.parent / "target"
    stale = _parse_state(parsed_here)
    stale["state_check"]["vars_hash"]["checksum"] = "parsed for another warehouse"
    (kept / "partial_parse.msgpack").write_bytes(msgpack.packb(stale))
    with start_warm_dbt(DBT_PROJECT_DIR, warehouse_vars(database)) as warm:
        listed = dbt(["ls", "--resource-type", "seed", "--quiet"], database, kept)
        assert warm.process.wait(timeout=30) == 0
    assert listed.returncode == 0 and "legal_statuses" in listed.stdout
    assert _parse_state(kept)["state_check"] == _parse_state(parsed_here)["state_check"]


def test_an_unused_warm_dbt_is_stopped(database):
    warm = start_warm_dbt(DBT_PROJECT_DIR, warehouse_vars(database))
    warm.close()
    assert warm.process.poll() is not None
    assert not warm.folder.exists()


def test_a_warm_dbt_that_died_is_not_waited_for(database, tmp_path):
    with start_warm_dbt(DBT_PROJECT_DIR, warehouse_vars(database)) as warm:
        os.kill(warm.process.pid, 9)  # not reaped: a zombie until close()
        listed = dbt(["ls", "--resource-type", "seed", "--quiet"], database, tmp_path / "t")
    assert listed.returncode == 0 and "legal_statuses" in listed.stdout


def test_a_warm_dbt_ends_with_the_process_that_started_it(database, tmp_path):
    """`raa run` killed outright (no `close`): its waiting dbt must not wait for hours."""
    script = (f"import time; from pathlib import Path; from pipelines.platform.warm_dbt import start_warm_dbt; "
              f"w = start_warm_dbt(Path({str(DBT_PROJECT_DIR)!r}), []); "
              f"print(w.process.pid, flush=True); time.sleep(600)")  # fmt: skip
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    server = int(parent.stdout.readline())
    folder = _argument(server, 5)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 60
    while Path(f"/proc/{server}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{server}").exists()
    assert not Path(folder).exists()


def _argument(pid: int, position: int) -> str:
    """A process's command-line argument; right after the fork (on a busy machine) the child
    may not have exec'd yet, so wait for it."""
    deadline = time.monotonic() + 30
    while True:
        parts = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if len(parts) > position or time.monotonic() > deadline:
            return parts[position].decode()
        time.sleep(0.05)


def test_raa_dbt_ignores_a_folder_others_could_write(database, tmp_path):
    """Only a folder private to this user is trusted to hold the waiting dbt's socket."""
    folder = warm_folder(os.getpid())
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (folder / "serve.pid").write_text(str(os.getpid()))  # "alive": it would be waited for
    try:
        started = time.monotonic()
        listed = dbt(["ls", "--resource-type", "seed", "--quiet"], database, tmp_path / "t")
    finally:
        shutil.rmtree(folder)
    assert listed.returncode == 0 and "legal_statuses" in listed.stdout
    assert time.monotonic() - started < 60  # plain dbt, not READY_TIMEOUT_SECONDS of waiting
