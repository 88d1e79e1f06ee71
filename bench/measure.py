"""Run one command in a child process and measure it: wall, CPU (user + system, the child and
everything it waited for) and peak RSS (the largest process in that tree), via os.wait4."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
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


def run_measured(args: list[str], env: dict[str, str], log: Path | None = None) -> Sample:
    started = time.perf_counter()
    with subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as child:  # fmt: skip
        output = child.stdout.read()
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
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, ok, report)


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
