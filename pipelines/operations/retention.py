"""How long the warehouse keeps what earlier submissions sent (RAA_RETENTION_DAYS).

Every load adds a copy of the council's export to the archive (the files as sent, children's
identifiers in clear), its report to the outbox and its rejected and queried rows, with what
they held, to `audit.rejections` and `audit.warnings`. Kept for ever, that is every child's
record once a night for years, and a warehouse that only grows.

A submission keeps them while it is needed, and for RAA_RETENTION_DAYS after its last load:
- a council's current submission (the warehouse's rows are its rows);
- a submission a kept snapshot was built from (the published one, with a withheld council's
  carried figures, the earlier ones still on disk, and every publish within the retention
  period): `raa rebuild` restages them.
After that its archive folder, outbox folder and audit rows go. Kept for good: one row per
submission (`audit.submissions`), per load (`audit.load_history`) and per file
(`audit.file_loads`), and the publish history. Each pruning is recorded in `audit.prunes`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.publish.layout import finished_snapshots
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schemas

# The audit tables whose rows are per row sent (the rest are one row per submission or file).
ROW_DETAIL = ("rejections", "warnings")

Submission = tuple[str, str]  # council code, submission id
Archived = tuple[str, str, str]  # council code, submission id, manifest hash (first 12)


@dataclass(frozen=True)
class Pruning:
    """What a pruning takes (or, planned, would take) and why it stops there."""

    retention_days: int
    cutoff: datetime
    submissions: list[Submission] = field(default_factory=list)  # their audit rows and reports
    rows: dict[str, int] = field(default_factory=dict)  # audit table -> rows
    archive_folders: list[Path] = field(default_factory=list)
    archive_bytes: int = 0
    outbox_folders: list[Path] = field(default_factory=list)
    kept_in_use: int = 0  # submissions older than the cutoff kept because they are in use

    @property
    def is_empty(self) -> bool:
        return not (self.archive_folders or self.outbox_folders or any(self.rows.values()))

    def figures(self) -> dict[str, object]:
        """What was pruned, by number (the Dagster run's metadata)."""
        return {
            "retention_days": self.retention_days,
            "cutoff": self.cutoff.isoformat(sep=" ", timespec="seconds"),
            "submissions": len(self.submissions),
            **{f"{table}_deleted": rows for table, rows in self.rows.items()},
            "archive_folders": len(self.archive_folders),
            "archive_mb": round(self.archive_bytes / 1e6, 1),
            "outbox_folders": len(self.outbox_folders),
            "kept_in_use": self.kept_in_use,
        }

    def summary(self) -> str:
        before = f"loaded before {self.cutoff:%d/%m/%Y %H:%M} ({self.retention_days} days)"
        kept = (f"; {self.kept_in_use} older submission(s) kept: current or in a kept snapshot"
                if self.kept_in_use else "")  # fmt: skip
        if self.is_empty:
            return f"nothing to prune: no submission {before} is out of use{kept}"
        rows = ", ".join(f"{n:,} {table}" for table, n in self.rows.items())
        return (
            f"{len(self.submissions)} submission(s) {before}: audit rows {rows}; "
            f"{len(self.archive_folders)} archive folder(s) ({self.archive_bytes / 1e6:,.1f} MB); "
            f"{len(self.outbox_folders)} outbox folder(s){kept}"
        )


def prune_history(
    settings: Settings, retention_days: int, *, dry_run: bool = False, dagster_runs: int = 0
) -> Pruning:
    """Plan the pruning and, unless `dry_run`, do it: audit rows in one transaction first, then
    the folders (a pruning stopped half way finds what is left the next time). `dagster_runs`:
    how many Dagster runs the caller deletes with it, for the record."""
    con = connect(settings.database, read_only=dry_run)
    try:
        if not dry_run:
            ensure_schemas(con)  # audit.prunes, in a warehouse from before it
        plan = _plan(con, settings, retention_days)
        if dry_run or (plan.is_empty and not dagster_runs):
            return plan
        con.execute("begin transaction")
        con.register("pruned", _frame(plan.submissions))
        for table in ROW_DETAIL:
            con.execute(f"delete from audit.{table} using pruned "
                        f"where {table}.council_code = pruned.council_code "
                        f"and {table}.submission_id = pruned.submission_id")  # fmt: skip
        con.execute(
            "insert into audit.prunes values (now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [retention_days, plan.cutoff, len(plan.submissions),
             plan.rows.get("rejections", 0), plan.rows.get("warnings", 0),
             len(plan.archive_folders), plan.archive_bytes, len(plan.outbox_folders),
             dagster_runs],
        )  # fmt: skip
        con.execute("commit")
        con.execute("checkpoint")
    finally:
        con.close()
    for folder in [*plan.archive_folders, *plan.outbox_folders]:
        shutil.rmtree(folder)
    return plan


def _plan(con: duckdb.DuckDBPyConnection, settings: Settings, retention_days: int) -> Pruning:
    (cutoff,) = con.execute(
        "select cast(now() as timestamp) - to_days(cast(? as integer))", [retention_days]
    ).fetchone()
    kept = _in_use(con, settings.published_dir, cutoff)
    old = con.execute(
        "select council_code, submission_id from audit.submissions where loaded_at < ? "
        "order by all",
        [cutoff],
    ).fetchall()
    pruned = [s for s in old if s not in {(c, sid) for c, sid, _ in kept}]
    con.register("pruned", _frame(pruned))
    rows, with_rows = {}, set()  # a submission pruned before has nothing left: not counted again
    for table in ROW_DETAIL:
        counts = con.execute(f"select council_code, submission_id, count(*) from audit.{table} "
                             "join pruned using (council_code, submission_id) group by all"
                             ).fetchall()  # fmt: skip
        rows[table] = sum(n for _, _, n in counts)
        with_rows |= {(code, sid) for code, sid, _ in counts}
    con.unregister("pruned")
    archive = _archive_folders_out_of_use(con, settings.archive_dir, kept, cutoff)
    outbox = {(code, sid): settings.outbox_dir / code / sid for code, sid in pruned}
    kept_in_use = len(old) - len(pruned)
    pruned = [s for s in pruned if s in with_rows or outbox[s].is_dir()]
    return Pruning(
        retention_days=retention_days,
        cutoff=cutoff,
        submissions=pruned,
        rows=rows,
        archive_folders=archive,
        archive_bytes=sum(f.stat().st_size for d in archive for f in d.rglob("*") if f.is_file()),
        outbox_folders=[outbox[s] for s in pruned if outbox[s].is_dir()],
        kept_in_use=kept_in_use,
    )


def _in_use(con: duckdb.DuckDBPyConnection, published_dir: Path, cutoff: datetime) -> set[Archived]:
    """Each council's current submission, and those of every snapshot still to be rebuilt: the
    last published (for a council it withheld, the submission its carried figures are of), any
    still on disk, and every publish since the cutoff."""
    current = con.execute(
        "select c.council_code, c.submission_id, s.manifest_sha256 "
        "from audit.current_submissions c join audit.submissions s using (council_code, "
        "submission_id)"
    ).fetchall()
    kept = {(code, sid, sha[:12]) for code, sid, sha in current}
    on_disk = {p.name for p in finished_snapshots(published_dir)}
    withheld = set(
        con.execute("select council_code, run_id from audit.withheld_councils").fetchall()
    )
    published = con.execute(
        "select run_id, attempted_at, snapshot_id, submissions from audit.publishes "
        "where status = 'published' order by attempted_at desc"
    ).fetchall()
    figures_found: set[str] = set()
    for rank, (run_id, attempted_at, snapshot_id, submissions) in enumerate(published):
        listed = json.loads(submissions or "[]")
        whole = rank == 0 or attempted_at >= cutoff or snapshot_id in on_disk
        for s in listed:
            figures = s["council_code"] not in figures_found and (
                (s["council_code"], run_id) not in withheld
            )
            if whole or figures:
                kept.add((s["council_code"], s["submission_id"], s["manifest_sha256"][:12]))
            if figures:
                figures_found.add(s["council_code"])
    return kept


def _archive_folders_out_of_use(
    con: duckdb.DuckDBPyConnection, archive_dir: Path, kept: set[Archived], cutoff: datetime
) -> list[Path]:
    """Archive folders (`<council>/<submission id>-<hash12>`) not in use whose last load was
    before the cutoff (a folder no load recorded: its own time, e.g. one a crash left)."""
    last_loads = {
        (code, sid, sha[:12]): at
        for code, sid, sha, at in con.execute(
            "select council_code, submission_id, manifest_sha256, max(loaded_at) "
            "from audit.load_history group by all"
        ).fetchall()
    }
    out_of_use = []
    for folder in sorted(archive_dir.glob("*/*")):
        sid, _, digest = folder.name.removesuffix(".partial").rpartition("-")
        key = (folder.parent.name, sid, digest)
        if not folder.is_dir() or key in kept:
            continue
        last = last_loads.get(key) or datetime.fromtimestamp(folder.stat().st_mtime)
        if last < cutoff:
            out_of_use.append(folder)
    return out_of_use


def _frame(submissions: list[Submission]) -> pa.Table:
    codes, ids = zip(*submissions, strict=True) if submissions else ((), ())
    return pa.table({"council_code": pa.array(codes, pa.string()),
                     "submission_id": pa.array(ids, pa.string())})  # fmt: skip
