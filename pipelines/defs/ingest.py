"""Ingestion assets: each council's latest submission -> canonical tables, partitioned by council.

One partitioned asset, `canonical/council_submission`, loads submissions; the canonical tables it
writes are assets of their own (one per table, for lineage into dbt's sources), declared, not
materialised separately: a run over every council would otherwise record one event per table
per council (3,500 nationally, a minute of Dagster's event log). The contracts show up as the
asset check `contract`, with row and rejection counts per canonical table as metadata.
"""

import warnings
from collections import Counter

import dagster as dg
import pandas as pd

from data_contracts.tables import TABLES
from pipelines.defs.resources import (
    WAREHOUSE_POOL,
    AlertResource,
    ProgressReporter,
    WarehouseResource,
)
from pipelines.ingest.continuity import changed_ids_queries
from pipelines.ingest.landing import latest_submission, out_of_turn_note
from pipelines.ingest.outcome import SubmissionOutcome
from pipelines.ingest.pseudonym_key import PseudonymKeyChanged
from pipelines.ingest.submission import SAME, ingest_submissions
from pipelines.operations.alerts import Alert, changed_ids_alert
from pipelines.registry import Registry

CONTRACT_CHECK = "contract"
INGEST_GROUP = "ingest"
# A failed load's metadata when no council is at fault (the warehouse refused every load): the
# alert is one for the run, not one per council.
WHOLE_RUN = "refused_every_council"
# A load's metadata: how many councils loaded, were unchanged (`raa run` says so).
COUNCILS_BY_STATUS = "councils_by_status"


def canonical_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["canonical", table])


SUBMISSION_KEY = canonical_key("council_submission")

# The audit tables dbt reads (int_data_as_of: the data's as-of date).
AUDIT_TABLES = {
    "submissions": "Every submission the pipeline tried to load, with its export date.",
    "current_submissions": "Per council, the submission whose rows the canonical tables hold.",
}


def council_partitions(registry: Registry) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition(registry.codes)


@dg.asset(
    key=canonical_key("councils"),
    group_name=INGEST_GROUP,
    pool=WAREHOUSE_POOL,
    description="The council registry as a table (dim_council reads it).",
)
def council_reference(warehouse: WarehouseResource) -> dg.MaterializeResult:
    registry = warehouse.registry()
    rows = [(c.code, c.name, c.dialect, c.role, c.hub, False, None, c.joined, c.left)
            for c in registry.councils]  # fmt: skip
    rows.append((registry.partnership_code, registry.partnership_name, "none", "partnership",
                 None, True, registry.partnership_launched, None, None))  # fmt: skip
    with warehouse.connection() as con:
        con.execute("begin transaction")
        con.execute("delete from canonical.councils")
        con.executemany(
            "insert into canonical.councils (council_code, council_name, dialect, role, hub,"
            " is_partnership, launched_on, joined_on, left_on) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.execute("commit")
    return dg.MaterializeResult(metadata={"councils": len(rows) - 1})


def canonical_table_specs() -> list[dg.AssetSpec]:
    """The canonical and audit tables written by `council_submission` and read by dbt's
    sources."""
    return [
        dg.AssetSpec(
            canonical_key(table.name),
            group_name=INGEST_GROUP,
            description=f"{table.description} Written by council_submission.",
            deps=[SUBMISSION_KEY],
        )
        for table in TABLES.values()
    ] + [
        dg.AssetSpec(
            dg.AssetKey(["audit", name]),
            group_name=INGEST_GROUP,
            description=f"{description} Written by council_submission.",
            deps=[SUBMISSION_KEY],
        )
        for name, description in AUDIT_TABLES.items()
    ]


def build_ingest_asset(registry: Registry) -> dg.AssetsDefinition:
    # BackfillPolicy.single_run is marked beta (a warning on every start); the night depends on
    # it: one run over every council's partition.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _ingest_asset(registry)


def _ingest_asset(registry: Registry) -> dg.AssetsDefinition:
    @dg.asset(
        key=SUBMISSION_KEY,
        group_name=INGEST_GROUP,
        pool=WAREHOUSE_POOL,
        check_specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK,
                asset=SUBMISSION_KEY,
                description="Rows that fail their table's pandera contract are held back; the "
                "check fails (WARN) when more than RAA_REJECTED_SHARE_WARN of a council's table "
                "is, and (ERROR) when a council's submission cannot be loaded.",
            )
        ],
        partitions_def=council_partitions(registry),
        backfill_policy=dg.BackfillPolicy.single_run(),
        output_required=False,  # no submission from these councils yet: nothing to record
        required_resource_keys={"warehouse", "progress", "alerts"},
        retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
    )
    def council_submission(context: dg.AssetExecutionContext):
        """Archive, validate and load each council's latest submission (replacing its previous).

        One run may cover a range of council partitions (`raa run`, a single-run backfill):
        every council is tried; a council that fails keeps its previous data (stale)."""
        warehouse: WarehouseResource = context.resources.warehouse
        progress: ProgressReporter = context.resources.progress
        alerts: AlertResource = context.resources.alerts
        settings = warehouse.settings()
        registry_now = warehouse.registry()
        due = []
        for code in context.partition_keys:
            submission = latest_submission(settings.landing_dir, code)
            if submission is None:
                progress.warn(context, f"{code}: no submission in {settings.landing_dir}")
                continue
            due.append((registry_now.get(code), submission))
            for note in submission.notes:
                progress.warn(context, f"{code}: {note}")
            out_of_turn = out_of_turn_note(settings.landing_dir, code)
            if out_of_turn:
                progress.warn(context, out_of_turn)
        progress.report(context, f"loading {len(due)} submission(s) ...")
        done: list[SubmissionOutcome] = []
        changed: list[Alert] = []  # emailed once the loads are done, not between them

        def reported(outcome: SubmissionOutcome) -> None:
            done.append(outcome)
            rows = (f" ({outcome.rows_received:,} rows, {outcome.rows_rejected:,} rejected)"
                    if outcome.status == "loaded" else "")  # fmt: skip
            if outcome.status == "failed" or (
                outcome.status == "unchanged" and outcome.message != SAME
            ):  # another folder
                rows = f": {outcome.message}"
            progress.report(context, f"[{len(done)}/{len(due)}] {outcome.council_code} "
                            f"{outcome.status} {outcome.submission_id}{rows}")  # fmt: skip
            for message in changed_ids_queries(outcome):  # the data team hears it too
                progress.warn(context, f"{outcome.council_code}: loaded, with a query: {message}")
                changed.append(changed_ids_alert(outcome.council_code, outcome.submission_id,
                                                 message))  # fmt: skip

        with warehouse.connection() as con:
            try:
                ingest_submissions(con, settings, registry_now, due, on_outcome=reported)
            except PseudonymKeyChanged as wrong_key:  # a setting to fix: retrying cannot help
                raise dg.Failure(description=str(wrong_key), metadata={WHOLE_RUN: True},
                                 allow_retries=False) from None  # fmt: skip
            in_use = tables_in_use(con)  # every council's, not only this run's
        progress.flush(context)
        for alert in changed:
            alerts.send(alert, context.log)
        outcomes = [o for o in done if o.status != "failed"]
        failed = [o for o in done if o.status == "failed"]
        if failed:
            yield from _loaded_partitions(context.asset_key, outcomes)
            yield from _failed_checks(failed)
            raise dg.Failure(
                description="\n".join(  # a line per council: alerts are sent per council
                    f"{o.council_code} submission {o.submission_id} could not be loaded: "
                    f"{o.message.rstrip('.')}. The previous submission stays in use (stale)."
                    for o in failed
                ),
                metadata={"failed_councils": ",".join(o.council_code for o in failed)},
                allow_retries=False,
            )
        if not outcomes:
            yield from _skipped_checks(
                f"no submission from {', '.join(context.partition_keys)} yet"
            )
            return
        over = tables_over(in_use, settings.rejected_share_warn)
        for table in over:
            progress.warn(context, f"{table}: more than {settings.rejected_share_warn:.0%} of a "
                          "table held back; see the council's validation report")  # fmt: skip
        yield from _results(outcomes, settings.rejected_share_warn, over)

    return council_submission


def _per_table(outcomes: list[SubmissionOutcome]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    loads = [o.file_loads for o in outcomes if len(o.file_loads)]
    for row in (pd.concat(loads) if loads else pd.DataFrame()).itertuples():
        entry = counts.setdefault(
            row.canonical_table, {"received": 0, "accepted": 0, "rejected": 0}
        )
        entry["received"] += int(row.rows_received)
        entry["accepted"] += int(row.rows_accepted)
        entry["rejected"] += int(row.rows_rejected)
    return counts


# A handful of rows held back is never a pattern, whatever share of a small table it is.
FEW_ROWS = 5


def tables_in_use(con) -> list[tuple[str, str, int, int]]:
    """(council, canonical table, rows received, rows held back) of each council's submission in
    use: a load of one council must not hide another's table that is still mostly held back."""
    return con.execute(
        """select c.council_code, f.canonical_table, sum(f.rows_received), sum(f.rows_rejected)
           from audit.current_submissions c
           join audit.file_loads f using (council_code, submission_id)
           where f.canonical_table is not null group by all order by all"""
    ).fetchall()


def tables_over(tables: list[tuple[str, str, int, int]], share: float) -> list[str]:
    """Each council's canonical table (`tables_in_use`) with more than `share` of its rows (and
    more than a few) held back, in words: what the `contract` check fails on."""
    return [
        f"{code} {table}: {rejected:,} of {received:,} rows held back ({rejected / received:.0%})"
        for code, table, received, rejected in tables
        if rejected > max(FEW_ROWS, share * received)
    ]


def councils_by_status(statuses) -> str:
    """'4 loaded, 1 unchanged': how many councils ended each way."""
    return ", ".join(f"{n} {status}" for status, n in sorted(Counter(statuses).items()))


def _loaded_partitions(asset_key: dg.AssetKey, outcomes: list[SubmissionOutcome]):
    """In a run that fails for some councils, a materialisation of each other council's partition
    (loaded, or unchanged and still in use), so that the UI shows which councils did load: the
    failed run otherwise marked every partition it held failed, and a real load went unrecorded
    (operator probe)."""
    for o in outcomes:
        yield dg.AssetMaterialization(
            asset_key=asset_key,
            partition=o.council_code,
            metadata={"submission": o.submission_id, "status": o.status,
                      "rows_received": o.rows_received,
                      "rows_accepted": o.rows_received - o.rows_rejected,
                      "rows_rejected": o.rows_rejected},
        )  # fmt: skip


def _results(outcomes: list[SubmissionOutcome], share: float, over: list[str]):
    """`over`: the tables over `share` in every council's submission in use (tables_over),
    which fail the check."""
    counts = _per_table(outcomes)
    rejected = sum(entry["rejected"] for entry in counts.values())
    received = sum(entry["received"] for entry in counts.values())
    lines = ["| table | received | accepted | rejected |", "|---|---|---|---|"] + [
        f"| {t} | {e['received']:,} | {e['accepted']:,} | {e['rejected']:,} |"
        for t, e in sorted(counts.items())
    ]
    # One run may load several councils' partitions, and Dagster shows this metadata on each:
    # every council's own figures are in `by_council` (the rest are the run's totals).
    councils = ["| council | submission | status | received | accepted | rejected |",
                "|---|---|---|---|---|---|"] + [
        f"| {o.council_code} | {o.submission_id} | {o.status} | {o.rows_received:,} | "
        f"{o.rows_received - o.rows_rejected:,} | {o.rows_rejected:,} |" for o in outcomes
    ]  # fmt: skip
    metadata = {
        "submission": ", ".join(f"{o.council_code} {o.submission_id}" for o in outcomes)[:2000],
        "status": ", ".join(sorted({o.status for o in outcomes})),
        COUNCILS_BY_STATUS: councils_by_status(o.status for o in outcomes),
        "rows_received": received,
        "rows_accepted": received - rejected,
        "rows_rejected": rejected,
        "by_table": dg.MetadataValue.md("\n".join(lines)),
        "by_council": dg.MetadataValue.md("\n".join(councils)),
        **{f"rows_rejected/{t}": e["rejected"] for t, e in sorted(counts.items())},
    }
    yield dg.MaterializeResult(metadata=metadata)
    # A few rows held back are a normal night (each is in its council's report); a table with
    # more than RAA_REJECTED_SHARE_WARN of its rows held back is a broken export or a rule gone
    # wrong, which the data team should look at.
    held = f"{rejected:,} of {received:,} rows held back, each in its council's validation report"
    yield dg.AssetCheckResult(
        check_name=CONTRACT_CHECK,
        passed=not over,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={**metadata, "rejected_share_warn": share,
                  "tables_over": dg.MetadataValue.md("\n".join(f"- {t}" for t in over) or "none")},
        description=(f"{held}. More than {share:.0%} of a table's rows in the submissions in "
                     "use: " + "; ".join(over)
                     if over else f"{held}; no table has more than {share:.0%} held back."),
    )  # fmt: skip


def _failed_checks(outcomes: list[SubmissionOutcome]):
    yield dg.AssetCheckResult(
        check_name=CONTRACT_CHECK,
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "submission": ", ".join(f"{o.council_code} {o.submission_id}" for o in outcomes),
            "problem": "; ".join(o.message for o in outcomes)[:1000],
        },
    )


def _skipped_checks(reason: str):
    yield dg.AssetCheckResult(
        check_name=CONTRACT_CHECK,
        passed=True,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"note": reason},
    )
