"""`raa run`: load every council through Dagster's own execution, then rebuild the warehouse.

One ingest run over the council partitions (a single-run backfill), then one build run for the star
schema, marts, freshness checks, release gate and publish. Runs are recorded in the Dagster
instance (DAGSTER_HOME), so they show in the UI. A failed run emails the operators (the
`alert_on_run_failure` sensor does the same for scheduled runs under the daemon).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.definitions import INGEST_JOB, TRANSFORM_JOB, WRITES_WAREHOUSE, build_definitions
from pipelines.defs.ingest import COUNCILS_BY_STATUS, SUBMISSION_KEY, councils_by_status
from pipelines.defs.operations import (
    AD_HOC_JOB,
    RANGE_END,
    RANGE_START,
    council_blocks,
    every_council_refused,
    failed_councils,
    failure_problem,
    run_failure_alerts,
)
from pipelines.defs.publish import PUBLISHED_SNAPSHOT
from pipelines.defs.resources import AlertResource, ProgressReporter
from pipelines.defs.retention import PRUNE_JOB, PRUNE_OP
from pipelines.defs.transform import DBT_OP
from pipelines.ingest.landing import unregistered_folders
from pipelines.ingest.pseudonym_key import PseudonymKeyChanged, warehouse_key_problem
from pipelines.operations.alerts import unregistered_folder_alert
from pipelines.platform.event_log import prepare_home
from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT, Settings


@dataclass
class RunReport:
    ingested: dict[str, bool]
    built: bool
    build_run_id: str | None = None
    unregistered: list[str] = field(default_factory=list)  # landing folders of no council

    @property
    def success(self) -> bool:
        return self.built and all(self.ingested.values())


def dagster_instance(home: Path | None = None) -> dg.DagsterInstance:
    """The instance at `home`, else at DAGSTER_HOME, else the project's .dagster_home (where
    `make ui` looks)."""
    home = home or Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home")
    prepare_home(home)
    return dg.DagsterInstance.from_config(str(home))


# The full event log is in the Dagster instance (make ui); the terminal shows warnings and errors.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# Without -v the terminal shows neither: a council whose submission fails is told in plain
# words by the progress lines (and in its feedback report and alert), the build's warnings and
# failures by _say_build_problems; Dagster's ERROR events would repeat them with stack traces.
# Only an unexpected error's trace is shown (_say_unexpected_errors).
PLAIN_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _alert_on_failure(result, job: str, councils: list[str], alerts: AlertResource) -> None:
    """One email per council whose load failed (each naming it), or one for the run."""
    if result.success:
        return
    failures = [e for e in result.all_events if e.is_step_failure]
    for alert in run_failure_alerts(job, result.run_id, failures, f"the {job} run failed",
                                    councils):  # fmt: skip
        alerts.send(alert)


IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
               dg.DagsterRunStatus.CANCELING]  # fmt: skip


def wait_for_other_writers(
    instance: dg.DagsterInstance, say: Callable[[str], None], poll_seconds: float = 2.0
) -> None:
    """Join the one-writer queue: while a run that writes the warehouse is in progress (the
    schedule's, a sensor's, one launched from the UI, another `raa run`), wait, and say so.
    The daemon's queue in turn holds its runs while ours are in progress (config/dagster.yaml)."""
    told: set[str] = set()
    while runs := _writers(instance):
        for run in runs:
            if run.run_id not in told:
                told.add(run.run_id)
                say(f"waiting for run {run.run_id[:8]} ({run.job_name}, {run.status.value}) to "
                    "finish: the warehouse takes one writer at a time")  # fmt: skip
        time.sleep(poll_seconds)


def _writers(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    tag, value = next(iter(WRITES_WAREHOUSE.items()))
    return [run for run in instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS))
            if run.tags.get(tag) == value or run.job_name == AD_HOC_JOB]  # fmt: skip


def run_pipeline(
    settings: Settings,
    councils: list[str] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    resources: Mapping[str, object] | None = None,
    verbose: bool = False,
    rebuild: bool = False,
    dagster_home: Path | None = None,
) -> RunReport:
    """`resources` replaces the Definitions' resources (e.g. a WarehouseResource pointing at
    another folder, as a snapshot rebuild does); `progress` receives one line per step;
    `rebuild` builds and publishes even when nothing is new since the published build;
    `dagster_home` records the runs elsewhere than DAGSTER_HOME (a snapshot rebuild's own)."""
    say = progress or (lambda line: None)
    # Before any run: a key the warehouse was not loaded with refuses every load, and the build
    # after would only publish what is there again. (The load checks too, under the daemon.)
    wrong_key = warehouse_key_problem(settings.database, settings.pseudonym_key.get_secret_value())
    if wrong_key:
        raise PseudonymKeyChanged(wrong_key)
    registry = load_registry(settings.councils_file)
    defs = build_definitions(settings)
    instance = dagster_instance(dagster_home)
    alerts = (resources or {}).get("alerts") or AlertResource()
    ingest_job = defs.resolve_job_def(INGEST_JOB)
    codes = councils or registry.codes
    unregistered = unregistered_folders(settings.landing_dir, registry.codes)
    if unregistered:
        say(f"not in the council registry, so not loaded: {', '.join(unregistered)}")
        alerts.send(unregistered_folder_alert(unregistered, str(settings.landing_dir)))
    ingested = {}
    for block in council_blocks(registry.codes, codes):
        wait_for_other_writers(instance, say)
        started = time.perf_counter()
        result = ingest_job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET if verbose else PLAIN_CONSOLE,
            resources={**(resources or {}), "progress": ProgressReporter(say)},
            tags={RANGE_START: block[0], RANGE_END: block[-1]},
        )  # fmt: skip
        if not verbose:
            _say_unexpected_errors(result, say)
        failed = set() if result.success else _failed_councils(result, block)
        ingested.update({code: code not in failed for code in block})
        failures = result.get_step_failure_events()
        refused = every_council_refused(failures)
        _alert_on_failure(result, INGEST_JOB, [] if refused else sorted(failed), alerts)
        if refused:  # the key changed after the check above (a daemon run held the warehouse):
            # no council is at fault, and a build would only publish what is there again
            raise PseudonymKeyChanged(failure_problem(failures, "refused"))
        state = _load_state(result, len(block), failed)
        say(f"{len(block)} council(s): {state} in {time.perf_counter() - started:.1f}s")
    wait_for_other_writers(instance, say)
    started = time.perf_counter()
    say("building the star schema and marts, checking and publishing ...")
    # dagster-dbt echoes dbt's whole node log to stdout: shown with `raa run -v`, else it is in
    # the Dagster run log (make ui) and, when the build fails, in its target folder's dbt.log.
    with (
        contextlib.nullcontext(sys.stdout) if verbose else open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        _without(DAGSTER_PLAN_LOG, NO_CHECK_RESULT),
    ):
        built = defs.resolve_job_def(TRANSFORM_JOB).execute_in_process(
            instance=instance, raise_on_error=False, resources=resources,
            run_config={**(QUIET if verbose else PLAIN_CONSOLE),
                        "ops": {DBT_OP: {"config": {"rebuild": rebuild}}}},
        )  # fmt: skip
    unchanged = built.success and not _published(built)
    if not verbose:
        _say_build_problems(instance, built, say)
    _alert_on_failure(built, TRANSFORM_JOB, [], alerts)
    state = "built and published" if built.success else "FAILED"
    if unchanged:
        state = "unchanged (nothing is new since the published snapshot, which stands)"
    held = _withheld(settings, built.run_id) if built.success else {}
    state += f" (withheld, last published figures kept: {', '.join(held)})" if held else ""
    say(f"warehouse {state} in {time.perf_counter() - started:.1f}s")
    return RunReport(ingested=ingested, built=built.success, build_run_id=built.run_id,
                     unregistered=unregistered)  # fmt: skip


def _published(result: dg.ExecuteInProcessResult) -> bool:
    return any(event.asset_key == PUBLISHED_SNAPSHOT
               for event in result.get_asset_materialization_events())  # fmt: skip


def run_prune(settings: Settings, say: Callable[[str], None]) -> bool:
    """`raa prune`: the `prune_history` job, in this process, after any other writer."""
    defs = build_definitions(settings)
    instance = dagster_instance()
    wait_for_other_writers(instance, say)
    result = defs.resolve_job_def(PRUNE_JOB).execute_in_process(
        instance=instance, raise_on_error=False, run_config=PLAIN_CONSOLE
    )
    if result.success:
        say(result.output_for_node(PRUNE_OP))
    for event in result.get_step_failure_events():
        reason = _failure_reason(event)
        if reason is not None:
            say(f"pruning failed: {reason}")
    _say_unexpected_errors(result, say)
    return result.success


def _withheld(settings: Settings, run_id: str) -> dict[str, str]:
    """The councils the build of `run_id` withheld (their data broke a dbt test) -> why."""
    from pipelines.operations.withhold import withheld_in_run
    from pipelines.warehouse import connect

    con = connect(settings.database, read_only=True)
    try:
        return withheld_in_run(con, run_id)
    finally:
        con.close()


EXPECTED_ERRORS = ("Failure",)


def _say_unexpected_errors(
    result: dg.ExecuteInProcessResult,
    say: Callable[[str], None],
    expected: tuple[str, ...] = EXPECTED_ERRORS,
) -> None:
    """A step that failed for another reason than one foreseen (a dg.Failure, which says why in
    words): its error and stack trace, as Dagster would have logged them."""
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        if error is not None and error.cls_name not in expected:
            say(f"{event.step_key} failed unexpectedly:\n{error.to_string()}")


# A build with nothing new yields no dbt test result, which Dagster's executor says on stderr of
# the first blocking one (not in the run log) before it skips publishing: not a problem.
NO_CHECK_RESULT = re.compile(r"Blocking asset check .* emitted no result in step")
DAGSTER_PLAN_LOG = "dagster._core.execution.plan.active"


@contextlib.contextmanager
def _without(logger_name: str, pattern: re.Pattern):
    """Python log records of `logger_name` matching `pattern` dropped for the block's length."""

    def keep(record: logging.LogRecord) -> bool:
        return not pattern.match(record.getMessage())

    logger = logging.getLogger(logger_name)
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def _say_build_problems(
    instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult, say: Callable[[str], None]
) -> None:
    """The build run's warnings and errors, one plain line each (a council withheld, a stale
    council, the release gate's refusal, a dbt model that failed), and a failed step's reason;
    a stack trace only for an error nobody anticipated. Dagster's console lines would repeat
    them with run ids and traces (`raa run -v` shows them; the UI keeps them all)."""
    failures = result.get_step_failure_events()
    reasons = [_failure_reason(event) for event in failures]
    for entry in instance.all_logs(result.run_id):
        level = entry.level if isinstance(entry.level, int) else logging.getLevelName(entry.level)
        if entry.dagster_event is not None or not isinstance(level, int) or level < logging.WARNING:
            continue
        if entry.user_message.startswith("Dependencies for step"):
            continue  # a step skipped because one before it failed: that one says why
        if not any(entry.user_message in (reason or "") for reason in reasons):
            say(f"{'warning' if level == logging.WARNING else 'error'}: {entry.user_message}")
    for event, reason in zip(failures, reasons, strict=True):
        if reason is not None:
            say(f"{event.step_key} failed: {reason}")
    _say_unexpected_errors(result, say, expected=(*EXPECTED_ERRORS, "DagsterDbtCliRuntimeError"))


def _failure_reason(event: dg.DagsterEvent) -> str | None:
    """A Failure's description, or the first line of dbt's error (its log is in the run's dbt
    target folder); None for an error nobody anticipated."""
    data = event.step_failure_data
    if data.error is not None and data.error.cls_name == "DagsterDbtCliRuntimeError":
        return _dbt_reason(data.user_failure_data.description if data.user_failure_data else "")
    if data.user_failure_data is not None:
        return data.user_failure_data.description
    return None


DBT_PROGRESS_LINE = re.compile(r"\d+ of \d+ ")  # "67 of 175 ERROR creating ... [ERROR in 0.2s]"
DBT_ERROR_LINES = 3  # "Runtime Error in model x", the database's error, its hint


def _dbt_reason(description: str) -> str:
    """dagster-dbt's error, which quotes the whole dbt command, as the errors dbt reported and
    where its log is."""
    log = re.search(r"view the dbt debug log: (\S+?)\.?$", description, flags=re.MULTILINE)
    _, _, errors = description.partition("Errors parsed from dbt logs:")
    lines = []
    for block in errors.split("\n\n"):
        said = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if said and not DBT_PROGRESS_LINE.match(said[0]):
            lines += [f"  {line}" for line in said[:DBT_ERROR_LINES]]
    where = f" (dbt's log: {log.group(1)})" if log else ""
    return "\n".join([f"dbt build failed{where}", *lines])


def _load_state(result: dg.ExecuteInProcessResult, councils: int, failed: set[str]) -> str:
    """'3 loaded, 1 unchanged, 1 with no submission, FAILED: FEN', from the load's metadata: it
    said 'loaded' when every council's export was the one already in use."""
    events = [e.materialization for e in result.get_asset_materialization_events()
              if e.asset_key == SUBMISSION_KEY]  # fmt: skip
    shared = next((e.metadata[COUNCILS_BY_STATUS].value for e in events
                   if COUNCILS_BY_STATUS in e.metadata), None)  # fmt: skip
    if shared is None:  # a failed run's, one per council that did load (or had nothing new)
        shared = councils_by_status(e.metadata["status"].value for e in events
                                    if "status" in e.metadata)  # fmt: skip
    counted = sum(int(part.split()[0]) for part in shared.split(", ") if part)
    parts = [shared] if shared else []
    if councils - counted - len(failed) > 0:
        parts.append(f"{councils - counted - len(failed)} with no submission")
    if failed:
        parts.append(f"FAILED: {', '.join(sorted(failed))}")
    return ", ".join(parts)


def _failed_councils(result: dg.ExecuteInProcessResult, block: list[str]) -> set[str]:
    """The councils the ingest asset's Failure names (their submission failed), else all."""
    return set(failed_councils(result.get_step_failure_events())) or set(block)
