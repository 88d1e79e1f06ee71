"""Every rule a row can break, in words a council data officer understands, and what we do.

Severity policy (the one place it is decided; the council's report explains it):
- **reject**: the row cannot be used. Its key, or a date or code a figure needs, is unreadable
  or impossible (a date that is not a date, an end before its start, a code that is not on the
  list, a date after the export). The row is held back and the council is told why.
- **query**: the row can be used but looks wrong. Consistency rules (DfE 390, 408, 151, the
  pairing of DEC and REC, a code outside its collection year, ...) keep the row, flag it in
  `audit.warnings` and ask the council to check it. Rejecting such a row would do more harm
  than keeping it: an adoption episode held back for rule 390 removes the adoption itself from
  A1, A2 and A10.
- Code lists that changed between collection years are read as DfE reads them: SEX 1/2 in a
  2024-25 file is read as M/F (and M/F in an older file as 1/2), legacy legal status D1 as a
  placement order; each with a query.

Keys are the names pandera reports (column checks by their registered name, dataframe checks
by the `name=` given in the models) plus the rules the loader applies itself.
`{column}`, `{value}` and `{date_format}` are filled in per rejected value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REJECT, QUERY = "reject", "query"


@dataclass(frozen=True)
class Rule:
    explanation: str
    dfe_rule: str | None = None
    columns: tuple[str, ...] = ()  # canonical columns shown for row-level rules
    severity: str = REJECT  # reject: the row is held back; query: kept, and the council asked
    # A table whose check reads other columns than `columns` (which a table shows where it has
    # them): table -> the canonical columns its lines show.
    table_columns: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def columns_of(self, table: str) -> tuple[str, ...]:
        """The canonical columns a row-level line of this rule shows for `table`."""
        return self.table_columns.get(table, self.columns)


RULES: dict[str, Rule] = {
    # Column checks
    "required": Rule("{column} is blank but must be filled in."),
    "code_list": Rule("{column} has '{value}', which is not a code this layout allows."),
    "code_not_on_list_left_blank": Rule(
        "{column} has '{value}', which is not a code this layout allows. No figure needs it, so "
        "the row was kept with {column} left blank; please correct it.",
        severity=QUERY,
    ),
    "value_not_valid_left_blank": Rule(
        "{column} has '{value}', which is too long or not in the form this layout asks for. No "
        "figure needs it, so the row was kept with {column} left blank; please correct it.",
        severity=QUERY,
    ),
    "code_lower_case": Rule("{column} has '{value}': codes must be in capitals ('{upper}')."),
    "code_read_in_capitals": Rule(
        "{column} has '{value}': codes must be in capitals. It was read as '{upper}' and the row "
        "kept; please correct it.",
        severity=QUERY,
    ),
    "local_code_read_ignoring_case": Rule(
        "{column} has '{value}': this layout writes the code '{upper}'. It was read as '{upper}' "
        "and the row kept; please correct it.",
        severity=QUERY,
    ),
    "real_date": Rule("{column} has '{value}', which is not a real date written as {date_format}."),
    "date_format_iso": Rule(
        "{column} has a date written as yyyy-mm-dd, but this layout writes dates as {date_format}. "
        "The date is unambiguous, so it was read and the row kept; please export dates as "
        "{date_format}.",
        severity=QUERY,
    ),
    "date_format_unpadded": Rule(
        "{column} has a date written without its leading zeros (as 1/3/2020 for 01/03/2020), but "
        "this layout writes dates as {date_format}. The date is unambiguous, so it was read and "
        "the row kept; please export dates as {date_format} (a spreadsheet saving the file may "
        "have changed them).",
        severity=QUERY,
    ),
    "date_format_two_digit_year": Rule(
        "{column} has a date written with a two-digit year (as 1/3/20 for 01/03/2020), but this "
        "layout writes dates as {date_format}. It was read in the century putting it nearest this "
        "year (20 as 2020, 95 as 1995) and the row kept; please check the date and export dates as "
        "{date_format} (a spreadsheet saving the file may have shortened the years).",
        severity=QUERY,
    ),
    "text_length": Rule("{column} has '{value}', which is blank or too long."),
    "text_pattern": Rule("{column} has '{value}', which is not in the form this layout asks for."),
    "money": Rule("{column} has '{value}': amounts are pounds like 1234.50, no £ or commas."),
    "amount_formatted": Rule(
        "{column} has an amount written with a £ sign or GBP, thousands separators, brackets for "
        "a minus or a decimal comma (as £1,234.50, (£20.00) for -20.00, or 1234,50 in a file "
        "separated by ';'): this layout writes pounds like "
        "1234.50. The amount is unambiguous, so it was read and the row kept; please export "
        "amounts as plain numbers.",
        severity=QUERY,
    ),
    "whole_number": Rule("{column} has '{value}', which is not a whole number."),
    "duplicate_key": Rule(
        "Another row has the same {column}: each record must appear once. Both are held back "
        "until the council says which is right."
    ),
    "duplicate_row": Rule("This row repeats an earlier row exactly; the earlier copy was kept."),
    "ragged_row": Rule(
        "This row has {value} values but the header has more or fewer: the file may be cut "
        "short or a value may contain an unquoted comma."
    ),
    "value_spans_lines": Rule(
        "A value in quotes runs from line {first} onto line {last}: no value of the layout spans "
        "lines, so lines {first} to {last} were held back as this one row. Take the line break "
        "out of the value (or close the quote where the value ends) and send the row again."
    ),
    "council_not_registered": Rule(
        "{column} is '{value}', which is not a partner council in the registry."
    ),
    "council_mismatch": Rule(
        "{column} is '{value}', but this submission can only hold its own council's rows."
    ),
    # Row rules (dataframe checks in the contracts)
    "sex_code_for_collection_year": Rule(
        "SEX '{value}' is not used in this collection year (1/2 up to 2023-24, M/F/U from "
        "2024-25); it was read as the same sex in the year's codes.",
        dfe_rule="101",
        columns=("sex",),
        severity=QUERY,
    ),
    "no_future_dates": Rule(
        "A date in this row is after the export date (given at the top of the validation report).",
        # the dates each table's check reads: a table shows those it has (Episodes DECOM, DEC)
        columns=(
            "decom",
            "dec",
            "decision_date",
            "decision_ceased_date",
            "match_date",
            "review_date",
            "event_date",
            "referral_date",
            "assessment_date",
            "exchange_date",
        ),
        # The Header's check reads its date of birth, named (DOB) like any date, its value shown
        # by its shape only (redact.protected_sources). Other tables repeat the date of birth
        # but their checks do not read it, so they never name it.
        table_columns={"children": ("date_of_birth",)},
    ),
    "dec_on_or_after_decom": Rule(
        "The episode ends (DEC) before it starts (DECOM).", columns=("decom", "dec")
    ),
    "dec_and_rec_together": Rule(
        "An episode that has ended (DEC) needs a reason (REC), and a REC other than X1 needs a DEC.",
        columns=("dec", "rec"),
        severity=QUERY,
    ),
    "rule_408_a5_a6_need_placement_order": Rule(
        "Placement A5/A6 (placed for adoption under a placement order) needs legal status E1 "
        "(a legacy D1 order is queried too, as legacy_freeing_order).",
        dfe_rule="408",
        columns=("place", "legal_status"),
        severity=QUERY,
    ),
    "rule_390_adopted_from_adoption_placement": Rule(
        "An episode ending in adoption (E11/E12) must be an adoption placement A3-A6.",
        dfe_rule="390",
        columns=("rec", "place"),
        severity=QUERY,
    ),
    "legacy_freeing_order": Rule(
        "Legal status D1 (freeing order) is a legacy status no longer made; it was read as a "
        "placement order. Please check the legal status.",
        columns=("legal_status",),
        severity=QUERY,
    ),
    "place_code_for_year": Rule(
        "PLACE '{value}' is not valid for the episode's dates (K3 from 2024-25; H5, P2 and Z1 "
        "up to 2024-25; Z11-Z14 from 2025-26).",
        columns=("place",),
        severity=QUERY,
    ),
    "ceased_on_or_after_decision": Rule(
        "The adoption plan ends before the decision was made.",
        dfe_rule="522",
        columns=("decision_date", "decision_ceased_date"),
    ),
    "ceased_date_and_reason_together": Rule(
        "DATE_PLACED_CEASED and REASON_PLACED_CEASED go together: both or neither.",
        dfe_rule="119",
        columns=("decision_ceased_date", "reason_ceased"),
        severity=QUERY,
    ),
    "rule_151_ad1_all_or_none": Rule(
        "AD1 items must be all filled in or all blank.", dfe_rule="151", severity=QUERY
    ),
    "match_on_or_after_decision": Rule(
        "The match date (DATE_MATCH) is before the decision to place (DATE_INT).",
        columns=("decision_date", "match_date"),
        severity=QUERY,
    ),
    "end_on_or_after_start": Rule(
        "The end date is before the start date.", columns=("start_date", "end_date")
    ),
    "sdq_score_range": Rule("The SDQ score must be between 0 and 40.", columns=("sdq_score",)),
    "assessment_on_or_after_referral": Rule(
        "The assessment is dated before the referral.", columns=("referral_date", "assessment_date")
    ),
    "approved_not_above_applied": Rule(
        "More was approved than applied for.", columns=("amount_applied_gbp", "amount_approved_gbp")
    ),
    "decision_on_or_after_application": Rule(
        "The fund decided before the application.", columns=("application_date", "decision_date")
    ),
    "period_is_first_of_month": Rule(
        "The period must be the first day of a month.", columns=("period_month",)
    ),
    "amount_not_negative": Rule(
        "Amounts are positive: use INCOME lines for money received.", columns=("amount_gbp",)
    ),
    # Cross-table rules (queries: the row is kept and the council is asked to check it)
    "adopted_without_ad1": Rule(
        "The child was adopted (E11/E12) but there is no AD1 (match) record for the child.",
        severity=QUERY,
    ),
    "rule_601_ad1_blank_for_adopted": Rule(
        "The child was adopted (E11/E12) this collection year but AD1 items are blank (DATE_INT, "
        "DATE_MATCH, FOSTER_CARE, NB_ADOPTR, SEX_ADOPTR, LS_ADOPTR must all be filled in).",
        dfe_rule="601",
        severity=QUERY,
    ),
    "rule_523_date_int_matches_decision": Rule(
        "AD1 DATE_INT does not equal any PlacedAdoption DATE_PLACED sent for this child.",
        dfe_rule="523",
        severity=QUERY,
    ),
    "rule_521_date_int_before_placement": Rule(
        "AD1 DATE_INT (decision that the child should be placed) is after the start of one of the "
        "child's adoption placements (A3-A6): the decision must come first.",
        dfe_rule="521",
        severity=QUERY,
    ),
    "rule_335_foster_care_matches_placement": Rule(
        "AD1 FOSTER_CARE does not match the placement the child was adopted from: 1 (adopted by "
        "the foster carer) goes with A3/A5, 0 with A4/A6.",
        dfe_rule="335",
        severity=QUERY,
    ),
    "rule_553_placement_order_needs_decision": Rule(
        "The child has a placement order (LS E1) but no PlacedAdoption record; or the decision "
        "is recorded as ceased while the E1 episode is still open.",
        dfe_rule="553",
        severity=QUERY,
    ),
    "rule_558_adopted_plan_not_ceased": Rule(
        "The child was adopted but the adoption plan is recorded as ceased.",
        dfe_rule="558",
        severity=QUERY,
    ),
    "rule_579_decisions_overlap": Rule(
        "Two PlacedAdoption decisions for this child overlap in time.",
        dfe_rule="579",
        severity=QUERY,
    ),
    "rule_1003_decision_within_period": Rule(
        "DATE_PLACED (decision to place for adoption) is before the child first started to be "
        "looked after (the first episode with RNE S).",
        dfe_rule="1003",
        severity=QUERY,
    ),
    "episode_open_before_a_later_one": Rule(
        "The episode has no end date (DEC) but a later episode of the child starts after it: it "
        "is read as lasting until then, in the same period of care. Please add its DEC.",
        severity=QUERY,
    ),
    "x1_followed_by_a_gap": Rule(
        "The episode ends with X1 (a new episode starting the same day), but the child's next "
        "episode starts on a later day: the child is read as having left care in between. "
        "Please correct the REC or the dates.",
        severity=QUERY,
    ),
    "dob_before_decom": Rule("The episode starts before the child was born.", severity=QUERY),
    "child_not_in_header": Rule(
        "There is no child record (Header) for this child.", severity=QUERY
    ),
    "child_id_leading_zeros_lost": Rule(
        "CHILD matches no child in the Header, but does once the zeros at the start of the ids "
        "are left out: one file has the ids with their leading zeros and another without them. A "
        "spreadsheet opening and saving a file may have removed them. The rows are not taken to "
        "be the same child, so the child's records are not joined up; please send every file as "
        "your case system exports it.",
        severity=QUERY,
    ),
    "child_ids_changed": Rule(
        "{how_many} the {children_in_use} children in the submission in use ({in_use}) have "
        "the same id in this one, and {new} ids are new. If your case system renumbered its "
        "children, or a spreadsheet changed the ids (leading zeros removed, a prefix added), the "
        "children's records in this export no longer join up with what you sent before, though "
        "this export's own figures are still counted. Please check that the ids are the ones your "
        "case system holds: if they are, and it was the earlier submission's ids that were wrong, "
        "nothing more is needed; if the change is intended, tell the data team.",
        columns=("child_id",),
        severity=QUERY,
    ),
}


def explain(rule: str) -> Rule:
    return RULES.get(rule, Rule(f"Failed the check '{rule}'."))
