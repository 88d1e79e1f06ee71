"""Rows rejected and queried per rule on the public 903 sets, as our ingestion sees them.

`python -m bench.peer_rules` loads each set in ../shared/peer-data (or RAA_PEER_DATA) as one
council's submission into a throwaway warehouse and writes bench/PEER_RULES.md: per file, rows
received / accepted / rejected, then per rule the rows rejected and queried, with the rule's
severity and DfE number. The reasons for the large counts are in the table's notes column,
from data_contracts/rules.py and bench/dfe_reference/differences.md.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from data_contracts.rules import explain
from pipelines.ingest.landing import read_submission
from pipelines.ingest.submission import ingest_submissions
from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT, Settings
from pipelines.warehouse import connect, ensure_schemas

OUT = Path(__file__).with_name("PEER_RULES.md")
# Why the large counts are what they are (checked by reading the rows; the sets are synthetic).
REASONS = {
    "sex_code_for_collection_year": "the 104k set is a 2024-25 return that still codes SEX 1/2 "
    "(M/F from 2024-25): every child, read as M/F as DfE does (DfE 101 flags the same rows)",
    "no_future_dates": "Reviews dated after the export: the 104k set's REVIEW dates run to 2041 "
    "(random synthetic dates); a review cannot be in the future, and no figure reads reviews",
    "dec_and_rec_together": "synthetic episodes with a REC but no DEC, or a DEC with no REC; "
    "kept (the period stays open; an E11 with no DEC is no adoption yet)",
    "legacy_freeing_order": "LS D1 used freely by the generators; read as a placement order",
    "rule_553_placement_order_needs_decision": "E1 episodes of children with no PlacedAdoption "
    "row: the synthetic tables are generated independently of each other",
    "rule_390_adopted_from_adoption_placement": "E11/E12 episodes from non-adoption placements "
    "(random PLACE); kept, so the adoption still counts in the cohort",
    "adopted_without_ad1": "adopted children with no AD1 row (independent synthetic tables)",
    "rule_1003_decision_within_period": "DATE_PLACED before the child's first episode "
    "(independent synthetic dates)",
    "rule_408_a5_a6_need_placement_order": "A5/A6 placements without LS E1 (random LS)",
    "code_not_on_list_left_blank": "PlacedAdoption REASON_PLACED_CEASED 'XXX' (a placeholder in "
    "both sets): the decision is kept, its reason left blank",
    "episode_open_before_a_later_one": "episodes left without a DEC while a later episode of the "
    "child follows (the generators write episodes independently); kept, read as lasting until "
    "the next one, in the same period of care",
    "duplicate_key": "two episodes of one child with the same DECOM (or reviews with the same "
    "date): both held back until the council says which is right",
}
SETS = ("cscsynth-national-104k", "d2i-fake-903")
COUNCIL = "NTH"  # a demo council whose dialect is plain SSDA903
BY_RULE = """
    select rule, any_value(dfe_rule) as dfe_rule, 'rejected' as outcome,
           count(distinct (file_name, source_row)) as rows_flagged
    from audit.rejections group by rule
    union all
    select rule, any_value(dfe_rule), 'queried', count(distinct (file_name, source_row))
    from audit.warnings group by rule
"""
FILES = """select file_name, rows_received, rows_accepted, rows_rejected
           from audit.file_loads order by file_name"""


def peer_root() -> Path:
    return Path(os.environ.get("RAA_PEER_DATA") or PROJECT_ROOT.parent / "shared" / "peer-data")


def load(source: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with tempfile.TemporaryDirectory(prefix="peer-rules-") as tmp:
        settings = Settings.from_env(landing_dir=Path(tmp) / "landing",
                                     warehouse_dir=Path(tmp) / "warehouse",
                                     pseudonym_key="peer-rules")  # fmt: skip
        folder = settings.landing_dir / COUNCIL / source.name
        shutil.copytree(source, folder)
        registry = load_registry(settings.councils_file)
        con = connect(settings.database)
        try:
            ensure_schemas(con)
            due = [(registry.get(COUNCIL), read_submission(COUNCIL, folder))]
            ingest_submissions(con, settings, registry, due)
            return con.sql(BY_RULE).df(), con.sql(FILES).df()
        finally:
            con.close()


def table(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    return lines + ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
                    for row in frame.itertuples(index=False)]  # fmt: skip


def main() -> None:
    text = ["# Public 903 sets: rows rejected and queried per rule", "",
            "Written by `python -m bench.peer_rules` (each set loaded as one council's "
            "submission). Severity policy: data_contracts/rules.py; DfE agreement: "
            "bench/DFE_REFERENCE.md.", ""]  # fmt: skip
    for name in SETS:
        by_rule, files = load(peer_root() / name)
        by_rule["severity"] = by_rule["rule"].map(lambda r: explain(r).severity)
        by_rule["why so many"] = by_rule["rule"].map(lambda r: REASONS.get(r, "").replace("|", "/"))
        by_rule = by_rule.sort_values("rows_flagged", ascending=False)
        text += [f"## {name}", "", *table(files), "", *table(by_rule), ""]
    OUT.write_text("\n".join(text) + "\n", encoding="utf-8")
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
