"""The comparison with the DfE reference engine (bench/dfe_reference/compare.py): the join of both
sides' flagged rows and the agreement sums, on a hand-made example (no reference engine)."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.dfe_reference.compare import (
    compare,
    our_keys,
    rejected_rows,
    rejection_reasons,
    scopes,
)
from bench.dfe_reference.report import differences_section

# The reference's rows are 0-based data rows; ours are file lines (header = line 1).
REFERENCE = pd.DataFrame(
    [
        ("408", "Episodes", "episodes.csv", 0),
        ("408", "Episodes", "episodes.csv", 1),
        ("408", "Episodes", "episodes.csv", 2),  # a row we rejected for another rule
        ("523", "AD1", "ad1.csv", 0),
        ("523", "PlacedAdoption", "placed_for_adoption.csv", 0),  # ours reports AD1 only
        ("999", "Header", "header.csv", 4),  # a rule we give no number
    ],
    columns=["rule", "table", "file_name", "row"],
)
OURS = pd.DataFrame(
    [
        ("episodes.csv", "episodes", 2, "rule_408", "408", "rejection"),
        ("episodes.csv", "episodes", 3, "rule_408", "408", "rejection"),
        ("episodes.csv", "episodes", 5, "rule_408", "408", "rejection"),  # row 3: ours only
        ("episodes.csv", "episodes", 4, "required", None, "rejection"),
        ("ad1.csv", "adoption_matches", 2, "rule_523", "523", "warning"),
        ("ad1.csv", "adoption_matches", 2, "rule_523", "523", "warning"),  # counted once
    ],
    columns=["file_name", "canonical_table", "source_row", "rule", "dfe_rule", "kind"],
)
SCOPE = {"408": {"episodes.csv"}, "523": {"ad1.csv"}}


def test_our_rows_are_file_lines_and_the_references_data_rows():
    keys = our_keys(OURS)
    assert keys.values.tolist() == [
        ["408", "episodes.csv", 0], ["408", "episodes.csv", 1], ["408", "episodes.csv", 3],
        ["523", "ad1.csv", 0],
    ]  # fmt: skip
    assert sorted(rejected_rows(OURS)["row"]) == [0, 1, 2, 3]


def test_agreement_both_ways_per_rule():
    table, differences = compare(REFERENCE, our_keys(OURS), SCOPE, rejected_rows(OURS))
    by_rule = table.set_index("rule")
    assert by_rule.loc["408", ["reference", "ours", "both", "rejected_by_us"]].tolist() == [
        3, 3, 2, 1,
    ]  # fmt: skip
    assert by_rule.loc["408", "agree_ref"] == pytest.approx(2 / 3)
    assert by_rule.loc["408", "agree_ours"] == pytest.approx(2 / 3)
    # The reference's PlacedAdoption flag is outside what our 523 reports on: not counted.
    assert by_rule.loc["523", ["reference", "ours", "both", "elsewhere"]].tolist() == [1, 1, 1, 1]
    assert by_rule.loc["523", "agree_ref"] == by_rule.loc["523", "agree_ours"] == 1
    assert by_rule.loc["999", ["reference", "ours", "both"]].tolist() == [1, 0, 0]
    assert by_rule.loc["999", "agree_ref"] == 0 and by_rule.loc["999", "agree_ours"] is None
    assert differences[["rule", "row", "side"]].values.tolist() == [
        ["408", 2, "reference"], ["408", 3, "ours"], ["999", 4, "reference"],
    ]  # fmt: skip


def test_without_a_scope_every_reference_flag_counts():
    table, _ = compare(REFERENCE, our_keys(OURS))
    assert table.set_index("rule").loc["523", ["reference", "both", "elsewhere"]].tolist() == [
        2, 1, 0,
    ]  # fmt: skip


def test_scopes_are_the_files_of_the_tables_our_rules_report_on():
    files = pd.DataFrame(
        {"file_name": ["episodes.csv", "ad1.csv"],
         "canonical_table": ["episodes", "adoption_matches"]}
    )  # fmt: skip
    found = scopes(files)
    assert found["408"] == {"episodes.csv"}
    assert found["523"] == {"ad1.csv"}


def test_differences_name_the_rules_we_held_each_row_back_for():
    reasons = rejection_reasons(OURS).set_index(["file_name", "row"])["we_rejected_for"]
    assert reasons.to_dict() == {
        ("episodes.csv", 0): "rule_408", ("episodes.csv", 1): "rule_408",
        ("episodes.csv", 2): "required", ("episodes.csv", 3): "rule_408",
    }  # fmt: skip


def test_the_report_explains_every_numbered_rule_from_the_rules_table():
    lines = differences_section()
    assert any(line.startswith("- **553** (`rule_553_placement_order_needs_decision`)")
               for line in lines)  # fmt: skip
    assert any(line.startswith("- **390**") and "the same check" in line for line in lines)
