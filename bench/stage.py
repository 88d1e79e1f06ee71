"""One benchmark stage in its own process: `python -m bench.stage STAGE --landing L --warehouse W
[--councils F]`. Prints one JSON line with the stage's own wall and CPU seconds and sub-stages.

Stages: ingest (every council's latest submission, straight through pipelines.ingest, no
Dagster), prep (council registry and funding formula tables, as the build job writes them),
dbt (`dbt build`), publish (the `published_snapshot` asset when it exists), floor (floor.sql).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

# Ingestion sub-stages: the functions the ingest modules call, by what they do.
INGEST_PARTS = {
    "archive": ("batch", "archive_submission"),
    "read": ("batch", "read_submission_files"),
    "map": ("batch", "to_canonical"),
    "validate": ("batch", "validate_table"),
    "council rule": ("batch", "_apply_council_rule"),
    "cross-table": ("batch", "cross_table_warnings"),
    "protect": ("batch", "_stored_frames"),
    "cast to stored types": ("batch", "as_stored"),
    "render reports": ("batch", "render_feedback"),
    "load": ("submission", "load.write_loaded"),
    "feedback": ("submission", "write_feedback"),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed_parts(modules: dict, spent: dict) -> None:
    """Wrap the ingest modules' helpers so each call adds to its part's wall and CPU."""
    for part, (module_name, name) in INGEST_PARTS.items():
        owner = modules[module_name]
        if "." in name:
            attribute, name = name.split(".")
            owner = getattr(owner, attribute)
        original = getattr(owner, name)

        def wrapper(*args, _f=original, _p=part, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_p]["wall"] += time.perf_counter() - wall
                spent[_p]["cpu"] += time.process_time() - cpu
                spent[_p]["peak_mb"] = _peak_mb()

        setattr(owner, name, wrapper)


def ingest(settings, councils: list[str] | None, workers: int | None) -> dict:
    """With one worker every part is timed; with more, batches are prepared in worker processes
    the timers do not see, so only load and feedback (in this process) are split out."""
    from pipelines.ingest import batch
    from pipelines.ingest import submission as sub
    from pipelines.ingest.landing import latest_submission
    from pipelines.registry import load_registry
    from pipelines.warehouse import connect, ensure_schemas

    spent: dict = defaultdict(lambda: {"wall": 0.0, "cpu": 0.0, "peak_mb": 0.0})
    _timed_parts({"submission": sub, "batch": batch}, spent)
    registry = load_registry(settings.councils_file)
    statuses: dict[str, int] = defaultdict(int)
    rows = rejected = 0
    con = connect(settings.database)
    try:
        ensure_schemas(con)
        due = []
        for code in councils or registry.codes:
            found = latest_submission(settings.landing_dir, code)
            if found is not None:
                due.append((registry.get(code), found))
        for outcome in sub.ingest_submissions(con, settings, registry, due, workers=workers):
            statuses[outcome.status] += 1
            rows += outcome.rows_received
            rejected += outcome.rows_rejected
    finally:
        con.close()
    return {"parts": dict(spent), "statuses": dict(statuses), "rows": rows, "rejected": rejected}


def prep(settings) -> dict:
    import dagster as dg

    from pipelines.defs.finance import funding_formula
    from pipelines.defs.ingest import council_reference
    from pipelines.defs.resources import WarehouseResource

    result = dg.materialize(
        [council_reference, funding_formula], resources={"warehouse": WarehouseResource()}
    )
    return {"success": result.success}


def dbt(settings, select: str | None) -> dict:
    from pipelines.defs.transform import dbt_resource, ensure_manifest
    from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars

    ensure_manifest()
    executable = dbt_resource().dbt_executable
    args = [executable, "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--quiet", *warehouse_vars(settings.database)]  # fmt: skip
    if select:
        args += ["--select", select]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
    return {"success": done.returncode == 0}


def publish(settings) -> dict:
    try:
        import dagster as dg

        from pipelines.definitions import build_definitions
    except ImportError as exc:
        return {"available": False, "why": str(exc)}
    defs = build_definitions(settings)
    key = next(
        (k for k in defs.resolve_asset_graph().get_all_asset_keys()
         if k.path[-1] == "published_snapshot"),
        None,
    )  # fmt: skip
    if key is None:
        return {"available": False, "why": "no published_snapshot asset in the Definitions"}
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        asset_selection=[key], instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    return {"available": True, "success": result.success}


def floor(settings) -> dict:
    from bench.floor import run_floor

    return run_floor(settings.landing_dir, settings.warehouse_dir / "floor.duckdb")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage", choices=["ingest", "prep", "dbt", "publish", "floor"])
    parser.add_argument("--landing", required=True)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--councils-file")
    parser.add_argument("--council", action="append")
    parser.add_argument("--select")
    parser.add_argument("--workers", type=int, help="ingestion worker processes (default: 2)")
    args = parser.parse_args()
    os.environ["RAA_LANDING_DIR"] = args.landing
    os.environ["RAA_WAREHOUSE_DIR"] = args.warehouse
    if args.councils_file:
        os.environ["RAA_COUNCILS_FILE"] = args.councils_file
    os.environ.setdefault("RAA_PSEUDONYM_KEY", "bench-key")
    from pipelines.settings import Settings

    settings = Settings.from_env()
    Path(args.warehouse).mkdir(parents=True, exist_ok=True)
    wall, cpu = time.perf_counter(), time.process_time()
    if args.stage == "ingest":
        out = ingest(settings, args.council, args.workers)
    elif args.stage == "dbt":
        out = dbt(settings, args.select)
    else:
        out = {"prep": prep, "publish": publish, "floor": floor}[args.stage](settings)
    out["stage_wall"] = time.perf_counter() - wall
    out["stage_cpu"] = time.process_time() - cpu
    print("BENCH " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
