"""The `raa` command: demo data, nightly run, status, finance export."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from datetime import date
from pathlib import Path

from pipelines.settings import Settings


def _landing_is_empty(landing: Path) -> bool:
    return not landing.exists() or not any(p.is_dir() for p in landing.iterdir())


def cmd_demo_data(args: argparse.Namespace) -> int:
    from demo import generate_demo

    settings = Settings.from_env()
    started = time.perf_counter()
    summary = generate_demo(
        Path(args.out), seed=args.seed, scale=args.scale,
        registry_file=None if args.scale == "national" else settings.councils_file,
    )  # fmt: skip
    print(summary)
    print(f"demo exports written to {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


class UsageError(Exception):
    """A user's mistake, told in one line (exit code 2), never as a traceback."""


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.platform.warm_dbt import start_warm_dbt
    from pipelines.registry import load_registry
    from pipelines.settings import DBT_PROJECT_DIR, warehouse_vars

    settings = Settings.from_env()
    registry = load_registry(settings.councils_file)
    args.council = _council_codes(args.council, registry.codes)
    if not args.demo_if_empty and not settings.landing_dir.is_dir():
        raise UsageError(
            f"the landing folder {settings.landing_dir} does not exist (set RAA_LANDING_DIR, or "
            "use --demo-if-empty to generate the demo region there)"
        )
    # dbt imports and parses the project while this process imports Dagster and loads councils.
    with start_warm_dbt(DBT_PROJECT_DIR, warehouse_vars(settings.database)):
        return _run(args, settings)


def _council_codes(given: list[str] | None, codes: list[str]) -> list[str] | None:
    """Council codes as the registry spells them (case does not matter)."""
    if not given:
        return None
    known = {c.upper(): c for c in codes}
    unknown = [g for g in given if g.upper() not in known]
    if unknown:
        raise UsageError(
            f"unknown council {', '.join(repr(u) for u in unknown)}: the registry has "
            f"{', '.join(codes)}"
        )
    return list(dict.fromkeys(known[g.upper()] for g in given))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.publish.layout import published_database
    from pipelines.reporting import headline, load_results
    from pipelines.run import run_pipeline

    if args.demo_if_empty and _landing_is_empty(settings.landing_dir):
        from demo import generate_demo

        print(f"landing folder {settings.landing_dir} is empty: generating the demo region")
        generate_demo(settings.landing_dir, registry_file=settings.councils_file)
    started = time.perf_counter()
    report = run_pipeline(settings, args.council or None,
                          progress=lambda line: print(line, flush=True), verbose=args.verbose,
                          rebuild=args.rebuild)  # fmt: skip
    took = time.perf_counter() - started
    results = load_results(settings, list(report.ingested))
    for code, ok in report.ingested.items():
        result = results.get(code, "see raa status")
        print(f"  {code}: {result if ok else 'FAILED: ' + result}")
    print(f"working warehouse (the pipeline's own): {settings.database}  ({took:.1f}s)")
    snapshot = published_database(settings.published_dir)
    if snapshot.exists():
        print(f"published for analysts (read-only; Parquet beside it): {snapshot}")
    print(f"council feedback reports: {settings.outbox_dir}")
    if not report.built:
        print("figures in the working warehouse, NOT published (the build or its release gate "
              "failed; analysts still see the last published snapshot):")  # fmt: skip
    # what was published (a withheld council's last published figures among them), else the
    # working warehouse's figures, said to be unpublished just above
    print(headline(settings.database, settings.published_dir if report.built else None))
    failed = [code for code, ok in report.ingested.items() if not ok]
    if failed:
        print(f"{len(failed)} council(s) failed to load ({', '.join(failed)}): their previous data "
              "stays in use, flagged stale; see their reports in the outbox.", file=sys.stderr)  # fmt: skip
    if not report.built:
        print("The warehouse build failed: see the Dagster run log (make ui).", file=sys.stderr)
    return 0 if report.success else 1


def cmd_status(args: argparse.Namespace) -> int:
    from pipelines.registry import load_registry
    from pipelines.reporting import status

    settings = Settings.from_env()
    registry = load_registry(settings.councils_file)
    left = registry.departed(date.today())
    key = settings.pseudonym_key.get_secret_value()
    print(status(settings.database, registry.codes, settings.landing_dir, left, key,
                 settings.freshness_days))  # fmt: skip
    return 0


def cmd_export_finance(args: argparse.Namespace) -> int:
    from pipelines.finance.export import export_finance

    settings = Settings.from_env()
    out = export_finance(settings.database, args.year, Path(args.out) if args.out else None)
    print(f"finance workbook: {out}")
    return 0


def cmd_report_board(args: argparse.Namespace) -> int:
    from pipelines.publish.layout import published_database
    from pipelines.registry import load_registry
    from pipelines.reports.board_pack import write_board_pack

    settings = Settings.from_env()
    registry = load_registry(settings.councils_file)
    snapshot = published_database(settings.published_dir)
    if not snapshot.exists():
        raise UsageError(f"nothing is published yet at {snapshot}: run `raa run` first")
    out = Path(args.out) if args.out else settings.warehouse_dir / "reports"
    html, pdf = write_board_pack(snapshot, args.quarter, out, registry.partnership_code,
                                 registry.partnership_name, registry.membership(), registry.names())  # fmt: skip
    print(f"board pack: {html}\n            {pdf}")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Rebuild a publish from the archived submissions it lists, into a folder of its own (its own
    landing, warehouse and Dagster home: the production UI's asset history is not the
    rebuild's), and compare the marts with that publish's snapshot: proof that a published figure
    can be reproduced."""
    from pipelines.defs.resources import NotEmailed, WarehouseResource
    from pipelines.publish.layout import published_database
    from pipelines.publish.rebuild import (
        ArchiveMissing,
        mart_differences,
        publish_named,
        restage_from_archive,
        snapshot_database,
    )
    from pipelines.run import run_pipeline

    settings = Settings.from_env()
    snapshot = published_database(settings.published_dir)
    out = Path(args.out).resolve()
    if not snapshot.exists():
        raise UsageError(f"nothing is published yet at {snapshot}: run `raa run` first")
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty: rebuild into a new folder")
    try:
        run_id, snapshot_id = publish_named(snapshot, args.run)
    except LookupError as problem:
        raise UsageError(str(problem)) from None
    rebuilt = Settings.from_env(landing_dir=out / "landing", warehouse_dir=out / "warehouse")
    try:
        staged = restage_from_archive(snapshot, settings.archive_dir, rebuilt.landing_dir, run_id)
    except ArchiveMissing as problem:
        raise UsageError(str(problem)) from None
    print(f"{len(staged)} archived submission(s) of publish {run_id[:8]} restaged into "
          f"{rebuilt.landing_dir}")  # fmt: skip
    # the rebuilt warehouse's own folders, whatever RAA_LANDING_DIR / RAA_WAREHOUSE_DIR say; its
    # failures are said here, not emailed to the operators as the nightly build's
    warehouse = WarehouseResource(
        landing_dir=str(rebuilt.landing_dir), warehouse_dir=str(rebuilt.warehouse_dir)
    )
    report = run_pipeline(rebuilt, resources={"warehouse": warehouse, "alerts": NotEmailed()},
                          rebuild=True, dagster_home=out / "dagster")  # fmt: skip
    if not report.success:
        print(f"the rebuild's night failed: see its Dagster run log (DAGSTER_HOME={out / 'dagster'}"
              " make ui)", file=sys.stderr)  # fmt: skip
        return 1
    original = snapshot_database(settings.published_dir, snapshot_id)
    if original is None:
        print(f"publish {run_id[:8]}'s snapshot is no longer on disk (the newest are kept), so "
              f"there is nothing to compare with: rebuilt into {rebuilt.published_dir}")  # fmt: skip
        return 0
    differences = mart_differences(original, published_database(rebuilt.published_dir))
    for difference in differences:
        print(f"  differs: {difference}")
    print(f"the rebuilt marts are identical to snapshot {snapshot_id}" if not differences else
          f"{len(differences)} mart(s) differ from snapshot {snapshot_id}")  # fmt: skip
    return 0 if not differences else 1


def cmd_prune(args: argparse.Namespace) -> int:
    """What earlier submissions sent, once out of use and RAA_RETENTION_DAYS old, deleted (or,
    with --dry-run, listed)."""
    from pipelines.definitions import build_definitions
    from pipelines.defs.retention import runs_to_prune
    from pipelines.operations.retention import prune_history
    from pipelines.run import dagster_instance, run_prune

    settings = Settings.from_env()
    if not settings.database.exists():
        raise UsageError(f"no warehouse at {settings.database}: nothing to prune")
    if args.dry_run:
        plan = prune_history(settings, settings.retention_days, dry_run=True)
        checks = build_definitions(settings).resolve_asset_graph().asset_check_keys
        runs = runs_to_prune(dagster_instance(), settings.retention_days, checks)
        print(f"dry run, nothing deleted: {plan.summary()}; {len(runs)} Dagster run(s)")
        for folder in [*plan.archive_folders, *plan.outbox_folders]:
            print(f"  {folder}")
        return 0
    return 0 if run_prune(settings, lambda line: print(line, flush=True)) else 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="raa", description="Regional Adoption Agency warehouse")
    sub = top.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="write synthetic council exports (landing layout)")
    demo.add_argument("--out", required=True, help="landing folder to write into")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--scale", choices=["region", "national"], default="region")
    demo.set_defaults(func=cmd_demo_data)

    run = sub.add_parser("run", help="load every council's latest submission and rebuild")
    run.add_argument("--council", action="extend", nargs="+", metavar="CODE",
                     help="only these councils (--council NTH ASH, or the option repeated)")  # fmt: skip
    run.add_argument("-v", "--verbose", action="store_true", help="show dbt's log of every node")
    run.add_argument("--rebuild", action="store_true",
                     help="build and publish even when nothing is new since the published build")  # fmt: skip
    run.add_argument("--demo-if-empty", action="store_true",
                     help="generate the demo region first when the landing folder is empty")  # fmt: skip
    run.set_defaults(func=cmd_run)

    rebuild = sub.add_parser("rebuild", help="rebuild the published snapshot from the archive")
    rebuild.add_argument("--out", required=True, help="an empty folder to rebuild into")
    rebuild.add_argument("--run", help="the publish to rebuild (run id; default the latest)")
    rebuild.set_defaults(func=cmd_rebuild)

    prune = sub.add_parser("prune", help="delete what earlier submissions sent, once out of use")
    prune.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")
    prune.set_defaults(func=cmd_prune)

    stat = sub.add_parser("status", help="last load per council and what is published")
    stat.set_defaults(func=cmd_status)

    export = sub.add_parser("export", help="exports for finance boards")
    export_sub = export.add_subparsers(dest="what", required=True)
    finance = export_sub.add_parser("finance", help="apportionment workbook (XLSX + CSVs)")
    finance.add_argument("--year", required=True, help="financial year, e.g. 2022-23")
    finance.add_argument("--out", help="workbook path")
    finance.set_defaults(func=cmd_export_finance)

    report = sub.add_parser("report", help="documents for the boards")
    report_sub = report.add_subparsers(dest="what", required=True)
    board = report_sub.add_parser("board", help="the partnership board's pack (HTML and PDF)")
    board.add_argument("--quarter", required=True, help="financial quarter, e.g. 2025-26-Q2")
    board.add_argument("--out", help="folder to write into (default <warehouse>/reports)")
    board.set_defaults(func=cmd_report_board)
    return top


def main(argv: list[str] | None = None) -> int:
    from pipelines.finance.export import FinanceExportError
    from pipelines.registry import RegistryError
    from pipelines.reports.board_pack import ReportError
    from pipelines.reports.pdf import PdfError
    from pipelines.settings import DbtProjectError, SettingsError

    args = parser().parse_args(argv)
    try:
        code = args.func(args)
    except (UsageError, RegistryError, FinanceExportError, SettingsError, ReportError,
            PdfError, DbtProjectError) as problem:  # fmt: skip
        print(f"raa {args.command}: {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader stopped reading (`raa status | head`): no traceback, and none at exit when
        # Python flushes stdout (the Python docs' recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    # Done: spare the exit its garbage collection over everything a run imported (~400k objects,
    # ~1 s). Finalizers and atexit handlers still run.
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(main())
