"""Rules that span tables (DfE 903 validation numbers), checked in DuckDB over accepted rows.

They produce warnings, not rejections: the rows are kept (each is valid on its own) and the
council is asked to put the record straight. Each query returns the row it is about.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data_contracts.rules import explain

WARNING_COLUMNS = ["file_name", "canonical_table", "source_row", "rule", "dfe_rule", "message"]

# Each query may use the views children, episodes, adoption_decisions, adoption_matches
# (canonical text columns plus file_name and source_row).
CROSS_RULES: dict[str, tuple[str, str]] = {
    "rule_601_adopted_needs_ad1": (
        "episodes",
        """select e.file_name, e.source_row from episodes e
           where e.rec in ('E11', 'E12')
             and not exists (select 1 from adoption_matches m where m.child_id = e.child_id)""",
    ),
    "rule_523_date_int_matches_decision": (
        "adoption_matches",
        """select m.file_name, m.source_row from adoption_matches m
           where m.decision_date is not null and not exists (
               select 1 from adoption_decisions d
               where d.child_id = m.child_id and d.decision_date = m.decision_date)""",
    ),
    "rule_553_placement_order_needs_decision": (
        "episodes",
        """select min_by(e.file_name, e.decom), min_by(e.source_row, e.decom) from episodes e
           where e.legal_status in ('E1', 'D1')
             and not exists (select 1 from adoption_decisions d where d.child_id = e.child_id)
           group by e.child_id""",
    ),
    "rule_558_adopted_plan_not_ceased": (
        "adoption_decisions",
        """select d.file_name, d.source_row from adoption_decisions d
           where d.decision_ceased_date is not null
             and d.decision_date = (select max(d2.decision_date) from adoption_decisions d2
                                    where d2.child_id = d.child_id)
             and exists (select 1 from episodes e
                         where e.child_id = d.child_id and e.rec in ('E11', 'E12'))""",
    ),
    "rule_579_decisions_overlap": (
        "adoption_decisions",
        """select d.file_name, d.source_row from adoption_decisions d
           join adoption_decisions p on p.child_id = d.child_id and p.decision_date < d.decision_date
           where p.decision_ceased_date is null or p.decision_ceased_date > d.decision_date""",
    ),
    "dob_before_decom": (
        "episodes",
        """select e.file_name, e.source_row from episodes e
           join children c on c.child_id = e.child_id
           where try_cast(e.decom as date) < try_cast(c.date_of_birth as date)""",
    ),
    "child_not_in_header": (
        "episodes",
        """select min_by(e.file_name, e.decom), min_by(e.source_row, e.decom) from episodes e
           where (select count(*) from children) > 0
             and not exists (select 1 from children c where c.child_id = e.child_id)
           group by e.child_id""",
    ),
}

_VIEW_COLUMNS = {
    "children": ["child_id", "date_of_birth"],
    "episodes": ["child_id", "decom", "dec", "rec", "legal_status", "place"],
    "adoption_decisions": ["child_id", "decision_date", "decision_ceased_date"],
    "adoption_matches": ["child_id", "decision_date", "match_date"],
}


def cross_table_warnings(accepted: dict[str, pd.DataFrame]) -> pd.DataFrame:
    if "episodes" not in accepted and "adoption_matches" not in accepted:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    con = duckdb.connect()
    try:
        for view, columns in _VIEW_COLUMNS.items():
            frame = accepted.get(view)
            if frame is None:
                frame = pd.DataFrame(columns=[*columns, "file_name", "source_row"], dtype="str")
                frame["source_row"] = frame["source_row"].astype("int64")
            con.register(view, frame[[*columns, "file_name", "source_row"]])
        found = []
        for rule, (table, sql) in CROSS_RULES.items():
            rows = con.execute(sql).fetchall()
            rule_text = explain(rule)
            found += [
                (f, table, int(r), rule, rule_text.dfe_rule, rule_text.explanation) for f, r in rows
            ]
    finally:
        con.close()
    return pd.DataFrame(found, columns=WARNING_COLUMNS)
