"""Key dates and per-child measures (domain A.1-A.3) on the hand-worked journeys (scenario.py)."""

from datetime import date

import pytest


def journey(built, council, child):
    return built.one(
        "select entered_care_date, placement_order_date, match_date, moved_in_date,"
        " moved_in_with_foster_carers_date, adoption_order_date, a1_days, a10_days, a2_days,"
        " a3_within_14_months, consent_only, is_adopted, financial_year"
        " from star.fct_adoption_journeys"
        " where council_code = ? and child_key = ? and is_latest_plan_of_period",
        council,
        child,
    )


def test_match_before_order_scores_zero(built):
    row = journey(built, "NTH", "C1")
    assert row[1] == date(2020, 1, 10) and row[2] == date(2019, 12, 1)
    assert row[6:10] == (305, 305, 0, True)


def test_consent_only_has_no_a2(built):
    row = journey(built, "NTH", "C2")
    assert row[1] is None and row[10] is True
    assert row[6:10] == (366, 366, None, True)  # 29 Feb 2020 in the span


def test_foster_carer_adoption_shortens_a10_not_a1(built):
    row = journey(built, "NTH", "C3")
    assert row[3] == date(2019, 8, 1)  # moved in (A5 episode)
    assert row[4] == date(2018, 9, 1)  # stepped back over RNE T and L to the RNE P episode
    assert row[6:10] == (478, 144, 92, False)


def test_disrupted_placement_uses_final_run(built):
    row = journey(built, "ASH", "C4")
    assert row[3] == date(2020, 6, 1)
    assert row[2] == date(2020, 5, 1)  # the later match
    assert row[6:10] == (503, 503, 305, False)
    assert built.rows(
        "select placement_start_date, is_disrupted, disruption_date from star.fct_adoption_placements"
        " where council_code = 'ASH' and child_key = 'C4' order by placement_start_date"
    ) == [(date(2019, 10, 1), True, date(2020, 2, 1)), (date(2020, 6, 1), False, None)]


def test_only_the_adopted_period_counts(built):
    periods = built.rows(
        "select period_number, period_start_date, period_end_date, ended_in_adoption"
        " from star.fct_periods_of_care where council_code = 'ASH' and child_key = 'C5'"
        " order by period_number"
    )
    assert periods == [
        (1, date(2016, 3, 1), date(2016, 9, 1), False),
        (2, date(2017, 2, 1), date(2019, 5, 20), True),
    ]
    row = journey(built, "ASH", "C5")
    assert row[0] == date(2017, 2, 1)
    assert row[6:10] == (485, 485, 111, False)


@pytest.mark.parametrize(
    ("child", "moved_in", "a1", "within"),
    [("C6a", date(2020, 2, 29), 425, False), ("C6b", date(2020, 2, 28), 424, True)],
)
def test_a3_fourteen_month_edge_on_a_leap_day(built, child, moved_in, a1, within):
    # entered 2018-12-31 + 14 months = 2020-02-29; moving in that day is not "before" it
    row = journey(built, "NTH", child)
    assert row[3] == moved_in
    assert row[6:10] == (a1, a1, 228, within)


def test_adoption_order_financial_year_boundaries(built):
    assert journey(built, "NTH", "C2")[12] == "2020-21"  # 31 March 2021
    assert journey(built, "NTH", "C3")[12] == "2020-21"  # 1 April 2020
    assert journey(built, "ASH", "C7")[12] == "2021-22"  # 1 April 2021


def test_reversed_and_waiting_journeys_are_not_adopted(built):
    rows = built.rows(
        "select child_key, is_adopted, is_reversed, reason_ceased from star.fct_adoption_journeys"
        " where child_key in ('C8', 'C9') order by child_key"
    )
    assert rows == [("C8", False, False, None), ("C9", False, True, "RD3")]
