"""Publish the marts: release gate first, then disclosure control, then an atomic switch.

If the gate fails nothing is switched: the previous snapshot stays published and the refusal is
recorded in audit.publishes with what failed.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.operations.withhold import withheld_by_latest_build
from pipelines.publish import layout, snapshot
from pipelines.publish.describe import write_catalogue
from pipelines.publish.expectations import GateResult, run_release_gate
from pipelines.registry import Registry
from pipelines.settings import Settings
from pipelines.warehouse import AUDIT_DDL, connect


@dataclass
class ReleaseOutcome:
    published: bool
    run_id: str
    snapshot_id: str
    gate: GateResult
    tables: list[snapshot.PublishedTable] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    # Number columns of suppressed marts with no disclosure rule: not published ("mart.column")
    withheld_columns: list[str] = field(default_factory=list)
    # Councils withheld by this run's build (their data broke a dbt test) -> why
    withheld_councils: dict[str, str] = field(default_factory=dict)
    submissions: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # said with the outcome, whichever it is

    @property
    def message(self) -> str:
        if self.published:
            return (f"published snapshot {self.snapshot_id}: {len(self.tables)} tables from "
                    f"{len(self.submissions)} submissions" + (
                        "; withheld (last published figures kept): "
                        + ", ".join(sorted(self.withheld_councils))
                        if self.withheld_councils else "") + self._notes)  # fmt: skip
        failures = "; ".join(self.gate.failures[:10])
        if not self.submissions:  # the gate's failures would only say the marts are empty
            failures = f"no council has an accepted submission yet, nothing to publish ({failures})"
        return (
            "release gate failed; the previous snapshot stays published: " + failures + self._notes
        )

    @property
    def _notes(self) -> str:
        return "".join(f"; {note}" for note in self.notes)


def _councils_changed(published: set[str] | None, now: set[str]) -> list[str]:
    """Why this publish's row counts are not compared with the last one's: a council joined (its
    first figures) or is no longer in it. The gate's other checks still apply."""
    if published is None:
        return []
    joined, gone = sorted(now - published), sorted(published - now)
    if not joined and not gone:
        return []
    changes = ([f"{', '.join(joined)} joined"] if joined else []) + (
        [f"{', '.join(gone)} no longer in it"] if gone else []
    )
    return [f"row counts not compared with the last publish ({' and '.join(changes)} since)"]


def _snapshot_id(run_id: str, now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S%fZ}-{run_id[:8]}"


def record_publish(database: Path, outcome: ReleaseOutcome, attempted_at: datetime) -> None:
    with connect(database) as con:
        con.execute(AUDIT_DDL)  # a warehouse older than the table gains it
        con.execute(
            "insert into audit.publishes values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [outcome.run_id, attempted_at, "published" if outcome.published else "refused",
             outcome.snapshot_id if outcome.published else None, outcome.message,
             json.dumps(outcome.submissions, default=str),
             json.dumps({t.name: t.rows for t in outcome.tables}),
             outcome.gate.seconds, outcome.seconds],
        )  # fmt: skip


def publish_release(
    settings: Settings, registry: Registry, run_id: str, row_count_tolerance: float = 0.5,
    data_docs: str = "on_failure",
) -> ReleaseOutcome:  # fmt: skip
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    published = settings.published_dir
    published.mkdir(parents=True, exist_ok=True)
    snapshot_id = _snapshot_id(run_id, now)
    staging = layout.staging_dir(published, snapshot_id)
    previous_db = layout.published_database(published)
    con: duckdb.DuckDBPyConnection | None = snapshot.open_staging(staging, settings.database)
    try:
        marts = snapshot.mart_names(con)
        # the councils the build that made these marts left out, even when that build was an
        # earlier run's (the publish rerun alone from the UI)
        reasons = withheld_by_latest_build(con, run_id, "work.audit")
        submissions = snapshot.current_submissions(con)
        # A withheld council's new submission is not in this snapshot (its rows are earlier ones)
        submissions = submissions[~submissions["council_code"].isin(list(reasons))]
        withholding = snapshot.previous_withholding(previous_db, reasons)
        carried = snapshot.rows_to_carry(withholding, marts)
        previous_rows = {
            name: rows - carried.get(name, 0)
            for name, rows in snapshot.previous_row_counts(previous_db).items()
        }
        in_snapshot = set(submissions["council_code"]) | set(reasons)  # withheld: carried
        notes = _councils_changed(snapshot.councils_published(previous_db), in_snapshot)
        if notes:  # a council's rows come or go: counts cannot be held to the last publish's
            previous_rows = {}
        gate = run_release_gate(
            con,
            marts,
            partners=[c.code for c in registry.partners if c.code not in reasons],
            previous_rows=previous_rows,
            docs_dir=layout.data_docs_dir(published),
            tolerance=row_count_tolerance,
            data_docs=data_docs,
        )
        left_out = snapshot.undeclared_numbers(con, marts)
        outcome = ReleaseOutcome(
            published=gate.success, run_id=run_id, snapshot_id=snapshot_id, gate=gate,
            withheld=[m for m in marts if snapshot.disclosure_of(m) is None],
            withheld_columns=[f"{m}.{c}" for m, columns in left_out.items() for c in columns],
            submissions=submissions.to_dict("records"), withheld_councils=reasons, notes=notes,
        )  # fmt: skip
        if gate.success:
            outcome.tables = snapshot.write_marts(con, staging, marts, registry.partnership_code,
                                                  withholding, left_out)  # fmt: skip
            snapshot.write_meta(con, previous_db, run_id, snapshot_id, now, submissions,
                                outcome.tables, withholding)  # fmt: skip
            write_catalogue(con, outcome.tables, snapshot_id, now, submissions)
            con.execute("detach work")
            con.execute("checkpoint")
        con.close()
        con = None
        if gate.success:
            layout.make_read_only(staging)
            layout.switch_to(published, staging, snapshot_id)
    finally:
        if con is not None:
            con.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    layout.remove_leftovers(published)
    outcome.seconds = time.perf_counter() - started
    record_publish(settings.database, outcome, now)
    return outcome
