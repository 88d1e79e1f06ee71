"""Rebuild a published snapshot from the archived submissions it lists, to prove it can be.

The archive keeps every submission immutable under `<council>/<submission id>-<hash12>/`; the
snapshot's `meta.publish_submissions` names each one by manifest hash. Restaging those files
(with their original timestamps) into an empty landing folder and running the pipeline gives
the same marts. The council registry and funding formula files are configuration, not archived:
a rebuild uses the current ones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from pipelines.ingest.landing import (
    MANIFEST_NAME,
    SUBMISSION_META,
    archived_folder,
    submission_from_archive,
)
from pipelines.publish.layout import SNAPSHOTS


class ArchiveMissing(LookupError):
    """A submission the publish lists is no longer in the archive (pruned, or removed)."""


def publish_named(published_db: Path, run: str | None) -> tuple[str, str]:
    """(run id, snapshot id) of the publish whose run id is or starts with `run` (as `raa status`
    shortens it); the latest when `run` is None. LookupError when none or several match."""
    with duckdb.connect(str(published_db), read_only=True) as con:
        found = con.execute(
            "select run_id, snapshot_id from meta.publishes where starts_with(run_id, ?) "
            "order by published_at desc",
            [run or ""],
        ).fetchall()
    if not found:
        raise LookupError(f"no publish with run {run!r} (meta.publishes in {published_db})")
    if run and len(found) > 1:
        raise LookupError(f"{len(found)} publishes have runs starting {run!r}: give more of it")
    return found[0]


def snapshot_database(published_dir: Path, snapshot_id: str) -> Path | None:
    """The snapshot's own raa.duckdb, while it is still on disk (the newest are kept)."""
    database = published_dir / SNAPSHOTS / snapshot_id / "raa.duckdb"
    return database if database.exists() else None


SNAPSHOT_SUBMISSIONS_SQL = """
select council_code, submission_id, manifest_sha256 from meta.publish_submissions
where run_id = coalesce(?, (select run_id from meta.publishes order by published_at desc limit 1))
order by council_code
"""


def snapshot_submissions(published_db: Path, run_id: str | None = None) -> list[tuple]:
    with duckdb.connect(str(published_db), read_only=True) as con:
        return con.execute(SNAPSHOT_SUBMISSIONS_SQL, [run_id]).fetchall()


def restage_from_archive(
    published_db: Path, archive_dir: Path, landing_dir: Path, run_id: str | None = None
) -> list[Path]:
    """Copy the archived submissions a snapshot used into `landing_dir`, checking each hash."""
    staged = []
    for council, submission_id, manifest_sha256 in snapshot_submissions(published_db, run_id):
        archived = archived_folder(archive_dir, council, submission_id, manifest_sha256)
        if not (archived / MANIFEST_NAME).exists():
            raise ArchiveMissing(
                f"{council}'s submission {submission_id} is no longer in the archive ({archived}):"
                " archive copies go once out of use and RAA_RETENTION_DAYS old (README, Retention)"
            )
        submission = submission_from_archive(archived)
        if submission.manifest_sha256 != manifest_sha256:
            raise ValueError(f"{archived} does not match the snapshot's manifest hash")
        target = landing_dir / council / submission_id
        for f in submission.files:
            (target / f.name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f.path, target / f.name)
            (target / f.name).chmod(0o644)
        if (archived / SUBMISSION_META).exists():
            shutil.copy2(archived / SUBMISSION_META, target / SUBMISSION_META)
        staged.append(target)
    return staged


def mart_differences(first_db: Path, second_db: Path) -> list[str]:
    """Tables in the `marts` schema of two DuckDB files that differ (as multisets of rows), compared
    exactly, DOUBLEs included (the models' floating-point sums are ordered, so deterministic)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first_db}' as a (read_only)")
        con.execute(f"attach '{second_db}' as b (read_only)")
        tables = {
            catalog: {t for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = ? and table_schema = 'marts'", [catalog]).fetchall()}
            for catalog in ("a", "b")
        }  # fmt: skip
        differences = [f"{t}: only in one" for t in sorted(tables["a"] ^ tables["b"])]
        for table in sorted(tables["a"] & tables["b"]):
            first, second = f"a.marts.{table}", f"b.marts.{table}"
            extra = con.execute(
                f"""select count(*) from ((select * from {first} except all select * from
                    {second}) union all (select * from {second} except all select * from
                    {first}))"""
            ).fetchone()[0]
            if extra:
                differences.append(f"{table}: {extra} rows differ")
        return differences
    finally:
        con.close()
