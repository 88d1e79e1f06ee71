"""Rules that span tables (most with a DfE 903 number), checked in DuckDB.

They produce warnings, not rejections: the rows are kept (each is valid on its own) and the
council is asked to put the record straight. A warning only ever points at an accepted row; the
rows it is compared with are every row the council sent, accepted or held back (a decision held
back for its reason code was still made on its date: telling the council it is missing would be
wrong). data_contracts/dfe_rules.yaml says, rule by rule, what the DfE reference does and where
ours differs.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from data_contracts.rules import explain
from pipelines.ingest.validate import PART

# A query's column and value sent, where a row-level check raised it (its value shown as the
# rejections' are: a protected column's by its shape only); a cross-table rule names neither.
WARNING_COLUMNS = ["file_name", "canonical_table", "source_row", "rule", "dfe_rule", "message",
                   "source_column", "offending_value"]  # fmt: skip

# Each query may use, per table (children, episodes, adoption_decisions, adoption_matches), the
# view of its accepted rows under the table's name and `sent_<table>`: every row sent (accepted or
# held back), with `accepted` true or false. Columns are the canonical text columns (dates ISO
# text, as sent when held back: read them with try_cast) plus part, file_name and source_row. A
# batch holds several submissions: rows only ever meet rows of the same part (submission). A rule
# reports rows of one or more tables (as the DfE reference does: both sides of a mismatch), one
# query per table, each returning (part, file_name, source_row) of accepted rows.
_ADOPTED_IN_YEAR = """
    select e.* from sent_episodes e
    where e.rec in ('E11', 'E12')
      and try_cast(e.dec as date) between make_date(e.collection_year, 4, 1)
                                      and make_date(e.collection_year + 1, 3, 31)"""
_AD1_ITEM_BLANK = """(m.decision_date is null or m.match_date is null
      or m.foster_carer_adoption is null or m.number_of_adopters is null
      or m.adopter_sex is null or m.adopter_legal_status is null)"""
# 523: an AD1 DATE_INT that equals no DATE_PLACED sent for the child (who has one at least).
_DATE_INT_UNMATCHED = """
    select m.* from sent_adoption_matches m
    where try_cast(m.decision_date as date) is not null
      and exists (select 1 from sent_adoption_decisions s
                  where s.part = m.part and s.child_id = m.child_id
                    and try_cast(s.decision_date as date) is not null)
      and not exists (select 1 from sent_adoption_decisions s
                      where s.part = m.part and s.child_id = m.child_id
                        and try_cast(s.decision_date as date)
                            = try_cast(m.decision_date as date))"""
# 1003: each child's first episode with RNE = S (earliest DECOM), against every DATE_PLACED.
_DECIDED_BEFORE_FIRST_START = """
    from sent_episodes e join sent_adoption_decisions d
      on d.part = e.part and d.child_id = e.child_id
    where e.rne = 'S'
      and try_cast(e.decom as date) = (
          select min(try_cast(f.decom as date)) from sent_episodes f
          where f.part = e.part and f.child_id = e.child_id and f.rne = 'S')
      and try_cast(d.decision_date as date) < try_cast(e.decom as date)"""
# 521: an adoption placement (A3-A6) that starts before an AD1 DATE_INT of the child.
_PLACED_BEFORE_DATE_INT = """
    from sent_episodes e join sent_adoption_matches m
      on m.part = e.part and m.child_id = e.child_id
    where e.place in ('A3', 'A4', 'A5', 'A6')
      and try_cast(m.decision_date as date) > try_cast(e.decom as date)"""
# 335: an episode ending in adoption placed with (A2, A3, A5) or not with (A1, A4, A6) the
# current foster carer, against AD1 FOSTER_CARE 0 or 1 (DfE also lists REC E1, no such code).
_FOSTER_CARE_MISMATCH = """
    from sent_episodes e join sent_adoption_matches m
      on m.part = e.part and m.child_id = e.child_id
    where e.rec in ('E1', 'E11', 'E12')
      and ((e.place in ('A2', 'A3', 'A5') and m.foster_carer_adoption = '0')
           or (e.place in ('A1', 'A4', 'A6') and m.foster_carer_adoption = '1'))"""


# Each episode with the start of the child's next one (A.1: how periods of care are joined):
# made once per batch, as `sent_episodes_with_next`, for the rules that read it.
_WITH_NEXT_START = """
    select e.part, e.file_name, e.source_row, e.accepted, e.dec, e.rec,
           lead(try_cast(e.decom as date)) over (
               partition by e.part, e.child_id order by try_cast(e.decom as date)) as next_start
    from sent_episodes e"""


def _zeros_lost(table: str) -> str:
    """A child's first row in `table` whose CHILD is no Header child's, but is one once the zeros
    at the start of both are left out: a spreadsheet saving one file may have read the ids as
    numbers. The council is told; the two are never taken to be the same child."""
    return f"""select x.part, min_by(x.file_name, x.source_row), min(x.source_row)
           from {table} x
           where not exists (select 1 from sent_children c
                             where c.part = x.part and c.child_id = x.child_id)
             and exists (select 1 from sent_children c
                         where c.part = x.part
                           and ltrim(c.child_id, '0') = ltrim(x.child_id, '0'))
           group by x.part, x.child_id"""


def _rows(alias: str, body: str) -> str:
    """The accepted rows of `alias` among a join's rows, once each."""
    return (
        f"select distinct {alias}.part, {alias}.file_name, {alias}.source_row {body} "
        f"and {alias}.accepted"
    )


CROSS_RULES: dict[str, dict[str, str]] = {
    "adopted_without_ad1": {
        "episodes": """select e.part, e.file_name, e.source_row from episodes e
           where e.rec in ('E11', 'E12') and not exists (
               select 1 from sent_adoption_matches m
               where m.part = e.part and m.child_id = e.child_id)""",
    },
    "rule_601_ad1_blank_for_adopted": {
        "episodes": f"""select distinct e.part, e.file_name, e.source_row
           from ({_ADOPTED_IN_YEAR}) e join sent_adoption_matches m
             on m.part = e.part and m.child_id = e.child_id
           where {_AD1_ITEM_BLANK} and e.accepted""",
        "adoption_matches": f"""select m.part, m.file_name, m.source_row from adoption_matches m
           where {_AD1_ITEM_BLANK} and exists (
               select 1 from ({_ADOPTED_IN_YEAR}) e
               where e.part = m.part and e.child_id = m.child_id)""",
    },
    "rule_523_date_int_matches_decision": {
        "adoption_matches": f"""select part, file_name, source_row from ({_DATE_INT_UNMATCHED})
           where accepted""",
        "adoption_decisions": f"""select distinct d.part, d.file_name, d.source_row
           from adoption_decisions d join ({_DATE_INT_UNMATCHED}) m
             on m.part = d.part and m.child_id = d.child_id
           where try_cast(d.decision_date as date) is not null""",
    },
    "rule_521_date_int_before_placement": {
        "episodes": _rows("e", _PLACED_BEFORE_DATE_INT),
        "adoption_matches": _rows("m", _PLACED_BEFORE_DATE_INT),
    },
    "rule_335_foster_care_matches_placement": {
        "episodes": _rows("e", _FOSTER_CARE_MISMATCH),
        "adoption_matches": _rows("m", _FOSTER_CARE_MISMATCH),
    },
    "rule_553_placement_order_needs_decision": {
        # Every E1 episode of a child with no PlacedAdoption row sent.
        "episodes": """select e.part, e.file_name, e.source_row from episodes e
           where e.legal_status = 'E1' and not exists (
               select 1 from sent_adoption_decisions s
               where s.part = e.part and s.child_id = e.child_id)""",
        # A decision recorded as ceased while the child's E1 episode is still open.
        "adoption_decisions": """select d.part, d.file_name, d.source_row from adoption_decisions d
           where (d.decision_ceased_date is not null or d.reason_ceased is not null)
             and exists (select 1 from sent_episodes e
                         where e.part = d.part and e.child_id = d.child_id
                           and e.legal_status = 'E1' and e.dec is null)""",
    },
    "rule_558_adopted_plan_not_ceased": {
        "adoption_decisions": """select d.part, d.file_name, d.source_row
           from adoption_decisions d
           where d.decision_ceased_date is not null
             and d.decision_date = (select max(d2.decision_date) from adoption_decisions d2
                                    where d2.part = d.part and d2.child_id = d.child_id)
             and exists (select 1 from sent_episodes e
                         where e.part = d.part and e.child_id = d.child_id
                           and e.rec in ('E11', 'E12'))""",
    },
    "rule_579_decisions_overlap": {
        "adoption_decisions": """select d.part, d.file_name, d.source_row
           from adoption_decisions d
           join adoption_decisions p
             on p.part = d.part and p.child_id = d.child_id and p.decision_date < d.decision_date
           where p.decision_ceased_date is null or p.decision_ceased_date > d.decision_date""",
    },
    "rule_1003_decision_within_period": {
        "episodes": _rows("e", _DECIDED_BEFORE_FIRST_START),
        "adoption_decisions": _rows("d", _DECIDED_BEFORE_FIRST_START),
    },
    "episode_open_before_a_later_one": {
        "episodes": """select part, file_name, source_row from sent_episodes_with_next
           where accepted and dec is null and next_start is not null""",
    },
    "x1_followed_by_a_gap": {
        "episodes": """select part, file_name, source_row from sent_episodes_with_next
           where accepted and rec = 'X1' and try_cast(dec as date) < next_start""",
    },
    "dob_before_decom": {
        "episodes": """select e.part, e.file_name, e.source_row from episodes e
           join sent_children c on c.part = e.part and c.child_id = e.child_id
           where try_cast(e.decom as date) < try_cast(c.date_of_birth as date)""",
    },
    "child_not_in_header": {
        "episodes": """select e.part, min_by(e.file_name, e.decom), min_by(e.source_row, e.decom)
           from episodes e
           where e.part in (select part from sent_children) and not exists (
               select 1 from sent_children c where c.part = e.part and c.child_id = e.child_id)
           group by e.part, e.child_id""",
    },
    "child_id_leading_zeros_lost": {
        table: _zeros_lost(table)
        for table in ("episodes", "adoption_decisions", "adoption_matches")
    },
}

_VIEW_COLUMNS = {
    "children": ["child_id", "date_of_birth"],
    "episodes": [
        "child_id", "decom", "dec", "rec", "rne", "legal_status", "place", "collection_year",
    ],
    "adoption_decisions": ["child_id", "decision_date", "decision_ceased_date", "reason_ceased"],
    "adoption_matches": [
        "child_id", "decision_date", "match_date", "foster_carer_adoption", "number_of_adopters",
        "adopter_sex", "adopter_legal_status",
    ],
}  # fmt: skip
_TYPES = {PART: "int64", "source_row": "int64", "collection_year": "int64"}
CARRIED = [PART, "file_name", "source_row"]


def cross_table_warnings(
    accepted: dict[str, pd.DataFrame], held_back: dict[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """Warnings for every part of the batch: WARNING_COLUMNS plus part. `held_back`: the rows
    validation held back, per table (compared with, never reported on)."""
    columns = [*WARNING_COLUMNS, PART]
    if "episodes" not in accepted and "adoption_matches" not in accepted:
        return pd.DataFrame(columns=columns)
    held_back = held_back or {}
    con = duckdb.connect()
    try:
        for view, view_columns in _VIEW_COLUMNS.items():
            wanted = [*view_columns, *CARRIED]
            con.register(view, _arrow(accepted.get(view), wanted))
            con.register(f"held_back_{view}", _arrow(held_back.get(view), wanted))
            con.execute(
                f"create view sent_{view} as select *, true as accepted from {view} "
                f"union all select *, false from held_back_{view}"
            )
        con.execute(f"create temp table sent_episodes_with_next as {_WITH_NEXT_START}")
        found = []
        for rule, queries in CROSS_RULES.items():
            rule_text = explain(rule)
            for table, sql in queries.items():
                found += [
                    (f, table, int(r), rule, rule_text.dfe_rule, rule_text.explanation, int(p))
                    for p, f, r in con.execute(sql).fetchall()
                ]
    finally:
        con.close()
    # Sorted as the council reads its file (DuckDB returns rows in no fixed order).
    named = ["file_name", "canonical_table", "source_row", "rule", "dfe_rule", "message", PART]
    ordered = pd.DataFrame(found, columns=named).sort_values([PART, "file_name", "source_row"])
    return ordered.reindex(columns=columns).reset_index(drop=True)


def _arrow(frame: pd.DataFrame | None, columns: list[str]) -> pa.Table:
    """The frame's columns as an Arrow table; an empty one of the same types when absent."""
    if frame is None:
        frame = pd.DataFrame(columns=columns, dtype="str")
    types = {c: t for c, t in _TYPES.items() if c in columns}
    return pa.Table.from_pandas(frame[columns].astype(types), preserve_index=False)
