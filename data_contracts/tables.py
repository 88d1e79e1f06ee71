"""The canonical tables: name -> contract, natural key, and what the warehouse stores.

This is the one list the loader, the dbt sources and the demo generator all read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandera.pandas as pa

from data_contracts.models import adopters, children, collection903, finance, support


@dataclass(frozen=True)
class CanonicalColumn:
    name: str
    sql_type: str
    required: bool
    description: str
    privacy: str | None
    codes: tuple[str, ...] | None
    blank_if_unknown: bool = False  # a code off the list is blanked and queried, not rejected


@dataclass(frozen=True)
class CanonicalTable:
    name: str
    model: type[pa.DataFrameModel]
    area: str

    @property
    def description(self) -> str:
        return (self.model.__doc__ or "").strip()

    @property
    def natural_key(self) -> list[str]:
        return list(self.model.Config.unique)

    @property
    def columns(self) -> list[CanonicalColumn]:
        return _columns(self.model)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@cache
def _columns(model: type[pa.DataFrameModel]) -> list[CanonicalColumn]:
    schema = model.to_schema()
    result = []
    for name, column in schema.columns.items():
        meta = column.metadata or {}
        result.append(
            CanonicalColumn(
                name=name,
                sql_type=meta.get("sql", "VARCHAR"),
                required=not column.nullable,
                description=column.description or "",
                privacy=meta.get("privacy"),
                codes=tuple(meta["codes"]) if meta.get("codes") else None,
                blank_if_unknown=bool(meta.get("blank_if_unknown")),
            )
        )
    return result


TABLES: dict[str, CanonicalTable] = {
    t.name: t
    for t in (
        CanonicalTable("children", children.Children, "journeys"),
        CanonicalTable("episodes", children.Episodes, "journeys"),
        CanonicalTable("adoption_decisions", children.AdoptionDecisions, "journeys"),
        CanonicalTable("adoption_matches", children.AdoptionMatches, "journeys"),
        CanonicalTable("reviews", collection903.Reviews, "ssda903_other"),
        CanonicalTable("missing_episodes", collection903.MissingEpisodes, "ssda903_other"),
        CanonicalTable("previous_permanence", collection903.PreviousPermanence, "ssda903_other"),
        CanonicalTable("uasc", collection903.Uasc, "ssda903_other"),
        CanonicalTable("health_outcomes", collection903.HealthOutcomes, "ssda903_other"),
        CanonicalTable("care_leavers", collection903.CareLeavers, "ssda903_other"),
        CanonicalTable(
            "social_worker_episodes", collection903.SocialWorkerEpisodes, "ssda903_other"
        ),
        CanonicalTable("adopter_households", adopters.AdopterHouseholds, "adopters"),
        CanonicalTable("adopter_events", adopters.AdopterEvents, "adopters"),
        CanonicalTable("support_cases", support.SupportCases, "support"),
        CanonicalTable("support_fund_applications", support.SupportFundApplications, "support"),
        CanonicalTable("letterbox_exchanges", support.LetterboxExchanges, "support"),
        CanonicalTable("finance_ledger", finance.FinanceLedger, "finance"),
    )
}


def stored_name(column: CanonicalColumn) -> str | None:
    """The column's name in the warehouse after privacy treatment; None when it is not kept."""
    if column.privacy == "child_id":
        return column.name.replace("child_id", "child_key")
    if column.privacy == "birth_date":
        return "birth_month"
    if column.privacy == "postcode":
        return f"{column.name}_district"
    if column.name == "date_of_birth":  # repeated in secondary tables: the Header's is enough
        return None
    if column.privacy == "free_text":
        return None
    return column.name


def stored_columns(table: CanonicalTable) -> list[tuple[str, str]]:
    """(name, SQL type) of the columns as stored in the warehouse, after privacy treatment.

    Child ids become `child_key` (keyed hash); a case system's own references keep their name,
    holding a keyed hash; dates of birth become `birth_month`; postcodes become
    `<name>_district`; other dates of birth repeated in secondary tables, and free text, are
    dropped.
    Every table also carries `council_code` (whose child/case the row is), `submitted_by` (the
    registry entry whose submission held it), `submission_id` and `source_row`.
    """
    out: list[tuple[str, str]] = [("council_code", "VARCHAR")]
    for column in table.columns:
        name = stored_name(column)
        if name is not None and column.name != "council_code":
            out.append((name, "DATE" if column.privacy == "birth_date" else column.sql_type))
    out += DERIVED_COLUMNS.get(table.name, [])
    out += [("submitted_by", "VARCHAR"), ("submission_id", "VARCHAR"), ("source_row", "INTEGER")]
    return out


# Worked out at the door, while the exact date of birth is still known.
DERIVED_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "adoption_decisions": [("age_at_decision_years", "INTEGER")],
}
