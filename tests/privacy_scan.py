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
import itertools
import re
from datetime import datetime
from pathlib import Path

import duckdb

from data_contracts.profiles import available_dialects, load_profile
from pipelines.ingest.redact import protected_sources

# Shorter ids ("C1") are also codes, and numbers of under 7 digits also row numbers and counts:
# neither can be told apart from what may be stored. Every date of birth is longer.
SHORTEST = 5
TOKEN_SPLIT = re.compile(r"[\s,;'\"=()<>|:\[\]{}]+")


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


def protected_values(landing: Path) -> set[str]:
    protected, ignored = protected_headers()
    found, elsewhere = set(), set()
    for path in landing.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.suffix not in {".csv", ".gz", ".txt"}:
            continue
        for row in _csv_rows(path):
            for header, value in row.items():
                if not isinstance(value, str) or not isinstance(header, str):
                    continue
                value = value.strip()
                if header.strip() in protected | ignored:
                    if len(value) >= SHORTEST and not (value.isdigit() and len(value) < 7):
                        found |= _variants(value)
                elif value:
                    elsewhere |= _variants(value)
    birth_months = {v for v in found if re.fullmatch(r"\d{4}-\d{2}-01", v)}
    return found - elsewhere - birth_months


def _text_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        """select schema_name, table_name, column_name from duckdb_columns()
           where schema_name in ('canonical', 'audit') and database_name = current_database()
             and data_type in ('VARCHAR', 'DATE', 'TIMESTAMP')"""
    ).fetchall()


def warehouse_texts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every distinct text and date (numbers, such as row numbers, could only be mistaken for
    numeric ids)."""
    texts = []
    for schema, table, column in _text_columns(con):
        rows = con.execute(
            f'select distinct cast("{column}" as varchar) from {schema}."{table}" '
            f'where "{column}" is not null'
        ).fetchall()
        texts += [r[0] for r in rows]
    return texts


def file_texts(folder: Path) -> list[str]:
    return [
        p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file()
    ] if folder.exists() else []  # fmt: skip


def where(value: str, con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """Where a leaked value is (for the failure message)."""
    places = []
    for schema, table, column in _text_columns(con):
        hit = con.execute(
            f'select cast("{column}" as varchar) from {schema}."{table}" '
            f'where contains(cast("{column}" as varchar), ?) limit 1',
            [value],
        ).fetchone()
        if hit:
            places.append(f"{schema}.{table}.{column}: {hit[0][:200]}")
    places += [
        str(p) for p in folder.rglob("*") if p.is_file() and value in p.read_text(errors="replace")
    ]
    return places


def leaks(values: set[str], texts: list[str]) -> set[str]:
    """The protected values found as whole values (or two-word values) in the texts."""
    if not values:
        return set()
    tokens: set[str] = set()
    for text in texts:
        words = [w for w in TOKEN_SPLIT.split(text) if w]
        tokens.update(words)
        tokens.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return values & tokens
