"""`make bench`: time each stage, the whole `raa run`, a one-council reload and the DuckDB floor,
at region, 4x, 16x and national size, plus the public 104k set; write bench/RESULTS.md.

    python -m bench.run [--quick] [--seed 42] [--sizes region,4x,16x,national] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from bench.data import SIZES, DataSet, data_set, peer_landing, rows_in
from bench.measure import fresh, pipeline_env, raa_run, run_measured, stage
from bench.report import write_results
from pipelines.ingest.landing import submission_folders

HERE = Path(__file__).resolve().parent
WORK = HERE / "cache" / "work"
RESUBMISSION = "9999-bench-resubmission"
NEXT_NIGHT = "9999-bench-night"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def stages(data: DataSet, reps: int, work: Path) -> dict:
    """Ingest, dbt and publish each in their own process; ingest from an empty warehouse."""
    out: dict = {}
    samples = []
    for _ in range(reps):
        warehouse = fresh(work / "warehouse")
        samples.append(run_measured(stage("ingest", data.landing, warehouse, data.councils_file),
                                    pipeline_env(data.landing, warehouse, data.councils_file,
                                                 work / "home")))  # fmt: skip
    out["ingest"] = samples
    # Once more in one process: worker processes hide their parts from the timers.
    split = fresh(work / "warehouse-split")
    out["ingest_split"] = [
        run_measured(stage("ingest", data.landing, split, data.councils_file, "--workers", "1"),
                     pipeline_env(data.landing, split, data.councils_file, work / "home"))
    ]  # fmt: skip
    shutil.rmtree(split, ignore_errors=True)
    env = pipeline_env(data.landing, warehouse, data.councils_file, work / "home")
    run_measured(stage("prep", data.landing, warehouse, data.councils_file), env)
    out["dbt"] = [
        run_measured(stage("dbt", data.landing, warehouse, data.councils_file), env)
        for _ in range(reps)
    ]
    publish = run_measured(stage("publish", data.landing, warehouse, data.councils_file), env)
    out["publish"] = [publish] if publish.report.get("available") else None
    out["publish_note"] = publish.report.get("why", "")
    return out


def full_runs_beside_floors(data: DataSet, reps: int, work: Path) -> tuple[list, list]:
    """Each whole `raa run` is followed by a floor run, so that the ratio's two medians come
    from the same spells of this shared machine (its speed drifts by ±15 % within minutes)."""
    runs, floors = [], []
    for _ in range(reps):
        warehouse, home = fresh(work / "warehouse"), fresh(work / "home")
        env = pipeline_env(data.landing, warehouse, data.councils_file, home)
        runs.append(run_measured(raa_run(), env, work / "raa-run.log"))
        floors.append(floor(data, work))
    return runs, floors


def unchanged_nights(data: DataSet, reps: int, work: Path, *flags: str) -> list:
    """`raa run` again on what the last whole run left (its warehouse and Dagster home), every
    submission unchanged. With `--rebuild`: what any night costs before its data (start-up,
    build, publish); without, the night itself (nothing new: nothing built)."""
    env = pipeline_env(data.landing, work / "warehouse", data.councils_file, work / "home")
    return [run_measured([*raa_run(), *flags], env, work / "raa-unchanged.log")
            for _ in range(reps)]  # fmt: skip


def one_council_reload(data: DataSet, work: Path) -> object:
    """After a full load, one council resubmits (its episodes file loses its last row)."""
    code, source = _csv_council(data.landing)
    target = data.landing / code / RESUBMISSION
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    episodes = next(p for p in target.iterdir() if p.name == "episodes.csv")
    lines = episodes.read_bytes().rstrip(b"\n").split(b"\n")
    episodes.write_bytes(b"\n".join(lines[:-1]) + b"\n")
    try:
        env = pipeline_env(data.landing, work / "warehouse", data.councils_file, work / "home")
        sample = run_measured(raa_run(), env, work / "raa-reload.log")
        sample.report["council"] = code
        return sample
    finally:
        shutil.rmtree(target, ignore_errors=True)


def next_nights(data: DataSet, nights: int, work: Path, seed: int) -> list:
    """Nights after the first load, as the schedule sees them: the Dagster home and warehouse
    exist, and every council sends a new export (the same demo generated with another seed)."""
    samples = []
    for night in range(1, nights + 1):
        sent = data_set(data.name, seed + night).landing
        arrived = []
        for council in sorted(p.name for p in sent.iterdir() if p.is_dir()):
            arrived.append(data.landing / council / f"{NEXT_NIGHT}-{night}")
            shutil.copytree(submission_folders(sent, council)[-1], arrived[-1])
            # Another seed's region is no council's real next export: some of its tables are
            # far smaller, which a load refuses unless the council's note says it is meant.
            with (arrived[-1] / "submission.yaml").open("a") as note:
                note.write("\nfewer_rows_expected: true\n")
        try:
            env = pipeline_env(data.landing, work / "warehouse", data.councils_file, work / "home")
            samples.append(run_measured(raa_run(), env, work / "raa-night.log"))
        finally:
            for folder in arrived:
                shutil.rmtree(folder, ignore_errors=True)
    return samples


def daemon_nights(data: DataSet, reps: int, work: Path) -> list:
    """The same first-load night as `full_runs_beside_floors`' `raa run`, launched the way the
    daemon launches it (bench/daemon_night.py): tick, loads, sensor's build."""
    samples = []
    for _ in range(reps):
        warehouse, home = fresh(work / "warehouse"), fresh(work / "home")
        env = pipeline_env(data.landing, warehouse, data.councils_file, home)
        samples.append(run_measured([sys.executable, "-m", "bench.daemon_night"], env,
                                    work / "daemon-night.log"))  # fmt: skip
    return samples


def _csv_council(landing: Path) -> tuple[str, Path]:
    for council in sorted(p for p in landing.iterdir() if p.is_dir()):
        folders = sorted(p for p in council.iterdir() if p.is_dir())
        if folders and (folders[-1] / "episodes.csv").exists():
            return council.name, folders[-1]
    raise RuntimeError(f"no council with an episodes.csv in {landing}")


def floor(data: DataSet, work: Path) -> object:
    os.sync()  # the run before leaves ~1 GB to write back: not the floor's to wait for
    env = pipeline_env(data.landing, work / "floor", data.councils_file, work / "home")
    return run_measured(stage("floor", data.landing, work / "floor" / "w", data.councils_file), env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repetition of everything")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    reps = 1 if args.quick else args.reps
    started = time.perf_counter()
    results: dict = {"reps": reps, "seed": args.seed, "sizes": {}}
    peer = peer_landing(args.seed)
    say(
        "104k public set: ingestion, then whole raa runs (ingest, build, publish), each beside a floor"
    )
    results["peer"] = stages_ingest_only(peer, reps, WORK / "peer")
    results["peer"]["run"], results["peer"]["floor"] = full_runs_beside_floors(
        peer, reps, WORK / "peer"
    )
    results["peer"]["unchanged"] = unchanged_nights(peer, reps, WORK / "peer", "--rebuild")
    results["peer"]["nothing_new"] = unchanged_nights(peer, reps, WORK / "peer")
    for size in args.sizes.split(","):
        data = data_set(size, args.seed)
        big = size in ("region", "national")
        n = reps if big else 1  # 4x and 16x once: they only show how cost grows
        say(f"{size}: stages, full raa run x{n}, each beside a floor run")
        entry: dict = {"rows": rows_in(data)}
        if big:
            entry.update(stages(data, 1 if size == "national" else n, WORK / size))
        entry["run"], entry["floor"] = full_runs_beside_floors(data, n, WORK / size)
        if big:
            entry["reload"] = [one_council_reload(data, WORK / size)]
        if size == "region":
            entry["night"] = next_nights(data, n, WORK / size, args.seed)
            entry["daemon_night"] = daemon_nights(data, n, WORK / size)
        results["sizes"][size] = entry
    results["total_seconds"] = time.perf_counter() - started
    write_results(results, Path(args.out))
    say(f"done in {results['total_seconds']:.0f} s: {args.out}")


def stages_ingest_only(data: DataSet, reps: int, work: Path) -> dict:
    samples = []
    for _ in range(reps):
        warehouse = fresh(work / "warehouse")
        env = pipeline_env(data.landing, warehouse, data.councils_file, work / "home")
        samples.append(run_measured(stage("ingest", data.landing, warehouse, data.councils_file,
                                          "--council", "NTH"), env))  # fmt: skip
    return {"ingest": samples}


if __name__ == "__main__":
    main()
