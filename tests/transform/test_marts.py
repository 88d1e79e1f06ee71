"""Exact mart figures for the hand-worked scenario (arithmetic in scenario.py)."""

from datetime import date
from decimal import Decimal

import pytest

EXACT = {"abs": 1e-9}


def scorecard(built, council, start, years):
    return built.one(
        "select children_adopted, a1_mean_days, a10_mean_days, a2_children, a2_mean_days,"
        " a3_share, england_a10_mean_days, england_a2_mean_days, a1_threshold_days"
        " from marts.scorecard_timeliness"
        " where council_code = ? and window_start = ? and window_years = ?",
        council,
        start,
        years,
    )


def test_scorecard_council_year(built):
    adopted, a1, a10, a2_n, a2, a3, *_ = scorecard(built, "NTH", date(2020, 4, 1), 1)
    assert adopted == 5
    assert a1 == pytest.approx(1998 / 5, **EXACT)  # 399.6
    assert a10 == pytest.approx(1664 / 5, **EXACT)  # 332.8: foster-carer adoption C3
    assert a2_n == 4  # C2 consent-only drops out
    assert a2 == pytest.approx(548 / 4, **EXACT)  # 137.0, C1 scores 0
    assert a3 == pytest.approx(0.6, **EXACT)


def test_window_boundaries(built):
    # 1 April 2020 (C3) belongs to 2020-21, not 2019-20; NTH has nobody in 2019-20
    assert scorecard(built, "NTH", date(2019, 4, 1), 1)[0] == 0
    # 1 April 2021 (C7) is in 2021-22 only
    assert scorecard(built, "ASH", date(2020, 4, 1), 1)[0] == 1
    assert scorecard(built, "ASH", date(2021, 4, 1), 1)[:2] == (1, 244.0)


def test_regional_pooling_is_not_a_mean_of_means(built):
    region = scorecard(built, "REGION", date(2020, 4, 1), 1)
    assert region[0] == 6
    assert region[1] == pytest.approx(2501 / 6, **EXACT)
    assert region[1] != pytest.approx((399.6 + 503) / 2, **EXACT)


def test_three_year_windows_and_england_averages(built):
    ash = scorecard(built, "ASH", date(2018, 4, 1), 3)
    assert ash[:2] == (2, 494.0)
    region = scorecard(built, "REGION", date(2018, 4, 1), 3)
    assert region[0] == 7
    assert region[1] == pytest.approx(2986 / 7, **EXACT)
    assert region[6:8] == (438.0, 196.0)  # England A10 / A2, 2018-21
    assert scorecard(built, "ASH", date(2019, 4, 1), 3)[1] == pytest.approx(1232 / 3, **EXACT)
    assert scorecard(built, "REGION", date(2019, 4, 1), 3)[6:8] == (445.0, 196.0)


def test_scorecard_window_labels(built):
    labels = dict(
        built.rows(
            "select window_years || ':' || window_start, window_label"
            " from marts.scorecard_timeliness where council_code = 'REGION'"
        )
    )
    assert labels["3:2018-04-01"] == "2018-21"
    assert labels["1:2020-04-01"] == "2020-21"


def quarter(built, council, start):
    return built.one(
        "select adm_decisions, placement_orders, matches, children_placed, adoption_orders,"
        " decisions_reversed, disruptions, children_waiting, waiting_mean_days_since_order,"
        " waiting_18_months_since_entered_care, waiting_12_months_since_order,"
        " waiting_18_months_since_order, order_to_match_mean_days,"
        " order_to_match_mean_days_rolling_12m"
        " from marts.raa_quarterly where council_code = ? and quarter_start = ?",
        council,
        start,
    )


def test_raa_quarterly_counts_and_waiting(built):
    row = quarter(built, "ASH", date(2020, 1, 1))
    assert row[:8] == (1, 0, 0, 0, 0, 1, 1, 2)
    assert row[8] == pytest.approx((274 + 669) / 2, **EXACT)
    assert row[9:12] == (1, 1, 1)


def test_raa_quarterly_next_quarters(built):
    q1 = quarter(built, "ASH", date(2020, 4, 1))
    assert q1[:8] == (0, 1, 1, 1, 0, 0, 0, 2)
    assert q1[12] == 305.0
    q2 = quarter(built, "ASH", date(2020, 7, 1))
    assert q2[2] == 1 and q2[12] == 92.0
    assert q2[13] == pytest.approx((305 + 92) / 2, **EXACT)


def test_raa_monthly_splits_the_quarter_by_month(built):
    """ASH's quarter from 1 April 2020 (one order, one match, one placement: see the scenario):
    C7's placement order and C4's match on 1 May, C4's move-in on 1 June, nothing in April."""
    rows = built.rows(
        "select month_start, placement_orders, matches, children_placed from marts.raa_monthly"
        " where council_code = 'ASH' and quarter_start = ? order by month_start",
        date(2020, 4, 1),
    )
    assert rows == [
        (date(2020, 4, 1), 0, 0, 0),
        (date(2020, 5, 1), 1, 1, 0),
        (date(2020, 6, 1), 0, 0, 1),
    ]


def test_children_waiting_as_of(built):
    rows = built.rows(
        "select council_code, child_key, waiting_stage, days_since_entered_care,"
        " days_since_decision, days_since_placement_order, match_date"
        " from marts.children_waiting order by council_code, child_key"
    )
    council = [
        ("C2", "adm_decision", 304, 121, None, None),  # matched only on 2020-05-01
        ("C4", "placement_order", 441, 365, 274, None),  # matched, placed, disrupted: match over
        ("C7", "adm_decision", 90, 30, None, None),
        ("C8", "placement_order", 820, 761, 669, None),
    ]
    region = [(("NTH:" if c == "C2" else "ASH:") + c, *rest) for c, *rest in council]
    assert rows == [
        *(("ASH", *r) for r in council if r[0] != "C2"),
        ("NTH", *council[0]),
        *sorted(("REGION", *r) for r in region),
    ]


def test_every_match_counts_in_its_quarter(built):
    """A.5: C4's first match, whose placement later disrupted, stays in its quarter."""
    row = quarter(built, "ASH", date(2019, 7, 1))
    assert row[:8] == (0, 2, 1, 0, 0, 0, 0, 3)
    assert row[12:14] == (62.0, 62.0)
    assert quarter(built, "ASH", date(2019, 10, 1))[3] == 1  # placed, later disrupted
    assert quarter(built, "REGION", date(2019, 7, 1))[2] == 1
    assert built.rows(
        "select match_date, is_latest_match_of_plan, order_to_match_days"
        " from star.fct_adoption_matches where child_key = 'C4' order by match_date"
    ) == [(date(2019, 9, 1), False, 62), (date(2020, 5, 1), True, 305)]
    assert built.one("select count(*) from star.fct_adoption_matches")[0] == 9


def test_partial_windows_are_flagged(built):
    """As of 2020-03-31 (the scenario's as-of date), 2019-20 is complete and 2020-21 partial."""
    flags = dict(
        built.rows(
            "select window_years || ':' || window_label, partial_as_of"
            " from marts.scorecard_timeliness where council_code = 'REGION'"
        )
    )
    assert flags["1:2019-20"] is None and flags["3:2017-20"] is None
    assert flags["1:2020-21"] == date(2020, 3, 31) and flags["3:2018-21"] == date(2020, 3, 31)
    assert built.one(
        "select count(*) from marts.scorecard_timeliness where is_partial <> (partial_as_of is not null)"
    ) == (0,)


def test_latest_england_comparator_with_its_window(built):
    """2018-21 and 2019-22 have their own England A10; 2017-20 has none of its own, so it carries
    the latest published before it (A1 2016-19), labelled with that window."""
    rows = {
        label: rest
        for label, *rest in built.rows(
            "select window_label, england_a10_mean_days, england_a10_window_label,"
            " england_a1_mean_days, england_a1_window_label"
            " from marts.scorecard_timeliness where council_code = 'REGION' and window_years = 3"
        )
    }
    assert rows["2018-21"][:2] == [438.0, "2018-21"]
    assert rows["2019-22"][:2] == [445.0, "2019-22"]
    assert rows["2017-20"] == [None, None, 486.0, "2016-19"]
    comparators = built.rows(
        "select comparator, comparator_mean_days, comparator_window_label, is_same_window"
        " from marts.scorecard_comparators where council_code = 'REGION'"
        " and window_label = '2017-20' and window_years = 3 order by indicator"
    )
    # England only: the statistical neighbours' rows in the seed are Thurrock's
    assert comparators == [
        ("england", 486.0, "2016-19", False),
        ("england", 201.0, "2016-19", False),
    ]


def test_priority_children(built):
    row = built.one(
        "select children_adopted, aged_5_plus, sibling_group_placed_together,"
        " ethnicity_other_than_wbri, ethnicity_unknown, disabled, any_priority"
        " from marts.priority_children where council_code = 'NTH' and financial_year = '2020-21'"
    )
    # C6a's REFU is unknown, not other than WBRI (A.5): other 1 (C3), unknown 1
    assert row == (5, 1, 2, 1, 1, 2, 5)


def test_placement_sufficiency(built):
    rows = built.rows(
        "select financial_year, children_placed, placed_in_region, placed_interagency,"
        " in_region_share from marts.placement_sufficiency where council_code = 'NTH'"
        " order by financial_year"
    )
    # 2018-19: another council's first placement starts the years; NTH placed none (0 of 0)
    assert rows == [("2018-19", 0, 0, 0, None), ("2019-20", 4, 3, 1, 0.75),
                    ("2020-21", 1, 0, 1, 0.0)]  # fmt: skip


def test_adopter_pipeline(built):
    row = built.one(
        "select enquiries, registrations, approvals, early_permanence_approvals, withdrawals,"
        " registration_to_approval_mean_days, approved_within_6_months_share,"
        " approved_households_waiting, matched_within_3_months_share"
        " from marts.adopter_pipeline where council_code = 'NTH' and quarter_start = '2020-10-01'"
    )
    # H1 173 days (within 6 months, matched in 52 days), H2 310 days (not matched)
    assert row == (1, 0, 2, 1, 1, 241.5, 0.5, 1, 0.5)
    assert built.rows(
        "select withdrawal_reason, withdrawals from marts.adopter_withdrawals"
        " where council_code = 'REGION'"
    ) == [("changed circumstances", 1)]


def test_adoption_support(built):
    rows = built.rows(
        "select month_start, support_assessments, asf_applications, asf_amount_applied_gbp,"
        " asf_amount_approved_gbp, letterbox_exchanges from marts.adoption_support"
        " where council_code = 'NTH' order by month_start"
    )
    assert rows == [
        (date(2021, 1, 1), 1, 2, Decimal("2300.50"), Decimal("0.00"), 2),
        (date(2021, 2, 1), 0, 0, Decimal("0.00"), Decimal("1200.25"), 0),
        (date(2021, 3, 1), 0, 0, Decimal("0.00"), Decimal("0.00"), 0),  # the region's months
    ]
    # ASH's case, application and exchange share NTH's ids (councils number their own): kept,
    # and counted for ASH alone
    assert built.rows(
        "select month_start, support_assessments, asf_applications, asf_amount_applied_gbp,"
        " asf_amount_approved_gbp, letterbox_exchanges from marts.adoption_support"
        " where council_code = 'ASH' and (support_assessments + asf_applications"
        " + letterbox_exchanges > 0 or asf_amount_approved_gbp > 0)"
    ) == [(date(2021, 3, 1), 1, 1, Decimal("400.00"), Decimal("0.00"), 1)]


def test_windows_end_at_every_quarter_end(built):
    """Boards quote rolling figures ("A1 for the three years ending September 2020").
    3 years to Sep 2020 (2017-10-01 .. 2020-09-30): C5 (2019-05-20, A1 485, A10 485) and C3
    (2020-04-01, A1 478, A10 144) -> REGION 2 children, A1 963/2 = 481.5, A10 629/2 = 314.5.
    12 months to Dec 2020 (2020-01-01 .. 2020-12-31), NTH: C3 478, C6a 425, C6b 424 -> 1327/3."""
    region = built.one(
        "select window_start, children_adopted, a1_mean_days, a10_mean_days,"
        " is_financial_year_window from marts.scorecard_timeliness"
        " where council_code = 'REGION' and window_label = '3 years to Sep 2020'"
    )
    assert region == (date(2017, 10, 1), 2, 481.5, 314.5, False)
    nth = built.one(
        "select window_start, window_end, children_adopted, a1_mean_days"
        " from marts.scorecard_timeliness"
        " where council_code = 'NTH' and window_label = '12 months to Dec 2020'"
    )
    assert nth[:3] == (date(2020, 1, 1), date(2020, 12, 31), 3)
    assert nth[3] == pytest.approx(1327 / 3, **EXACT)
    official = built.rows(
        "select distinct window_label from marts.scorecard_timeliness"
        " where is_financial_year_window and window_years = 1 order by 1"
    )
    assert official == [("2019-20",), ("2020-21",), ("2021-22",)]


def test_windows_starting_before_the_data_are_flagged(built):
    """The scenario's first adoption order is in 2019-20: the three-year 2017-20 window holds
    one year of adoptions, so it starts before the data; 2019-20 (one year) does not."""
    flags = dict(
        built.rows(
            "select window_years || ':' || window_label, starts_before_data"
            " from marts.scorecard_timeliness where council_code = 'REGION'"
        )
    )
    assert flags["3:2017-20"] and flags["3:2018-21"]
    assert not flags["1:2019-20"] and not flags["3:2019-22"]
    assert built.one(
        "select count(*) filter (where starts_before_data <> (window_start < data_from)),"
        " count(distinct data_from), min(data_from) from marts.scorecard_timeliness"
    ) == (0, 1, date(2019, 4, 1))
