"""Our flags on the files the reference engine validated: ingest them as a council submission
(as tests/ingest/test_submissions.py does with the peer data) into a throwaway warehouse and read
audit.rejections and audit.warnings back."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from data_contracts.rules import RULES
from data_contracts.tables import TABLES
from pipelines.ingest.cross_rules import CROSS_RULES
from pipelines.ingest.landing import read_submission
from pipelines.ingest.submission import ingest_submissions
from pipelines.registry import load_registry
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schemas

COUNCIL = "NTH"  # a demo council whose dialect is plain SSDA903
FLAGS = """
    select file_name, canonical_table, source_row, rule, dfe_rule, 'rejection' as kind
    from audit.rejections where source_row is not null
    union all
    select file_name, canonical_table, source_row, rule, dfe_rule, 'warning' from audit.warnings
"""
FILES = "select file_name, canonical_table, rows_received from audit.file_loads"


def our_flags(input_dir: Path, collection_year: int) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """(flags: file_name, canonical_table, source_row, rule, dfe_rule, kind; files:
    file_name, canonical_table, rows_received; seconds) for the submission `input_dir`."""
    with tempfile.TemporaryDirectory(prefix="dfe-ours-") as tmp:
        settings = Settings.from_env(
            landing_dir=Path(tmp) / "landing",
            warehouse_dir=Path(tmp) / "warehouse",
            pseudonym_key="dfe-reference-comparison",
        )
        folder = settings.landing_dir / COUNCIL / input_dir.parent.name
        shutil.copytree(input_dir, folder)
        # The year the reference ran for (its end year, 2025 for 2024-25; ours is its start).
        (folder / "submission.yaml").write_text(f"collection_year: {collection_year - 1}\n")
        registry = load_registry(settings.councils_file)
        con = connect(settings.database)
        try:
            ensure_schemas(con)
            started = time.perf_counter()
            submission = read_submission(COUNCIL, folder)
            due = [(registry.get(COUNCIL), submission)]
            outcome = ingest_submissions(con, settings, registry, due)[0]
            seconds = time.perf_counter() - started
            if outcome.status != "loaded":
                raise RuntimeError(f"our ingestion did not load {input_dir}: {outcome.message}")
            return con.sql(FLAGS).df(), con.sql(FILES).df(), seconds
        finally:
            con.close()


def numbered_rules() -> dict[str, str]:
    """DfE rule number -> our rule name, for every rule our rules table gives a number."""
    return {rule.dfe_rule: name for name, rule in RULES.items() if rule.dfe_rule}


def checked_tables() -> dict[str, set[str]]:
    """Our rule name -> the canonical tables it reports rows of, for every rule that some check
    actually emits (a row check in a contract, or a cross-table query)."""
    found: dict[str, set[str]] = {}
    for table in TABLES.values():
        for check in table.model.to_schema().checks:
            found.setdefault(check.name, set()).add(table.name)
    for name, queries in CROSS_RULES.items():
        found.setdefault(name, set()).update(queries)
    return found
