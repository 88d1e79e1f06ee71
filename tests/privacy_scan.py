"""Find protected values (child ids, dates of birth, postcodes, UPNs) anywhere they must not be.

The values are taken from what the councils sent (every CSV under the landing folder, read with
the csv module, not the loader), in the columns the dialect profiles map to protected fields or
tell the loader to ignore. They are then looked for, as whole values, in every text of the
working warehouse, the council reports and the captured log. The archive is left out: it holds
each submission exactly as sent, by design.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from data_contracts.profiles import available_dialects, load_profile
from pipelines.ingest.redact import protected_sources

# Shorter ids ("C1") are also codes, and numbers of under 7 digits also row numbers and counts:
# neither can be told apart from what may be stored. Every date of birth is longer.
SHORTEST = 5
DATE_LIKE = re.compile(r"^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}$")


def protected_headers() -> tuple[set[str], set[str]]:
    """(headers of protected fields, headers the loader never reads) across every dialect."""
    protected, ignored = set(), set()
    for dialect in available_dialects():
        for mapping in load_profile(dialect).tables.values():
            protected |= protected_sources(mapping)
            ignored |= set(mapping.ignore)
    return protected, ignored


def _csv_rows(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception:  # a damaged file the loader refused: nothing of it was read
            return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        return list(csv.DictReader(io.StringIO(text.replace("\r", "\n"))))
    except csv.Error:
        return []


def _variants(value: str) -> set[str]:
    """A date in the other ways it could be written (an ISO date on the 1st is a birth month,
    which may be stored)."""
    found = {value}
    if not DATE_LIKE.match(value):
        return found
    for given, other in (
        ("%d/%m/%Y", "%Y-%m-%d"),
        ("%Y-%m-%d", "%d/%m/%Y"),
        ("%m/%d/%Y", "%Y-%m-%d"),
    ):
        try:
            day = datetime.strptime(value, given)
        except ValueError:
            continue
        written = day.strftime(other)
        if not (other == "%Y-%m-%d" and day.day == 1):
            found.add(written)
    return found


def _columns(path: Path) -> dict[str, set[str]]:
    """Each column's distinct values: the csv module for small files (it reads what broken ones
    hold), DuckDB's own CSV reader for large, clean ones (the public sets)."""
    if path.stat().st_size < 1 << 20:
        columns: dict[str, set[str]] = {}
        for row in _csv_rows(path):
            for header, value in row.items():
                if isinstance(header, str) and isinstance(value, str):
                    columns.setdefault(header.strip(), set()).add(value.strip())
        return columns
    with duckdb.connect() as con:
        con.execute(f"create table f as select * from read_csv('{path}', all_varchar = true)")
        names = [d[0] for d in con.execute("select * from f limit 0").description]
        return {
            name.strip(): {v for (v,) in con.execute(
                f'select distinct trim("{name}") from f where "{name}" is not null'
            ).fetchall()}
            for name in names
        }  # fmt: skip


def protected_values(landing: Path) -> set[str]:
    protected, ignored = protected_headers()
    found, elsewhere = set(), set()
    for path in landing.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.suffix not in {".csv", ".gz", ".txt"}:
            continue
        for header, values in _columns(path).items():
            for value in values:
                if header in protected | ignored:
                    if len(value) >= SHORTEST and not (value.isdigit() and len(value) < 7):
                        found |= _variants(value)
                elif value:
                    elsewhere |= _variants(value)
    birth_months = {v for v in found if re.fullmatch(r"\d{4}-\d{2}-01", v)}
    return found - elsewhere - birth_months


TEXT_COLUMNS = """
select schema_name, table_name, column_name from duckdb_columns()
where schema_name in ('canonical', 'audit') and database_name = current_database()
  and data_type in ('VARCHAR', 'DATE', 'TIMESTAMP')
"""
# Words of a text, split where a value would end in a message, a CSV line or an HTML cell, and
# each pair of neighbouring words (a postcode is two).
SPLIT = r"""string_split_regex(text, '[\s,;''"=()<>|:\[\]{}]+')"""
WORDS = f"""
split as (select {SPLIT} as t from source),
words as (
    select distinct unnest(t) as word from split
    union
    select distinct unnest(list_transform(range(1, len(t)), i -> t[i] || ' ' || t[i + 1]))
    from split
)"""


def leaks(
    values: set[str], con: duckdb.DuckDBPyConnection, files: Path, log_text: str
) -> dict[str, list[str]]:
    """Where each protected value is found whole: a text column of the warehouse (every distinct
    text and date; numbers could only be mistaken for numeric ids), a file under `files` (the
    council reports) or the log. Done in DuckDB: the public sets hold ~100k ids."""
    if not values:
        return {}
    con.register("protected_values", pa.table({"value": sorted(values)}))
    texts = [p for p in files.rglob("*") if p.is_file()] if files.exists() else []
    sources = [(f"{schema}.{table}.{column}",
                f'select cast("{column}" as varchar) as text from {schema}."{table}" '
                f'where "{column}" is not null')
               for schema, table, column in con.execute(TEXT_COLUMNS).fetchall()]  # fmt: skip
    sources += [(str(p), f"select content as text from read_text('{p}')") for p in texts]
    con.register("log_text", pa.table({"text": [log_text]}))
    sources.append(("the log", "select text from log_text"))
    found: dict[str, list[str]] = {}
    try:
        for where, select in sources:
            hits = con.execute(
                f"""with source as ({select}), {WORDS}
                    select value from protected_values join words on word = value"""
            ).fetchall()
            for (value,) in hits:
                found.setdefault(value, []).append(where)
    finally:
        con.unregister("protected_values")
        con.unregister("log_text")
    return found
