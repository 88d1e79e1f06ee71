"""Run one command in a child process and measure it: wall, CPU (user + system, the child and
everything it waited for, via os.wait4) and peak memory: the largest sum of resident memory over
the child and all its descendants (ingestion's worker processes, dbt), sampled from /proc every
50 ms, or the largest single process (wait4) if that is higher."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_mb: float
    ok: bool
    report: dict = field(default_factory=dict)


def _tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every descendant, from /proc (Linux)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21])
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree.update(children)
        frontier = children
    return sum(rss.get(pid, 0) for pid in tree) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sample_peak(pid: int, done: threading.Event, peak: list[float]) -> None:
    while not done.wait(0.05):
        peak[0] = max(peak[0], _tree_rss_mb(pid))


def run_measured(args: list[str], env: dict[str, str], log: Path | None = None) -> Sample:
    started = time.perf_counter()
    with subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as child:  # fmt: skip
        done, tree_peak = threading.Event(), [0.0]
        sampler = threading.Thread(target=_sample_peak, args=(child.pid, done, tree_peak))
        sampler.start()
        output = child.stdout.read()
        done.set()
        sampler.join()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if log is not None:
        log.write_text(output)
    report = {}
    for line in output.splitlines():
        if line.startswith("BENCH "):
            report = json.loads(line[6:])
    ok = child.returncode == 0
    if not ok:
        sys.stderr.write(f"  ! {' '.join(args[:4])}... exited {child.returncode}\n")
        sys.stderr.write(output[-3000:] + "\n")
    peak = max(tree_peak[0], usage.ru_maxrss / 1024)
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak, ok, report)


def stage(name: str, landing: Path, warehouse: Path, councils_file: Path, *extra: str) -> list:
    return [PYTHON, "-m", "bench.stage", name, "--landing", str(landing), "--warehouse",
            str(warehouse), "--councils-file", str(councils_file), *extra]  # fmt: skip


def pipeline_env(landing: Path, warehouse: Path, councils_file: Path, home: Path) -> dict:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "RAA_LANDING_DIR": str(landing),
        "RAA_WAREHOUSE_DIR": str(warehouse),
        "RAA_COUNCILS_FILE": str(councils_file),
        "DAGSTER_HOME": str(home),
        "RAA_PSEUDONYM_KEY": "bench-key",
        "PYTHONWARNINGS": "ignore",
    }


def raa_run() -> list[str]:
    return [str(VENV_BIN / "raa"), "run"]


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    # Let the file system finish deleting the last run's files before the next is timed: this
    # disk is mounted with `discard`, and a national run leaves ~1 GB behind; without the sync
    # the next run spent seconds waiting on I/O it did not cause.
    os.sync()
    path.mkdir(parents=True)
    return path


@dataclass
class Summary:
    n: int
    wall: tuple[float, float, float]  # median, min, max
    cpu: tuple[float, float, float]
    peak_mb: tuple[float, float, float]
    ok: bool

    @classmethod
    def of(cls, samples: list[Sample], key=None) -> Summary:
        def spread(values):
            return (statistics.median(values), min(values), max(values))

        walls = [key(s) if key else s.wall for s in samples]
        return cls(
            len(samples),
            spread(walls),
            spread([s.cpu for s in samples]),
            spread([s.peak_mb for s in samples]),
            all(s.ok for s in samples),
        )
