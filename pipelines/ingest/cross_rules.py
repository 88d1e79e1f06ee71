"""Rules that span tables (DfE 903 validation numbers), checked in DuckDB over accepted rows.

They produce warnings, not rejections: the rows are kept (each is valid on its own) and the
council is asked to put the record straight. Each query returns the row it is about.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from data_contracts.rules import explain
from pipelines.ingest.validate import PART

WARNING_COLUMNS = ["file_name", "canonical_table", "source_row", "rule", "dfe_rule", "message"]

# Each query may use the views children, episodes, adoption_decisions, adoption_matches
# (canonical text columns plus part, file_name and source_row). A batch holds several
# submissions: rows only ever meet rows of the same part (submission).
CROSS_RULES: dict[str, tuple[str, str]] = {
    "rule_601_adopted_needs_ad1": (
        "episodes",
        """select e.part, e.file_name, e.source_row from episodes e
           where e.rec in ('E11', 'E12') and not exists (
               select 1 from adoption_matches m where m.part = e.part and m.child_id = e.child_id)""",
    ),
    "rule_523_date_int_matches_decision": (
        "adoption_matches",
        """select m.part, m.file_name, m.source_row from adoption_matches m
           where m.decision_date is not null and not exists (
               select 1 from adoption_decisions d
               where d.part = m.part and d.child_id = m.child_id
                 and d.decision_date = m.decision_date)""",
    ),
    "rule_553_placement_order_needs_decision": (
        "episodes",
        """select e.part, min_by(e.file_name, e.decom), min_by(e.source_row, e.decom)
           from episodes e
           where e.legal_status in ('E1', 'D1') and not exists (
               select 1 from adoption_decisions d where d.part = e.part and d.child_id = e.child_id)
           group by e.part, e.child_id""",
    ),
    "rule_558_adopted_plan_not_ceased": (
        "adoption_decisions",
        """select d.part, d.file_name, d.source_row from adoption_decisions d
           where d.decision_ceased_date is not null
             and d.decision_date = (select max(d2.decision_date) from adoption_decisions d2
                                    where d2.part = d.part and d2.child_id = d.child_id)
             and exists (select 1 from episodes e
                         where e.part = d.part and e.child_id = d.child_id
                           and e.rec in ('E11', 'E12'))""",
    ),
    "rule_579_decisions_overlap": (
        "adoption_decisions",
        """select d.part, d.file_name, d.source_row from adoption_decisions d
           join adoption_decisions p
             on p.part = d.part and p.child_id = d.child_id and p.decision_date < d.decision_date
           where p.decision_ceased_date is null or p.decision_ceased_date > d.decision_date""",
    ),
    "dob_before_decom": (
        "episodes",
        """select e.part, e.file_name, e.source_row from episodes e
           join children c on c.part = e.part and c.child_id = e.child_id
           where try_cast(e.decom as date) < try_cast(c.date_of_birth as date)""",
    ),
    "child_not_in_header": (
        "episodes",
        """select e.part, min_by(e.file_name, e.decom), min_by(e.source_row, e.decom)
           from episodes e
           where e.part in (select part from children) and not exists (
               select 1 from children c where c.part = e.part and c.child_id = e.child_id)
           group by e.part, e.child_id""",
    ),
}

_VIEW_COLUMNS = {
    "children": ["child_id", "date_of_birth"],
    "episodes": ["child_id", "decom", "dec", "rec", "legal_status", "place"],
    "adoption_decisions": ["child_id", "decision_date", "decision_ceased_date"],
    "adoption_matches": ["child_id", "decision_date", "match_date"],
}
CARRIED = [PART, "file_name", "source_row"]


def cross_table_warnings(accepted: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Warnings for every part of the batch: WARNING_COLUMNS plus part."""
    columns = [*WARNING_COLUMNS, PART]
    if "episodes" not in accepted and "adoption_matches" not in accepted:
        return pd.DataFrame(columns=columns)
    con = duckdb.connect()
    try:
        for view, view_columns in _VIEW_COLUMNS.items():
            frame = accepted.get(view)
            if frame is None:
                frame = pd.DataFrame(columns=[*view_columns, *CARRIED], dtype="str")
                frame = frame.astype({PART: "int64", "source_row": "int64"})
            con.register(
                view, pa.Table.from_pandas(frame[[*view_columns, *CARRIED]], preserve_index=False)
            )
        found = []
        for rule, (table, sql) in CROSS_RULES.items():
            rule_text = explain(rule)
            found += [
                (f, table, int(r), rule, rule_text.dfe_rule, rule_text.explanation, int(p))
                for p, f, r in con.execute(sql).fetchall()
            ]
    finally:
        con.close()
    # Sorted as the council reads its file (DuckDB returns rows in no fixed order).
    ordered = pd.DataFrame(found, columns=columns).sort_values([PART, "file_name", "source_row"])
    return ordered.reset_index(drop=True)
