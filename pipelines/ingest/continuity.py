"""Whether a council's children keep their ids from one export to the next.

A child's key is a keyed hash of the council's id for it, so ids that change wholesale (a case
system renumbering its children after a migration, a spreadsheet removing every id's leading
zeros, a prefix added) give every child a new key. Each night's figures stay right, since every
table of the export changes together, but nothing joins the children to their own history and
nothing says so. So a new submission whose children are mostly not those of the submission in
use is queried: loaded as it is, and the council (its report) and the data team (the night's log
and an email) are asked to check its ids. A year's turnover leaves most children in place (those
still looked after), while renumbering leaves almost none.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from data_contracts.profiles import Profile
from data_contracts.rules import explain
from pipelines.ingest.batch import SUBMISSION

RULE = "child_ids_changed"
TOO_FEW_TO_TELL = 20  # children in the submission in use: fewer, and a change says little
KEPT_AT_LEAST = 0.5  # the share of them the new export must still hold

COMPARED = """
with incoming as (
    select distinct submitted_by as council_code, child_key from incoming_children
), in_use as (
    select distinct submitted_by as council_code, submission_id, child_key
    from canonical.children
    where submitted_by in (select council_code from incoming)
)
select
    u.council_code,
    any_value(u.submission_id) as in_use,
    count(*) as children_in_use,
    count(i.child_key) as still_sent,
    (select count(*) from incoming as n where n.council_code = u.council_code) as sent
from in_use as u
left join incoming as i using (council_code, child_key)
group by u.council_code
"""


def changed_ids(con: duckdb.DuckDBPyConnection, children: pa.Table | None) -> dict[str, str]:
    """Council -> the query's message, for each council whose new children (`children`: their
    stored rows, `submitted_by` and `child_key`) hold fewer than KEPT_AT_LEAST of the children
    in use. Read before the new rows replace them."""
    if children is None or not children.num_rows:
        return {}
    con.register("incoming_children", children.select(["submitted_by", "child_key"]))
    try:
        rows = con.execute(COMPARED).fetchall()
    finally:
        con.unregister("incoming_children")
    return {
        council: explain(RULE).explanation.format(
            how_many=f"Only {still_sent:,} of" if still_sent else "None of",
            children_in_use=f"{children_in_use:,}",
            in_use=in_use,
            new=f"{sent - still_sent:,}",
        )
        for council, in_use, children_in_use, still_sent, sent in rows
        if children_in_use >= TOO_FEW_TO_TELL and still_sent < KEPT_AT_LEAST * children_in_use
    }


def changed_ids_queries(outcome) -> list[str]:
    """The messages of an outcome's continuity query (none, or one)."""
    warnings = outcome.warnings
    if not len(warnings):
        return []
    return warnings.loc[warnings["rule"] == RULE, "message"].tolist()


def query_line(message: str, file_loads: pd.DataFrame, profile: Profile) -> dict:
    """The query as a line of the submission's warnings: on its children's table as a whole."""
    children = file_loads[file_loads["canonical_table"] == "children"]
    mapping = profile.tables.get("children")
    return {
        "file_name": children["file_name"].iloc[0] if len(children) else SUBMISSION,
        "canonical_table": "children",
        "source_row": pd.NA,
        "rule": RULE,
        "dfe_rule": None,
        "message": message,
        "source_column": mapping.source_column("child_id") if mapping else None,
        "offending_value": None,
    }
