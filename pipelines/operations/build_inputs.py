"""Whether a night has anything new to build: everything a build is made of, as one hash.

A build reads dbt's sources (the canonical tables, the funding formula, the council registry's
`canonical.councils`, `audit.submissions` and `audit.current_submissions`) through the dbt
project, under the installed dbt and DuckDB, and publishing runs this package's code. Besides,
the models compare `partner_until` with the build date (who has left the partnership), so the
councils that have left by today count too (and the date itself while nothing is loaded). When
all of it is as it was for the build that the published snapshot came from, the nightly build
would publish the same figures again.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

import duckdb

from pipelines.publish.layout import published_database
from pipelines.settings import (
    DBT_PROJECT_DIR,
    DBT_PROJECT_FILES,
    DBT_PROJECT_SOURCES,
    PROJECT_ROOT,
)

SOURCE_SCHEMAS = ("canonical", "funding_formula")
# Of the audit sources, what the dbt project reads (its staging models' columns, and of
# audit.submissions only the submissions in use). A refused submission left in landing is read
# again every night, which rewrites its own row's loaded_at (and the stale reason): hashing whole
# rows made every such night build and publish the same figures again, and the three snapshots
# kept on disk were soon all copies of one (operator probe).
AUDIT_READ = {
    "audit.current_submissions":
        "select council_code, submission_id, is_stale from audit.current_submissions",
    "audit.submissions":
        "select s.council_code, s.submission_id, s.reference_date, s.status "
        "from audit.submissions as s join audit.current_submissions using (council_code, submission_id)",
}  # fmt: skip
# The dbt project's own files and the Python that loads, checks and publishes.
CODE = (
    *(DBT_PROJECT_DIR / name for name in (*DBT_PROJECT_SOURCES, *DBT_PROJECT_FILES)),
    PROJECT_ROOT / "pipelines",
    PROJECT_ROOT / "data_contracts",
)
CODE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md", ".py"}
# What computes the figures: the build (DuckDB, dbt) and publishing (its gate and disclosure).
PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "dagster-dbt", "pandas", "numpy", "pyarrow",
            "scipy", "great-expectations")  # fmt: skip


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, dbt_vars: list[str]) -> str:
    """One hash of the build's inputs: each source table's rows (in any order), the councils
    that have left by today, the code, the packages and dbt's `--vars`."""
    digest = hashlib.sha256()
    for line in _source_rows(con):
        digest.update(repr(line).encode())
    # The models' only reads of the build date: who has left by it, and, with no submission
    # loaded yet, the data's as-of date itself.
    dated = con.execute(
        "select (select list(council_code order by council_code) from canonical.councils "
        "where left_on < current_date), case when not exists (select 1 from "
        "audit.current_submissions) then current_date end"
    ).fetchone()
    digest.update(repr((dated, dbt_vars, [version(p) for p in PACKAGES])).encode())
    digest.update(code_fingerprint().encode())
    return digest.hexdigest()


def _source_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ? or table_schema || '.' || table_name in ? order by 1",
        [list(SOURCE_SCHEMAS), list(AUDIT_READ)],
    ).fetchall()
    # hash(row) summed, not xor-ed: two identical rows must not cancel out
    return con.execute(
        " union all ".join(
            f"select '{name}', count(*), sum(hash(t)) from ({AUDIT_READ.get(name, f'from {name}')}) t"
            for (name,) in tables
        )
        + " order by 1"
    ).fetchall()


def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for root in CODE:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.suffix in CODE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def published_build_of(
    con: duckdb.DuckDBPyConnection, fingerprint: str, published_dir: Path
) -> tuple[str, str] | None:
    """(build run, snapshot) when the latest build was made of these very inputs and is the one
    published (its own run published it, and the snapshot is there); else None."""
    build = con.execute(
        "select run_id, inputs_sha256 from audit.builds order by built_at desc limit 1"
    ).fetchone()
    publish = con.execute(
        "select run_id, status, snapshot_id from audit.publishes order by attempted_at desc limit 1"
    ).fetchone()
    if build is None or publish is None or build[1] != fingerprint:
        return None
    if publish[:2] != (build[0], "published") or not published_database(published_dir).exists():
        return None
    return build[0], publish[2]
