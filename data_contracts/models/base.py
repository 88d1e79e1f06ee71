"""Shared base and field helpers for the canonical contracts.

Every value arrives as text (dates already in ISO form, see data_contracts.checks); the
contracts decide what is acceptable, and the loader casts accepted rows to the `sql` type
recorded in each field's metadata. `privacy` metadata tells the loader how a column is
protected before it reaches the warehouse: `child_id` (keyed hash), `record_id` (a case
system's own reference: keyed hash, the same in every table), `postcode` (district only),
`birth_date` (month only), `free_text` (checked, never stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandera.pandas as pa

import data_contracts.checks  # noqa: F401  (registers the named checks)


def code(
    description: str,
    codes: Sequence[str],
    *,
    required: bool = False,
    blank_if_unknown: bool = False,
) -> Any:
    """A coded column. `blank_if_unknown`: no figure needs the code, so a value off the list is
    left blank and the row kept, with a query (severity policy, data_contracts/rules.py)."""
    if blank_if_unknown and required:
        raise ValueError("a required code cannot be left blank")
    return pa.Field(
        isin=list(codes),
        nullable=not required,
        description=description,
        metadata={"sql": "VARCHAR", "codes": list(codes), "blank_if_unknown": blank_if_unknown},
    )


def text(
    description: str,
    *,
    required: bool = False,
    max_length: int = 200,
    privacy: str | None = None,
    pattern: str | None = None,
    blank_if_invalid: bool = False,
) -> Any:
    """Free text, or text of a known form (`pattern`). `blank_if_invalid`: no figure needs it, so
    a value too long or not of the form is left blank and the row kept, with a query."""
    if blank_if_invalid and required:
        raise ValueError("a required value cannot be left blank")
    checks = {"str_matches": f"^(?:{pattern})$"} if pattern else {}
    return pa.Field(
        str_length={"min_value": 1, "max_value": max_length},
        nullable=not required,
        description=description,
        metadata={"sql": "VARCHAR", "privacy": privacy, "blank_if_unknown": blank_if_invalid},
        **checks,
    )


def date(description: str, *, required: bool = False, privacy: str | None = None) -> Any:
    return pa.Field(
        real_date=(),
        nullable=not required,
        description=description,
        metadata={"sql": "DATE", "privacy": privacy},
    )


def money(description: str, *, required: bool = False) -> Any:
    return pa.Field(
        money=(), nullable=not required, description=description, metadata={"sql": "DECIMAL(14,2)"}
    )


def count(description: str, *, required: bool = False) -> Any:
    return pa.Field(
        whole_number=(), nullable=not required, description=description, metadata={"sql": "INTEGER"}
    )


def child_id(description: str = "The council's own identifier for the child.") -> Any:
    return text(description, required=True, max_length=40, privacy="child_id")


def record_id(description: str, *, required: bool = False, max_length: int = 40) -> Any:
    """A case system's reference for a household, case, ledger line, social worker... Whatever
    was typed into it (an NHS number, a name) is stored as a keyed hash: joins still hold."""
    return text(description, required=required, max_length=max_length, privacy="record_id")


class CanonicalModel(pa.DataFrameModel):
    """Columns every canonical table may carry, and the shared configuration."""

    class Config:
        strict = False  # context columns (reference_date, source_row...) ride along
        coerce = False
        unique_column_names = True
