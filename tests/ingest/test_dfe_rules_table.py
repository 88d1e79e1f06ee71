"""The DfE rules table (data_contracts/dfe_rules.yaml) against the rules we declare, and every rule
in it broken by a tiny hand-made submission: the rule flags exactly the rows it should, and a
clean adoption journey breaks none."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from data_contracts.rules import RULES
from data_contracts.tables import TABLES
from pipelines.ingest.cross_rules import CROSS_RULES
from tests.ingest.helpers import EPISODES, HEADER, ingest, write

TABLE = yaml.safe_load((Path(__file__).parents[2] / "data_contracts/dfe_rules.yaml").read_text())
IMPLEMENTED = {entry["dfe_rule"]: entry for entry in TABLE["implemented"]}
NUMBERED = {rule.dfe_rule: name for name, rule in RULES.items() if rule.dfe_rule}


def reported_tables(rule: str) -> set[str]:
    """The canonical tables whose rows a rule of ours can flag."""
    found = set(CROSS_RULES.get(rule, {}))
    for table in TABLES.values():
        if any(check.name == rule for check in table.model.to_schema().checks):
            found.add(table.name)
    return found


def test_every_numbered_rule_is_in_the_table_and_every_entry_is_a_numbered_rule():
    assert len(IMPLEMENTED) == len(TABLE["implemented"]), "a DfE number twice in the table"
    assert len(NUMBERED) == sum(1 for r in RULES.values() if r.dfe_rule), "a number given twice"
    assert set(IMPLEMENTED) == set(NUMBERED)
    for number, entry in IMPLEMENTED.items():
        assert entry["our_rule"] == NUMBERED[number], number
        assert entry["severity"] == RULES[entry["our_rule"]].severity, number
        # No number without a check: some contract check or cross-table query emits the rule.
        assert reported_tables(entry["our_rule"]), f"{number} is declared but never checked"
        assert set(entry["reports_on"]) == reported_tables(entry["our_rule"]), number
        assert entry["dfe_message"] and entry["what_we_do"] and entry["dfe_tables"], number


def test_rules_we_do_not_number_are_not_numbered_and_name_real_rules_of_ours():
    not_implemented = [entry["dfe_rule"] for entry in TABLE["not_implemented"]]
    assert len(set(not_implemented)) == len(not_implemented)
    assert not set(not_implemented) & set(NUMBERED)
    for entry in TABLE["not_implemented"]:
        assert entry["reason"], entry["dfe_rule"]
        assert entry["ours"] is None or entry["ours"] in RULES, entry


PA = "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n"
AD1 = "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\n"
META = "reference_date: 2026-10-31\ncollection_year: 2024\n"  # 2024-25
DOB = "01/02/2022"


def episode(decom: str, rne: str, ls: str, place: str, dec: str = "", rec: str = "") -> str:
    return f"C1,{decom},{rne},{ls},N1,{place},PR1,{dec},{rec},,,,\n"


# A clean journey in 2024-25: fostered (line 2), then placed with the foster carers under a
# placement order and adopted (line 3); decided 01/03/2024, matched 01/05/2024.
FOSTERED = episode("01/05/2023", "S", "C2", "U1", "01/06/2024", "X1")
ADOPTED = episode("01/06/2024", "B", "E1", "A5", "01/12/2024", "E11")
CLEAN = {
    "header.csv": HEADER + f"C1,M,{DOB},WBRI,,,\n",
    "episodes.csv": EPISODES + FOSTERED + ADOPTED,
    "placed.csv": PA + f"C1,{DOB},01/03/2024,,\n",
    "ad1.csv": AD1 + f"C1,{DOB},01/03/2024,01/05/2024,1,1,F1,L0\n",
}


def changed(**files: str | None) -> dict[str, str]:
    """The clean journey with some files replaced (None: not sent)."""
    out = {**CLEAN, **{name.replace("_", "."): text for name, text in files.items()}}
    return {name: text for name, text in out.items() if text is not None}


# (our rule, the submission, the rows it must flag: (file, line)).
CASES = [
    ("sex_code_for_collection_year",  # 101: 1/2 in a 2024-25 return
     changed(header_csv=HEADER + f"C1,1,{DOB},WBRI,,,\n"), {("header.csv", 2)}),
    ("ceased_date_and_reason_together",  # 119: ceased with no reason
     changed(placed_csv=PA + f"C1,{DOB},01/03/2024,01/10/2024,\n"), {("placed.csv", 2)}),
    ("rule_151_ad1_all_or_none",
     changed(ad1_csv=AD1 + f"C1,{DOB},01/03/2024,01/05/2024,1,1,,L0\n"), {("ad1.csv", 2)}),
    ("rule_335_foster_care_matches_placement",  # adopted from A5 but FOSTER_CARE 0
     changed(ad1_csv=AD1 + f"C1,{DOB},01/03/2024,01/05/2024,0,1,F1,L0\n"),
     {("episodes.csv", 3), ("ad1.csv", 2)}),
    ("rule_390_adopted_from_adoption_placement",
     changed(episodes_csv=EPISODES + FOSTERED + episode("01/06/2024", "L", "E1", "U1",
                                                        "01/12/2024", "E11")),
     {("episodes.csv", 3)}),
    ("rule_408_a5_a6_need_placement_order",
     changed(episodes_csv=EPISODES + FOSTERED + episode("01/06/2024", "P", "C2", "A5",
                                                        "01/12/2024", "E11")),
     {("episodes.csv", 3)}),
    ("rule_521_date_int_before_placement",  # DATE_INT after the A5 placement began
     changed(ad1_csv=AD1 + f"C1,{DOB},01/07/2024,01/08/2024,1,1,F1,L0\n",
             placed_csv=PA + f"C1,{DOB},01/07/2024,,\n"),
     {("episodes.csv", 3), ("ad1.csv", 2)}),
    ("ceased_on_or_after_decision",  # 522: ceased before it was decided (rejected)
     changed(placed_csv=PA + f"C1,{DOB},01/03/2024,01/02/2024,RD1\n"), {("placed.csv", 2)}),
    ("rule_523_date_int_matches_decision",
     changed(ad1_csv=AD1 + f"C1,{DOB},15/02/2024,01/05/2024,1,1,F1,L0\n"),
     {("ad1.csv", 2), ("placed.csv", 2)}),
    ("rule_553_placement_order_needs_decision",  # E1 and no PlacedAdoption row at all
     changed(placed_csv=None), {("episodes.csv", 3)}),
    ("rule_553_placement_order_needs_decision",  # decision ceased, E1 episode still open
     changed(episodes_csv=EPISODES + FOSTERED + episode("01/06/2024", "B", "E1", "A5"),
             placed_csv=PA + f"C1,{DOB},01/03/2024,01/10/2024,RD3\n"),
     {("placed.csv", 2)}),
    ("rule_558_adopted_plan_not_ceased",
     changed(placed_csv=PA + f"C1,{DOB},01/03/2024,01/10/2024,RD3\n"), {("placed.csv", 2)}),
    ("rule_579_decisions_overlap",  # a second decision while the first is open
     changed(placed_csv=PA + f"C1,{DOB},01/03/2024,,\nC1,{DOB},01/04/2024,,\n"),
     {("placed.csv", 3)}),
    ("rule_601_ad1_blank_for_adopted",  # adopted in 2024-25, AD1 items blank
     changed(ad1_csv=AD1 + f"C1,{DOB},,,,,,\n"), {("episodes.csv", 3), ("ad1.csv", 2)}),
    ("rule_1003_decision_within_period",  # decided before care began
     changed(placed_csv=PA + f"C1,{DOB},01/03/2023,,\n",
             ad1_csv=AD1 + f"C1,{DOB},01/03/2023,01/05/2024,1,1,F1,L0\n"),
     {("episodes.csv", 2), ("placed.csv", 2)}),
    ("adopted_without_ad1",  # ours, no DfE number: adopted and no AD1 row at all
     changed(ad1_csv=None), {("episodes.csv", 3)}),
    ("episode_open_before_a_later_one",  # ours: fostering left open, then placed and adopted
     changed(episodes_csv=EPISODES + episode("01/05/2023", "S", "C2", "U1") + ADOPTED),
     {("episodes.csv", 2)}),
    ("x1_followed_by_a_gap",  # ours: X1, but the next episode starts a day later
     changed(episodes_csv=EPISODES + episode("01/05/2023", "S", "C2", "U1", "31/05/2024", "X1")
             + ADOPTED),
     {("episodes.csv", 2)}),
]  # fmt: skip


def flagged(outcome) -> set[tuple[str, str, int]]:
    lines = [outcome.rejections, outcome.warnings]
    return {
        (rule, file, int(row))
        for frame in lines
        for rule, file, row in zip(frame["rule"], frame["file_name"], frame["source_row"],
                                   strict=True)
        if row == row  # a whole-file line has no row
    }  # fmt: skip


def test_a_clean_adoption_journey_breaks_no_rule(settings, registry, warehouse):
    folder = settings.landing_dir / "NTH" / "clean"
    write(folder, CLEAN, META)
    outcome = ingest(warehouse, settings, registry, "NTH", folder)
    assert outcome.status == "loaded"
    assert flagged(outcome) == set()


def test_every_implemented_dfe_rule_has_a_case():
    assert {NUMBERED[n] for n in IMPLEMENTED} <= {rule for rule, _, _ in CASES}


@pytest.mark.parametrize(
    ("rule", "files", "expected"), CASES, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(CASES)]
)
def test_each_rule_flags_the_rows_that_break_it(settings, registry, warehouse, rule, files,
                                                expected):  # fmt: skip
    folder = settings.landing_dir / "NTH" / "case"
    write(folder, files, META)
    outcome = ingest(warehouse, settings, registry, "NTH", folder)
    assert outcome.status == "loaded"
    found = {(file, row) for r, file, row in flagged(outcome) if r == rule}
    assert found == expected, flagged(outcome)
    dfe_rule = RULES[rule].dfe_rule
    if dfe_rule:  # the council sees the DfE number on each line
        lines = [*outcome.rejections.itertuples(), *outcome.warnings.itertuples()]
        assert {line.dfe_rule for line in lines if line.rule == rule} == {dfe_rule}
