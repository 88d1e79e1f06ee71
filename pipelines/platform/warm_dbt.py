"""dbt, started ahead of the build.

A dbt command spends its first seconds importing dbt (~4.5 s) and loading the project (~2 s) before
it runs a single model. `raa run` starts one dbt process as it begins (`start_warm_dbt`): that
process imports dbt and parses the project while the councils load, then waits. When the build
asks for dbt, Dagster runs `raa-dbt` (`main` below) instead of `dbt`; `raa-dbt` finds the waiting
process through its parent's pid (the process that started it is the one running the build), and
hands it its arguments, environment, working directory and its own stdout/stderr; the waiting
process runs the command with the parsed project and reports the exit code, so Dagster sees an
ordinary dbt process.

Under the daemon the build runs in a run worker that the code server starts: the `build_after_loads`
sensor, evaluated in the code server, keeps one dbt waiting there as it queues the build behind a
night's loads (`keep_one_waiting`), and `raa-dbt` looks for its parent's and then its grandparent's.

Without a waiting process (a run started from the UI, a second dbt command), `raa-dbt` simply
becomes the venv's `dbt`. Only the standard library is imported at module level:
`raa-dbt` has to start in milliseconds.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Never asked while `raa run` lives on: stop waiting after this long.
IDLE_TIMEOUT_SECONDS = 6 * 3600
# A command that arrives while dbt is still starting waits for it rather than start another.
READY_TIMEOUT_SECONDS = 120
REQUEST_BYTES = 1 << 20


SOCKET_NAME = "dbt.sock"


def warm_folder(parent: int) -> Path:
    """Where the dbt waiting for process `parent` listens (private to this user: mode 0700)."""
    return Path(tempfile.gettempdir()) / f"raa-dbt-{os.getuid()}-{parent}"


def venv_dbt() -> Path:
    return Path(sys.executable).parent / "dbt"


def raa_dbt() -> Path:
    """The `raa-dbt` script installed beside this Python (pyproject.toml)."""
    return Path(sys.executable).parent / "raa-dbt"


class WarmDbt:
    """The waiting dbt process of one `raa run`; `close` stops it if the build never used it."""

    def __init__(self, process: subprocess.Popen, folder: Path):
        self.process, self.folder = process, folder
        self.socket_path = folder / SOCKET_NAME

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()  # reaped, not left a zombie
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> WarmDbt:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_warm_dbt(project_dir: Path, dbt_vars: list[str]) -> WarmDbt:
    """Start the waiting process, parsing with `dbt_vars` (["--vars", json], the build's); the
    next `raa-dbt` this process starts uses it."""
    folder = warm_folder(os.getpid())
    shutil.rmtree(folder, ignore_errors=True)  # a pid's leftover from before a reboot
    folder.mkdir(mode=0o700)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    with open(folder / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pipelines.platform.warm_dbt", "serve", str(folder),
             str(project_dir), str(os.getpid()), *dbt_vars],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    warm = WarmDbt(process, folder)
    (folder / "serve.pid").write_text(str(process.pid))
    return warm


def keep_one_waiting(project_dir: Path, dbt_vars: list[str]) -> None:
    """For a long-lived process whose grandchildren run dbt (the code server, whose run workers
    run the build): start a waiting dbt unless one is starting or waiting already. It ends after
    one command, when this process ends, or after IDLE_TIMEOUT_SECONDS."""
    folder = warm_folder(os.getpid())
    try:
        if _alive(int((folder / "serve.pid").read_text())):
            return
    except (OSError, ValueError):
        pass
    start_warm_dbt(project_dir, dbt_vars)


def serve(folder: Path, project_dir: Path, parent: int, dbt_vars: list[str]) -> int:
    """Import dbt, parse the project, then run the one command a `raa-dbt` hands over."""
    from dbt.cli.main import dbtRunner

    target = folder / "target"
    target.mkdir()
    kept = project_dir / "target" / "partial_parse.msgpack"
    if kept.exists():  # the last build's parse state: dbt re-parses only what changed
        shutil.copyfile(kept, target / kept.name)
    parsed = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(project_dir),
                                 "--profiles-dir", str(project_dir),
                                 "--target-path", str(target), "--log-path", str(folder),
                                 *dbt_vars])  # fmt: skip
    manifest = parsed.result if parsed.success else None  # else the command parses itself

    connection = _one_connection(folder / SOCKET_NAME, parent)
    if connection is None:  # nobody will ask (nor clean up after us)
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    with connection:
        message, fds, _, _ = socket.recv_fds(connection, REQUEST_BYTES, 2)
        request = json.loads(message)
        connection.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        for fd, std in zip(fds, (1, 2), strict=True):
            os.dup2(fd, std)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        if _option(request["args"], "--vars") != _option(dbt_vars, "--vars"):
            manifest = None  # parsed for another warehouse: the command parses itself
        elif manifest is not None:
            _hand_over_parse_state(target, _target_of(request, project_dir))
        result = dbtRunner(manifest=manifest).invoke(request["args"])
        sys.stdout.flush()
        sys.stderr.flush()
        code = 0 if result.success else (1 if result.exception is None else 2)
        connection.sendall(f"{code}\n".encode())
    shutil.rmtree(folder, ignore_errors=True)  # served: the next command needs another
    # Exit without a garbage collection over all of dbt's objects: Dagster reads the command's
    # output until this process has gone (it holds the output, and the warehouse, until then).
    gc.freeze()
    return 0


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args[:-1] else None


def _target_of(request: dict, project_dir: Path) -> Path:
    """The command's target folder: --target-path, else DBT_TARGET_PATH (dagster-dbt gives each
    run its own), else `target`; dbt reads a relative one from the project's folder."""
    given = _option(request["args"], "--target-path")
    return project_dir / (given or request["env"].get("DBT_TARGET_PATH") or "target")


def _hand_over_parse_state(parsed_target: Path, command_target: Path) -> None:
    """Put this process's parse state where the command's own would be.

    A command given a parsed manifest writes no partial_parse.msgpack, so the command's target
    would keep the copy it started from, and the build (keep_partial_parse) would hand that stale
    state on to the next night, which would then parse in full again (~3 s of CPU, on the
    critical path when a night has little to load) however often the warehouse stayed the same.
    """
    state = parsed_target / "partial_parse.msgpack"
    if state.exists():
        command_target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, command_target / state.name)


def _one_connection(address: Path, parent: int) -> socket.socket | None:
    """The first `raa-dbt` to connect; None once the parent (`raa run`) has gone, killed or not,
    or after IDLE_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(address))
        server.listen(1)
        server.settimeout(1)
        while os.getppid() == parent and time.monotonic() < deadline:
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connection.settimeout(None)
            return connection
    return None


def main() -> None:
    """`raa-dbt ARGS`: the waiting dbt runs ARGS if there is one, else this becomes `dbt ARGS`."""
    args = sys.argv[1:]
    for starter in (os.getppid(), _parent_of(os.getppid())):
        folder = warm_folder(starter)
        if starter and _private(folder) and _ready(folder / SOCKET_NAME):
            code = _run_warm(str(folder / SOCKET_NAME), args)
            if code is not None:
                sys.exit(code)
    dbt = venv_dbt()
    os.execv(dbt, [str(dbt), *args])


def _parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _private(folder: Path) -> bool:
    """The folder exists, is no link, and is this user's alone (no one else can plant a socket)."""
    try:
        found = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and not found.st_mode & 0o077


def _ready(address: Path) -> bool:
    """Whether the waiting process listens at `address`, after waiting while it is starting."""
    try:
        pid = int((address.parent / "serve.pid").read_text())
    except (OSError, ValueError):
        return False
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not address.exists():
        if not _alive(pid) or time.monotonic() > deadline:
            return False  # it has ended (served another command, or failed), or is stuck
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # an ended child its parent has not reaped yet is a zombie, not alive
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def _run_warm(address: str, args: list[str]) -> int | None:
    """The command's exit code, or None when the waiting process is not there (any more)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(address)
        except OSError:
            return None
        request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()})
        socket.send_fds(connection, [request.encode()], [1, 2])
        replies = connection.makefile("rb")
        hello = replies.readline()
        if not hello:
            return None
        pid = json.loads(hello)["pid"]
        # dagster-dbt interrupts a run's dbt with SIGINT: pass it on.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda s, _frame: os.kill(pid, s))
        code = replies.readline()
        return int(code) if code.strip() else 2  # the process died mid-command


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    sys.exit(serve(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]))
