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
        by_rule["what it says"] = by_rule["rule"].map(
            lambda r: explain(r).explanation.split(".")[0].replace("|", "/")
        )
        by_rule = by_rule.sort_values("rows_flagged", ascending=False)
        text += [f"## {name}", "", *table(files), "", *table(by_rule), ""]
    OUT.write_text("\n".join(text) + "\n", encoding="utf-8")
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
