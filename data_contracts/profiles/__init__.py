"""Dialect profiles: how each case system's export maps onto the canonical tables.

A profile is a YAML file in this folder. Adding a council on an existing dialect is a registry
entry; adding a dialect is a new YAML file here, with no code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from data_contracts.tables import TABLES

PROFILE_DIR = Path(__file__).parent


class ProfileError(ValueError):
    """A dialect profile is malformed."""


@dataclass(frozen=True)
class TableMapping:
    table: str
    columns: dict[str, str]  # source column -> canonical column
    optional: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    sheet: str | None = None
    label: str | None = None  # the table's name in the council's own words (903: AD1, Header)

    @property
    def shown_name(self) -> str:
        """The table as the council's report names it: its label, else the canonical name."""
        return self.label or self.table.replace("_", " ")

    @property
    def required_headers(self) -> frozenset[str]:
        return frozenset(self.columns) - self.optional

    @property
    def known_headers(self) -> frozenset[str]:
        return frozenset(self.columns) | self.ignore

    def source_column(self, canonical: str) -> str | None:
        for source, target in self.columns.items():
            if target == canonical:
                return source
        return None


@dataclass(frozen=True)
class Profile:
    dialect: str
    label: str
    file_format: str  # csv | xlsx
    date_format: str  # strptime format for dates written as text
    date_pattern: str  # the exact shape a date must have, e.g. \d{2}/\d{2}/\d{4}
    date_display: str  # how the council would write it, for messages: dd/mm/yyyy
    encoding: str
    delimiter: str
    tables: dict[str, TableMapping]

    @property
    def table_names(self) -> dict[str, str]:
        """Each canonical table as the council's report names it (TableMapping.shown_name)."""
        return {table: mapping.shown_name for table, mapping in self.tables.items()}

    @property
    def unpadded_date_pattern(self) -> str | None:
        """The date shape with a one-digit day or month allowed (1/3/2020 for 01/03/2020, as
        Excel saves a date column it formats itself into a CSV); None for a format holding other
        parts than a day, a month number or name and a four-digit year."""
        return self._loose_date_pattern(r"\d{4}")

    @property
    def two_digit_year_pattern(self) -> str | None:
        """The unpadded shape with a two-digit year (1/3/20, 5-Mar-20), for a format ending in
        its year; None otherwise (20-3-1 in a year-first layout could be read two ways)."""
        if not self.date_format.endswith("%Y"):
            return None
        return self._loose_date_pattern(r"\d{2}")

    def _loose_date_pattern(self, year: str) -> str | None:
        parts = {"%d": r"\d{1,2}", "%m": r"\d{1,2}", "%Y": year, "%b": r"[A-Z][a-z]{2}"}
        pattern = re.sub(r"%[a-zA-Z]|[^%]+", lambda m: parts.get(m[0], re.escape(m[0])),
                         self.date_format)  # fmt: skip
        return None if "%" in pattern or "%d" not in self.date_format else pattern


def _mapping(dialect: str, table: str, raw: dict) -> TableMapping:
    if table not in TABLES:
        raise ProfileError(f"profile {dialect}: unknown canonical table {table!r}")
    columns = {str(k): str(v) for k, v in (raw.get("columns") or {}).items()}
    known = set(TABLES[table].column_names)
    unknown = sorted(set(columns.values()) - known)
    if unknown:
        raise ProfileError(f"profile {dialect}, table {table}: unknown columns {unknown}")
    recode = {}
    for column, values in (raw.get("recode") or {}).items():
        if any(isinstance(v, bool) for pair in values.items() for v in pair):
            raise ProfileError(
                f"profile {dialect}, table {table}, recode of {column}: YAML read a value as "
                'true/false; quote words like "Yes", "No", "On", "Off"'
            )
        recode[str(column)] = {str(a): str(b) for a, b in values.items()}
    return TableMapping(
        table=table,
        columns=columns,
        optional=frozenset(raw.get("optional") or ()),
        ignore=frozenset(raw.get("ignore") or ()),
        recode=recode,
        sheet=raw.get("sheet"),
        label=raw.get("label"),
    )


@cache
def load_profile(dialect: str) -> Profile:
    path = PROFILE_DIR / f"{dialect}.yaml"
    if not path.exists():
        raise ProfileError(f"no profile for dialect {dialect!r} ({path})")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables = {name: _mapping(dialect, name, spec) for name, spec in raw["tables"].items()}
    return Profile(
        dialect=raw["dialect"],
        label=raw.get("label", dialect),
        file_format=raw.get("format", "csv"),
        date_format=raw["date_format"],
        date_pattern=raw["date_pattern"],
        date_display=raw["date_display"],
        encoding=raw.get("encoding", "utf-8"),
        delimiter=raw.get("delimiter", ","),
        tables=tables,
    )


def available_dialects() -> set[str]:
    return {p.stem for p in PROFILE_DIR.glob("*.yaml")}
