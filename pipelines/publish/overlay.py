"""The working warehouse read with some of its marts as a published snapshot holds them.

On a night that withheld a council, the working marts were built without it, while the snapshot
carries its last published figures: what is shown beside the snapshot (the finance workbook,
`raa run`'s headline) reads those marts from the snapshot and everything else (audit, reference,
star, the registry) from the working warehouse, under the names both use.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

SNAPSHOT = "snapshot"  # the general snapshot's name in the connection (its meta schema too)


def with_published_marts(
    database: Path, snapshot: Path, marts: Iterable[str]
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection showing every table and view of the working `database` under its
    own schema and name, except `marts.<mart>` for each of `marts` the snapshot folder holds:
    read from its restricted file (`restricted/<mart>.duckdb`), else from the general snapshot
    (attached as SNAPSHOT). A mart the snapshot does not hold shows as the working one."""
    con = duckdb.connect()
    # the working database under its own name: dbt's views in it name their tables through it
    working = database.stem
    sources = {working: database, SNAPSHOT: snapshot / "raa.duckdb"}
    restricted = {m: snapshot / "restricted" / f"{m}.duckdb" for m in marts}
    sources.update({f"restricted_{m}": path for m, path in restricted.items() if path.exists()})
    for name, path in sources.items():
        quoted = str(path).replace("'", "''")
        con.execute(f"""attach '{quoted}' as "{name}" (read_only)""")
    general = {t for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = $name "
        "and schema_name = 'marts'", {"name": SNAPSHOT}).fetchall()}  # fmt: skip
    read_from = {m: f"restricted_{m}" if f"restricted_{m}" in sources else SNAPSHOT
                 for m in restricted if f"restricted_{m}" in sources or m in general}  # fmt: skip
    tables = con.execute(
        """select schema_name, table_name from duckdb_tables() where database_name = $name
           union all
           select schema_name, view_name from duckdb_views()
           where database_name = $name and not internal""",
        {"name": working},
    ).fetchall()
    for schema in sorted({schema for schema, _ in tables}):
        con.execute(f'create schema if not exists "{schema}"')
    for schema, table in tables:
        source = read_from.get(table, working) if schema == "marts" else working
        con.execute(f'create view "{schema}"."{table}" as '
                    f'select * from "{source}"."{schema}"."{table}"')  # fmt: skip
    return con
