"""Which marts are published how: suppressed aggregates, money tables as they are, restricted
child-level tables. A mart missing here is withheld (and reported) until someone decides."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DisclosureRule:
    """Counts of children (or adopter households) in one aggregate mart.

    counts: columns withheld when 1..5.
    derived: column -> the counts it is based on (a mean or share is withheld with them).
    cell_group: columns that identify one table of cells whose council rows add up to the
        partnership row (secondary suppression across councils).
    row_totals: total column -> its parts in the same row (secondary suppression within a row).
    period_group: the column naming the longer period that each unit's rows add up to, whose
        total another mart publishes (raa_monthly's months add up to raa_quarterly's quarter;
        raa_quarterly's adoption orders to priority_children's year): one withheld cell of a
        council's period is never left alone.
    period_counts: the counts whose period total is published elsewhere (empty: every count).
    period: the columns of the first and last day each row counts its events over (a financial
        year's label, such as 2021-22, stands for 1 April to 31 March), for LINKED_COUNTS.
    not_counts: the other numbers, published as they are (a threshold, England's figure, a
        quarter's number). A number in none of these is left out of the snapshot, and the
        publish says so, until it is declared here: a count added to a mart was published
        with its 1 to 5 (newcomer probe).
    """

    counts: tuple[str, ...]
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cell_group: tuple[str, ...] = ()
    row_totals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    period_group: str = ""
    period_counts: tuple[str, ...] = ()
    period: tuple[str, str] = ()
    not_counts: tuple[str, ...] = ()

    @property
    def protected(self) -> tuple[str, ...]:
        return (*self.counts, *self.derived)

    def declares(self, mart: str) -> set[str]:
        """Every column this rule, or the mart's grain, says how to publish."""
        return {*self.protected, *self.not_counts, *self.cell_group, *self.period,
                self.period_group, *GRAIN.get(mart, ())}  # fmt: skip


# adoption_support's counts, by month, and launch_comparison's, before and since the launch.
SUPPORT_COUNTS = ("support_referrals", "support_assessments", "asf_applications",
                  "asf_applications_approved", "letterbox_exchanges", "letterbox_exchanges_in",
                  "letterbox_exchanges_out")  # fmt: skip

AGGREGATE_MARTS: dict[str, DisclosureRule] = {
    "scorecard_timeliness": DisclosureRule(
        counts=("children_adopted", "a1_children", "a10_children", "a2_children",
                "a3_children_within_14_months"),
        derived={
            "a1_mean_days": ("a1_children",),
            "a10_mean_days": ("a10_children",),
            "a2_mean_days": ("a2_children",),
            "a3_share": ("a3_children_within_14_months", "children_adopted"),
        },
        cell_group=("window_start", "window_end"),
        period=("window_start", "window_end"),
        not_counts=("a1_threshold_days", "a2_threshold_days", "england_a1_mean_days",
                    "england_a10_mean_days", "england_a2_mean_days"),
    ),
    "raa_quarterly": DisclosureRule(
        counts=("adm_decisions", "placement_orders", "matches", "children_placed",
                "adoption_orders", "decisions_reversed", "disruptions", "matched_with_order",
                "matched_with_order_rolling_12m", "children_waiting",
                "waiting_18_months_since_entered_care", "waiting_12_months_since_order",
                "waiting_18_months_since_order"),
        derived={
            "order_to_match_mean_days": ("matched_with_order",),
            "order_to_match_mean_days_rolling_12m": ("matched_with_order_rolling_12m",),
            "waiting_mean_days_since_order": ("children_waiting",),
            "waiting_mean_days_since_entered_care": ("children_waiting",),
        },
        cell_group=("quarter_start",),
        # A year's adoption orders are priority_children.children_adopted, its placements
        # placement_sufficiency.children_placed, and the funding formula's driver counts
        # (cost_apportionment, published as it is) give a year's decisions, orders and placements.
        period_group="financial_year",
        period_counts=("adm_decisions", "placement_orders", "children_placed", "adoption_orders"),
        period=("quarter_start", "quarter_end"),
        not_counts=("financial_quarter",),
    ),
    "raa_monthly": DisclosureRule(
        counts=("adm_decisions", "placement_orders", "matches", "children_placed",
                "adoption_orders", "decisions_reversed", "disruptions", "adopter_enquiries",
                "adopter_approvals"),
        cell_group=("month_start",),
        period_group="quarter_start",
        period=("month_start", "month_end"),
    ),
    "adopter_pipeline": DisclosureRule(
        counts=("enquiries", "registrations", "stage1_starts", "stage2_starts", "approvals",
                "early_permanence_approvals", "matches", "withdrawals",
                "approved_households_waiting", "approvals_with_registration",
                "approved_within_6_months", "households_approved", "matched_within_3_months"),
        derived={
            "registration_to_approval_mean_days": ("approvals_with_registration",),
            "approved_within_6_months_share": ("approved_within_6_months",
                                               "approvals_with_registration"),
            "matched_within_3_months_share": ("matched_within_3_months", "households_approved"),
        },
        cell_group=("quarter_start",),
        period_group="financial_year",  # cost_apportionment.approvals_count: a year's approvals
        period_counts=("approvals",),
        period=("quarter_start", "quarter_end"),
    ),
    "adopter_withdrawals": DisclosureRule(
        counts=("withdrawals",), cell_group=("quarter_start", "withdrawal_reason"),
        # A council's reasons in a quarter add up to adopter_pipeline.withdrawals.
        period_group="quarter_start",
    ),
    "adoption_support": DisclosureRule(
        counts=SUPPORT_COUNTS,
        derived={
            "asf_amount_applied_gbp": ("asf_applications",),
            "asf_amount_approved_gbp": ("asf_applications_approved",),
        },
        cell_group=("month_start",),
        row_totals={"letterbox_exchanges": ("letterbox_exchanges_in", "letterbox_exchanges_out")},
        period_group="financial_year",  # cost_apportionment.support_cases_count: a year's cases
        period_counts=("support_referrals",),
        period=("month_start", "month_end"),
    ),
    "placement_sufficiency": DisclosureRule(
        counts=("children_placed", "placed_in_region", "placed_interagency",
                "placed_interagency_la", "placed_interagency_vaa", "placed_agency_unknown"),
        derived={"in_region_share": ("placed_in_region", "placed_interagency")},
        cell_group=("financial_year",),
        row_totals={
            "children_placed": ("placed_in_region", "placed_interagency", "placed_agency_unknown"),
            "placed_interagency": ("placed_interagency_la", "placed_interagency_vaa"),
        },
        period=("financial_year", "financial_year"),
    ),
    "launch_comparison": DisclosureRule(
        counts=("adm_decisions", "placement_orders", "matches", "placements_started",
                "adoption_orders", "adopter_approvals", "matched_with_care_start",
                "matched_with_order", *SUPPORT_COUNTS),
        derived={
            "care_to_match_mean_days": ("matched_with_care_start",),
            "order_to_match_mean_days": ("matched_with_order",),
            "asf_amount_applied_gbp": ("asf_applications",),
            "asf_amount_approved_gbp": ("asf_applications_approved",),
        },
        cell_group=("period",),
        row_totals={"letterbox_exchanges": ("letterbox_exchanges_in", "letterbox_exchanges_out")},
        period=("period_start", "period_end"),
        not_counts=("period_days",),
    ),
    "priority_children": DisclosureRule(
        counts=("children_adopted", "aged_5_plus", "sibling_group_recorded",
                "sibling_group_placed_together",
                "ethnicity_other_than_wbri", "ethnicity_unknown", "disabled", "any_priority"),
        derived={
            **{f"{name}_share": (name, "children_adopted")
               for name in ("aged_5_plus", "ethnicity_other_than_wbri", "disabled", "any_priority")},
            "sibling_group_placed_together_share": ("sibling_group_placed_together",
                                                    "sibling_group_recorded"),
        },
        cell_group=("financial_year",),
        period=("financial_year", "financial_year"),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Cells:
    """A mart's column of counts of events, each row's over its period (the mart's rule's
    `period`), or over the months_earlier months before it too (a rolling window)."""

    mart: str
    column: str
    months_earlier: int = 0
    # The family's count but for a missing date (a child with no A1 figure, an approved
    # household with no registration date): at most the count, and protected as if it were it.
    near: bool = False
    # The columns of the first and last day this column counts over, when not its mart's
    # `period` (launch_comparison's support, counted by whole months).
    period: tuple[str, str] = ()


# Counts of events published over periods that overlap without nesting (a council's adoption
# orders by month, by quarter, in rolling 12-month and 3-year windows, by year and since the
# launch), each with the same count in other marts. A withheld cell must not be worked out by
# adding and subtracting the shown ones (disclosure.py `_secondary_across_periods`). That each is
# the same count is checked on the demo (tests/operations/test_publish.py).
# A column that is another count of the same row, or is it but for a missing date (`near`: the
# scorecard's children with an A1 or A10 figure are its children adopted), is in that count's
# family: shown beside it, it gave away the cell withheld.
LINKED_COUNTS: dict[str, tuple[Cells, ...]] = {
    "adoption orders": (Cells("raa_monthly", "adoption_orders"),
                        Cells("raa_quarterly", "adoption_orders"),
                        Cells("scorecard_timeliness", "children_adopted"),
                        Cells("scorecard_timeliness", "a1_children", near=True),
                        Cells("scorecard_timeliness", "a10_children", near=True),
                        Cells("priority_children", "children_adopted"),
                        Cells("launch_comparison", "adoption_orders")),
    "ADM decisions": (Cells("raa_monthly", "adm_decisions"),
                      Cells("raa_quarterly", "adm_decisions"),
                      Cells("launch_comparison", "adm_decisions")),
    "placement orders": (Cells("raa_monthly", "placement_orders"),
                         Cells("raa_quarterly", "placement_orders"),
                         Cells("launch_comparison", "placement_orders")),
    # every match after a placement order is a match: where most are, matched_with_order is
    # matches but for a few (REGION's 24 of 25), and the two gave each other away
    "matches": (Cells("raa_monthly", "matches"), Cells("raa_quarterly", "matches"),
                Cells("launch_comparison", "matches"),
                Cells("raa_quarterly", "matched_with_order", near=True)),
    "children placed": (Cells("raa_monthly", "children_placed"),
                        Cells("raa_quarterly", "children_placed"),
                        Cells("placement_sufficiency", "children_placed"),
                        Cells("launch_comparison", "placements_started")),
    "plans reversed": (Cells("raa_monthly", "decisions_reversed"),
                       Cells("raa_quarterly", "decisions_reversed")),
    "disruptions": (Cells("raa_monthly", "disruptions"), Cells("raa_quarterly", "disruptions")),
    "adopter approvals": (Cells("raa_monthly", "adopter_approvals"),
                          Cells("adopter_pipeline", "approvals"),
                          Cells("adopter_pipeline", "households_approved"),
                          Cells("adopter_pipeline", "approvals_with_registration", near=True),
                          Cells("launch_comparison", "adopter_approvals")),
    "adopter enquiries": (Cells("raa_monthly", "adopter_enquiries"),
                          Cells("adopter_pipeline", "enquiries")),
    "matches after a placement order": (
        Cells("raa_quarterly", "matched_with_order"),
        Cells("raa_quarterly", "matched_with_order_rolling_12m", months_earlier=9)),
    **{f"support: {column}": (
        Cells("adoption_support", column),
        Cells("launch_comparison", column, period=("support_period_start", "support_period_end")))
       for column in SUPPORT_COUNTS},
    **{f"scorecard {column}": (Cells("scorecard_timeliness", column),)
       for column in ("a2_children", "a3_children_within_14_months")},
}  # fmt: skip

# Money and published reference figures, not counts of children: published as they are.
AS_IS_MARTS = ("cost_apportionment", "budget_variance", "formula_comparison",
               "scorecard_comparators")  # fmt: skip

# One row per child (pseudonymised): never in the general snapshot, only the restricted files.
CHILD_LEVEL_MARTS = ("children_waiting", "funding_driver_events", "interagency_recharges")

# The columns that identify one row of each published mart (meta.catalogue shows them; a test
# checks each is unique on the demo's snapshot).
GRAIN: dict[str, tuple[str, ...]] = {
    "scorecard_timeliness": ("council_code", "window_label", "window_years"),
    "scorecard_comparators": ("council_code", "window_label", "window_years", "indicator",
                              "comparator"),
    "raa_quarterly": ("council_code", "quarter_start"),
    "raa_monthly": ("council_code", "month_start"),
    "launch_comparison": ("council_code", "period"),
    "adopter_pipeline": ("council_code", "quarter_start"),
    "adopter_withdrawals": ("council_code", "quarter_start", "withdrawal_reason"),
    "adoption_support": ("council_code", "month_start"),
    "placement_sufficiency": ("council_code", "financial_year"),
    "priority_children": ("council_code", "financial_year"),
    "cost_apportionment": ("financial_year", "formula_version", "cost_pool", "council_code"),
    "budget_variance": ("financial_year", "period_month", "cost_pool", "formula_version",
                        "council_code"),
    "formula_comparison": ("financial_year", "cost_pool", "council_code", "formula_version"),
    "funding_driver_events": ("financial_year", "formula_version", "cost_pool", "council_code",
                              "driver", "event_date", "child_key", "household_id", "case_id",
                              "entry_id"),
    "interagency_recharges": ("financial_year", "council_code", "child_key", "fee_type",
                              "placement_date"),
    "children_waiting": ("council_code", "child_key", "period_key"),
}  # fmt: skip
