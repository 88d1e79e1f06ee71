"""Journeys at the edges of domain.md A.1 and A.5, each worked out on paper beside its rows, built
by the same `dbt build` as the main scenario but on their own (one council, NTH).

K1  placed (A6) 2020-04-05, disrupted 2020-04-20, placed again 2020-06-01: two placement starts
    in Q1 2020-21 (A.5: every start counts, also one that later disrupts).
K2  first episode 2018-01-01 .. 2018-03-01 ends X1, but the next starts 2018-06-01 (RNE S): a
    gap, so a new period (A.1). Entered care 2018-06-01; moved in 2019-01-01:
    A1 = 30 (Jun) + 31 + 31 + 30 + 31 + 30 + 31 (Dec) = 214 days (not 365 from 2018-01-01).
K3  matched 2020-09-15 with no placement order; the order is made 2021-01-10. Q2 2020-21 had
    one match and no match with an order when it closed, and keeps that (A.5: a past quarter
    never changes); the order counts in Q4.
K5  an E1 episode from 2019-01-01 left open (no DEC), then an A6 placement from 2019-06-01,
    adopted 2020-01-01: one period (nothing says K5 left care), entered 2019-01-01;
    A1 = 31 + 28 + 31 + 30 + 31 (Jan-May) = 151 days. Never waiting after 2019-06-01.
K6  an episode ends 2019-03-01 with REC E8 and the next starts that day (DECOM = previous DEC):
    one period all the same (A.1).
K7  ADM decision 2019-05-01, order 2019-06-01; the AD1 row's DATE_INT is mistyped 2019-04-01
    (before any decision; queried under rule 523) with DATE_MATCH 2019-09-01. Every match counts
    (A.5): Q2 2019-20 has 1 match, order -> match = 30 (Jun) + 31 + 31 = 92 days.
K8  foster-carer adoption (FOSTER_CARE 1) where the carer never changed: a period from
    2018-03-01 (RNE S, U5), then L (E1 from 2018-10-01), then L into A5 on 2019-04-01, adopted
    2019-12-01. A.2 steps back from the A5 episode over both L episodes to the period's first, so
    A10 ends on 2018-03-01: A10 = 0. A1 = 365 + 31 = 396; A2 = 2018-10-01 -> match 2019-03-01 =
    31 + 30 + 31 + 31 + 28 = 151.
K9  K8's journey a year earlier, after an earlier period (2016-01-01 .. 2016-05-01, returned
    home), and its second period's first episode wrongly coded RNE L: stepping back stops at the
    period's start (2017-03-01), never into the earlier period: A10 = 0, A1 = 396, A2 = 151.
K10 (council STH) entered care 2019-12-31, placement order 2020-03-31, never placed. Calendar
    months on the same day of the month, at the month's end when it has no such day (A.5):
    12 months since the order are reached on 2021-03-31, 18 on 2021-09-30; 18 months since
    entering care on 2021-06-30. So waiting 12+ since order from the quarter ending 2021-03-31,
    18+ since entering care from the one ending 2021-06-30, 18+ since order from 2021-09-30.
K11 two matches, the first not with the foster carers (FOSTER_CARE 0, placed A6 2018-10-01,
    disrupted 2019-01-01 back to foster care, RNE P), the second with them (FOSTER_CARE 1, A5
    from 2019-05-01, RNE L, adopted 2019-12-01). The adoption's match is the latest, so A10 steps
    back from 2019-05-01 to the 2019-01-01 episode (RNE P: a new carer, so no further):
    A10 = 2018-01-01 -> 2019-01-01 = 365; A1 = 365 + 31 + 28 + 31 + 30 = 485;
    A2 = order 2018-06-01 -> match 2019-04-01 = 30 + 31 + 31 + 30 + 31 + 30 + 31 + 31 + 28 + 31
    = 304.
K12 K11 the other way round: the first match with the foster carers (FOSTER_CARE 1, A5 from
    2018-10-01, RNE L) disrupts; the second (FOSTER_CARE 0) moves in with new adopters (A6 from
    2019-05-01, RNE P). Not a foster-carer adoption: A10 = A1 = 485; A2 = 304.
K13 adopted on 31 March 2022, the last day of the 2019-22 window and the as-of date itself:
    entered care 2021-04-01, order 2021-05-01, matched 2021-06-01, moved in 2021-07-01:
    A1 = A10 = 30 + 31 + 30 = 91; A2 = 31. The window is complete (it ends on the as-of date,
    not after it) and counts K13. NTH's 2019-22 cohort is K2, K5, K8, K11, K12 and K13:
    A1 = (214 + 151 + 396 + 485 + 485 + 91) / 6 = 1822 / 6; A10 = (214 + 151 + 0 + 365 + 485
    + 91) / 6 = 1306 / 6; A2 over the five with a match after an order (K5 was never matched):
    (61 + 151 + 304 + 304 + 31) / 5 = 851 / 5 (K2: order 2018-09-01 -> match 2018-11-01 = 61).
K14-K16 a 903 export's AD1 names no approving agency: the PLACE_PROVIDER of the episode the
    child moved in with stands in for it. Each moves in (A6) in 2016-17 and is not yet adopted:
    K14 with PR5 (voluntary agency), K15 with PR1 (the partnership's own), K16 with PR1 but an
    AD1 naming LA (the match says who approved the adopters, so LA). NTH's 2016-17 sufficiency:
    3 placed, 1 in region (K15), 2 interagency (K16 LA, K14 VAA), none of unknown agency.
K17 matched on 1 February 2017 (and home again in June), but its PlacedAdoption row never arrived
    (held back for a blank DATE_PLACED): every match counts (A.5), so Q4 2016-17 has one match,
    with the order of 1 December 2016: order -> match = 31 (Dec) + 31 (Jan) = 62 days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.transform.conftest import Built, build_scenario
from tests.transform.scenario import insert_rows

COUNCILS = [
    ("NTH", "Northmere", "ssda903", "partner", "North hub", False),
    ("STH", "Southmere", "ssda903", "partner", "South hub", False),
    ("REGION", "Test partnership", "n/a", "partner", None, True),
]
CHILDREN = (
    [
        ("NTH", k, "M", "2018-01-01", "WBRI", None)
        for k in ("K1", "K2", "K3", "K5", "K6", "K7", "K8", "K9", "K11", "K12", "K13")
    ]
    + [("STH", "K10", "F", "2018-01-01", "WBRI", None)]
    + [("NTH", k, "F", "2015-01-01", "WBRI", None) for k in ("K14", "K15", "K16", "K17")]
)
# K14-K16: episodes with their PLACE_PROVIDER (the other children's have none)
PROVIDED_EPISODES = [
    (k, start, rne, ls, place, provider, dec, "X1" if dec else None)
    for k, provider in (("K14", "PR5"), ("K15", "PR1"), ("K16", "PR1"))
    for start, rne, ls, place, provider, dec in (
        ("2016-04-01", "S", "C2", "U6", "PR1", "2016-06-01"),
        ("2016-06-01", "L", "E1", "U6", "PR1", "2016-09-01"),
        ("2016-09-01", "P", "E1", "A6", provider, None),
    )
]
EPISODES = [
    ("NTH", "K1", "2020-01-01", "S", "C2", "N1", "U6", "2020-03-01", "X1"),
    ("NTH", "K1", "2020-03-01", "L", "E1", "N1", "U6", "2020-04-05", "X1"),
    ("NTH", "K1", "2020-04-05", "P", "E1", "N1", "A6", "2020-04-20", "X1"),
    ("NTH", "K1", "2020-04-20", "P", "E1", "N1", "U6", "2020-06-01", "X1"),
    ("NTH", "K1", "2020-06-01", "P", "E1", "N1", "A6", None, None),
    ("NTH", "K2", "2018-01-01", "S", "V2", "N1", "U6", "2018-03-01", "X1"),
    ("NTH", "K2", "2018-06-01", "S", "C2", "N1", "U6", "2018-09-01", "X1"),
    ("NTH", "K2", "2018-09-01", "L", "E1", "N1", "U6", "2019-01-01", "X1"),
    ("NTH", "K2", "2019-01-01", "P", "E1", "N1", "A6", "2019-09-01", "E11"),
    ("NTH", "K3", "2020-07-01", "S", "V2", "N1", "U6", "2021-01-10", "X1"),
    ("NTH", "K3", "2021-01-10", "L", "E1", "N1", "U6", None, None),
    ("NTH", "K5", "2019-01-01", "S", "E1", "N1", "U6", None, None),
    ("NTH", "K5", "2019-06-01", "P", "E1", "N1", "A6", "2020-01-01", "E11"),
    ("NTH", "K6", "2019-01-01", "S", "V2", "N1", "U6", "2019-03-01", "E8"),
    ("NTH", "K6", "2019-03-01", "S", "C2", "N1", "U6", None, None),
    ("NTH", "K7", "2019-01-01", "S", "C2", "N1", "U6", "2019-06-01", "X1"),
    ("NTH", "K7", "2019-06-01", "L", "E1", "N1", "U6", None, None),
    ("NTH", "K8", "2018-03-01", "S", "C2", "N1", "U5", "2018-10-01", "X1"),
    ("NTH", "K8", "2018-10-01", "L", "E1", "N1", "U5", "2019-04-01", "X1"),
    ("NTH", "K8", "2019-04-01", "L", "E1", "N1", "A5", "2019-12-01", "E11"),
    ("NTH", "K9", "2016-01-01", "S", "V2", "N1", "U5", "2016-05-01", "E4A"),
    ("NTH", "K9", "2017-03-01", "L", "C2", "N1", "U5", "2017-10-01", "X1"),
    ("NTH", "K9", "2017-10-01", "L", "E1", "N1", "U5", "2018-04-01", "X1"),
    ("NTH", "K9", "2018-04-01", "L", "E1", "N1", "A5", "2018-12-01", "E11"),
    ("NTH", "K11", "2018-01-01", "S", "C2", "N1", "U5", "2018-06-01", "X1"),
    ("NTH", "K11", "2018-06-01", "L", "E1", "N1", "U5", "2018-10-01", "X1"),
    ("NTH", "K11", "2018-10-01", "P", "E1", "N1", "A6", "2019-01-01", "X1"),
    ("NTH", "K11", "2019-01-01", "P", "E1", "N1", "U5", "2019-05-01", "X1"),
    ("NTH", "K11", "2019-05-01", "L", "E1", "N1", "A5", "2019-12-01", "E11"),
    ("NTH", "K12", "2018-01-01", "S", "C2", "N1", "U5", "2018-06-01", "X1"),
    ("NTH", "K12", "2018-06-01", "L", "E1", "N1", "U5", "2018-10-01", "X1"),
    ("NTH", "K12", "2018-10-01", "L", "E1", "N1", "A5", "2019-01-01", "X1"),
    ("NTH", "K12", "2019-01-01", "P", "E1", "N1", "U4", "2019-05-01", "X1"),
    ("NTH", "K12", "2019-05-01", "P", "E1", "N1", "A6", "2019-12-01", "E11"),
    ("NTH", "K13", "2021-04-01", "S", "C2", "N1", "U6", "2021-05-01", "X1"),
    ("NTH", "K13", "2021-05-01", "L", "E1", "N1", "U6", "2021-07-01", "X1"),
    ("NTH", "K13", "2021-07-01", "P", "E1", "N1", "A6", "2022-03-31", "E11"),
    ("NTH", "K17", "2016-10-01", "S", "C2", "N1", "U6", "2016-12-01", "X1"),
    ("NTH", "K17", "2016-12-01", "L", "E1", "N1", "U6", "2017-06-01", "E4A"),
    ("STH", "K10", "2019-12-31", "S", "C2", "N1", "U6", "2020-03-31", "X1"),
    ("STH", "K10", "2020-03-31", "L", "E1", "N1", "U6", None, None),
]
DECISIONS = [
    ("NTH", "K1", "2020-02-01", None, None, 2),
    ("NTH", "K2", "2018-08-01", None, None, 0),
    ("NTH", "K3", "2020-08-01", None, None, 2),
    ("NTH", "K5", "2019-02-01", None, None, 1),
    ("NTH", "K7", "2019-05-01", None, None, 1),
    ("NTH", "K8", "2018-06-01", None, None, 0),
    ("NTH", "K9", "2017-06-01", None, None, 0),
    ("NTH", "K11", "2018-05-01", None, None, 0),
    ("NTH", "K12", "2018-05-01", None, None, 0),
    ("NTH", "K13", "2021-04-15", None, None, 2),
    ("STH", "K10", "2020-02-15", None, None, 2),
    *[("NTH", k, "2016-05-01", None, None, 1) for k in ("K14", "K15", "K16")],
]
MATCHES = [
    ("NTH", "K1", "2020-02-01", "2020-03-20", "0", "RAA", None, None),
    ("NTH", "K1", "2020-02-01", "2020-05-15", "0", "RAA", None, None),
    ("NTH", "K2", "2018-08-01", "2018-11-01", "0", "RAA", None, None),
    ("NTH", "K3", "2020-08-01", "2020-09-15", "0", "RAA", None, None),
    ("NTH", "K7", "2019-04-01", "2019-09-01", "0", "RAA", None, None),
    ("NTH", "K8", "2018-06-01", "2019-03-01", "1", "RAA", None, None),
    ("NTH", "K9", "2017-06-01", "2018-03-01", "1", "RAA", None, None),
    ("NTH", "K11", "2018-05-01", "2018-09-01", "0", "RAA", None, None),
    ("NTH", "K11", "2018-05-01", "2019-04-01", "1", "RAA", None, None),
    ("NTH", "K12", "2018-05-01", "2018-09-01", "1", "RAA", None, None),
    ("NTH", "K12", "2018-05-01", "2019-04-01", "0", "RAA", None, None),
    ("NTH", "K13", "2021-04-15", "2021-06-01", "0", "RAA", None, None),
    ("NTH", "K14", "2016-05-01", "2016-08-01", "0", None, None, None),
    ("NTH", "K15", "2016-05-01", "2016-08-01", "0", None, None, None),
    ("NTH", "K16", "2016-05-01", "2016-08-01", "0", "LA", None, None),
    ("NTH", "K17", "2016-11-01", "2017-02-01", "0", "RAA", None, None),
]


def _load(con) -> None:
    insert_rows(con, "councils", "council_code, council_name, dialect, role, hub, is_partnership",
                COUNCILS)  # fmt: skip
    insert_rows(con, "children", "council_code, child_key, sex, birth_month, ethnicity,"
                " disability", CHILDREN)  # fmt: skip
    insert_rows(con, "episodes", "council_code, child_key, decom, rne, legal_status, cin, place,"
                " dec, rec", EPISODES)  # fmt: skip
    insert_rows(con, "episodes", "council_code, child_key, decom, rne, legal_status, cin, place,"
                " place_provider, dec, rec",
                [("NTH", k, start, rne, ls, "N1", place, provider, dec, rec)
                 for k, start, rne, ls, place, provider, dec, rec in PROVIDED_EPISODES])  # fmt: skip
    insert_rows(con, "adoption_decisions", "council_code, child_key, decision_date,"
                " decision_ceased_date, reason_ceased, age_at_decision_years", DECISIONS)  # fmt: skip
    insert_rows(con, "adoption_matches", "council_code, child_key, decision_date, match_date,"
                " foster_carer_adoption, adopter_agency, adopter_household_id, sibling_group_id",
                MATCHES)  # fmt: skip


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Built:
    built = build_scenario(tmp_path_factory.mktemp("settled"), _load, as_of="2022-03-31")
    assert built.result.success, built.result.exception
    return built


def _quarter(edges: Built, start: str) -> dict:
    columns = ("matches", "children_placed", "disruptions", "placement_orders",
               "matched_with_order", "order_to_match_mean_days")  # fmt: skip
    row = edges.one(f"select {', '.join(columns)} from marts.raa_quarterly"
                    " where council_code = 'NTH' and quarter_start = ?",
                    dt.date.fromisoformat(start))  # fmt: skip
    return dict(zip(columns, row, strict=True))


def test_every_placement_start_counts_also_one_that_disrupted(edges):
    q1 = _quarter(edges, "2020-04-01")
    assert (q1["children_placed"], q1["disruptions"], q1["matches"]) == (2, 1, 1)


def test_x1_followed_by_a_gap_starts_a_new_period(edges):
    assert edges.rows("select period_start_date from star.fct_periods_of_care"
                      " where child_key = 'K2' order by 1") == [
        (dt.date(2018, 1, 1),), (dt.date(2018, 6, 1),)]  # fmt: skip
    assert edges.rows("select entered_care_date, a1_days from star.fct_adoption_journeys"
                      " where child_key = 'K2'") == [(dt.date(2018, 6, 1), 214)]  # fmt: skip


def test_a_past_quarter_keeps_its_raa16_when_an_order_comes_later(edges):
    q2 = _quarter(edges, "2020-07-01")
    assert (q2["matches"], q2["matched_with_order"], q2["order_to_match_mean_days"]) == (1, 0, None)
    assert _quarter(edges, "2021-01-01")["placement_orders"] == 1


def test_a_match_dated_before_every_decision_still_counts(edges):
    q2 = _quarter(edges, "2019-07-01")
    assert (q2["matches"], q2["matched_with_order"], q2["order_to_match_mean_days"]) == (1, 1, 92.0)
    assert edges.rows("select journey_key, match_date from star.fct_adoption_matches"
                      " where child_key = 'K7'") == [("NTH:K7:2019-05-01", dt.date(2019, 9, 1))]  # fmt: skip


def test_an_episode_left_open_runs_until_the_next_one(edges):
    assert edges.rows("select period_start_date, period_end_date from star.fct_periods_of_care"
                      " where child_key = 'K5'") == [(dt.date(2019, 1, 1), dt.date(2020, 1, 1))]  # fmt: skip
    assert edges.rows("select a1_days from star.fct_adoption_journeys where child_key = 'K5'") == [
        (151,)]  # fmt: skip
    # K7 alone waits (order 2019-06-01, never placed); K5's E1 episode left open is no wait
    for quarter in ("2019-07-01", "2020-04-01"):
        waiting = edges.one("select children_waiting from marts.raa_quarterly"
                            " where council_code = 'NTH' and quarter_start = ?",
                            dt.date.fromisoformat(quarter))  # fmt: skip
        assert waiting == (1,), quarter


def test_decom_on_the_previous_dec_joins_whatever_the_rec(edges):
    assert edges.rows("select count(*) from star.fct_periods_of_care where child_key = 'K6'") == [
        (1,)]  # fmt: skip


@pytest.mark.parametrize("child", ["K8", "K9"])
def test_a10_steps_back_to_the_periods_first_episode_and_no_further(edges, child):
    entered = {"K8": dt.date(2018, 3, 1), "K9": dt.date(2017, 3, 1)}[child]
    assert edges.rows("select entered_care_date, moved_in_with_foster_carers_date, a1_days,"
                      " a10_days, a2_days from star.fct_adoption_journeys"
                      " where child_key = ?", child) == [(entered, entered, 396, 0, 151)]  # fmt: skip


@pytest.mark.parametrize(
    ("quarter", "twelve_since_order", "eighteen_since_care", "eighteen_since_order"),
    [("2020-10-01", 0, 0, 0), ("2021-01-01", 1, 0, 0), ("2021-04-01", 1, 1, 0),
     ("2021-07-01", 1, 1, 1)],
)  # fmt: skip
def test_waiting_months_reached_at_the_end_of_a_shorter_month(
    edges, quarter, twelve_since_order, eighteen_since_care, eighteen_since_order
):
    assert edges.one("select children_waiting, waiting_12_months_since_order,"
                     " waiting_18_months_since_entered_care, waiting_18_months_since_order"
                     " from marts.raa_quarterly where council_code = 'STH' and quarter_start = ?",
                     dt.date.fromisoformat(quarter)) == (
        1, twelve_since_order, eighteen_since_care, eighteen_since_order)  # fmt: skip


@pytest.mark.parametrize(("child", "a10"), [("K11", 365), ("K12", 485)])
def test_the_adoptions_own_match_says_whether_foster_carers_adopted(edges, child, a10):
    assert edges.rows("select foster_carer_adoption, a1_days, a10_days, a2_days"
                      " from star.fct_adoption_journeys where child_key = ?", child) == [
        (child == "K11", 485, a10, 304)]  # fmt: skip


def test_a_window_ending_on_the_as_of_date_is_complete_and_counts_its_last_day(edges):
    row = edges.one("select is_partial, partial_as_of, children_adopted, a1_mean_days,"
                    " a10_mean_days, a2_children, a2_mean_days from marts.scorecard_timeliness"
                    " where council_code = 'NTH' and window_label = '2019-22'")  # fmt: skip
    assert row == (False, None, 6, pytest.approx(1822 / 6), pytest.approx(1306 / 6), 5,
                   pytest.approx(851 / 5))  # fmt: skip


def test_a_903_placement_provider_stands_in_for_the_agency_ad1_does_not_name(edges):
    placed = edges.one(
        """select children_placed, placed_in_region, placed_interagency, placed_interagency_la,
                  placed_interagency_vaa, placed_agency_unknown
           from marts.placement_sufficiency
           where council_code = 'NTH' and financial_year = '2016-17'"""
    )  # fmt: skip
    assert placed == (3, 1, 2, 1, 1, 0)


def test_sufficiency_counts_every_placement_start_as_the_quarterly_figures_do(edges):
    # A.5: children placed = every start of an adoption placement, also one that later disrupts.
    # K1 moved in twice in 2020-21 (2020-04-05, disrupted; 2020-06-01), each after an RAA match
    # (2020-03-20, 2020-05-15): 2 placed in region, not 1. K11 and K12 first moved in on
    # 2018-10-01 (disrupted 2019-01-01) after RAA matches of 2018-09-01: 2018-19 has K2, K9 and
    # both of those (4), so a year's figure does not fall when one of its placements later
    # disrupts; 2019-20 has K8, K11's and K12's second moves and K5 (never matched, so its
    # adopters' agency is unknown).
    sufficiency = edges.rows(
        """select financial_year, children_placed, placed_in_region, placed_interagency,
                  placed_agency_unknown
           from marts.placement_sufficiency
           where council_code = 'NTH' and financial_year between '2018-19' and '2020-21'
           order by financial_year"""
    )  # fmt: skip
    assert sufficiency == [
        ("2018-19", 4, 4, 0, 0), ("2019-20", 4, 3, 0, 1), ("2020-21", 2, 2, 0, 0)]  # fmt: skip
    quarterly = edges.rows(
        """select financial_year, cast(sum(children_placed) as integer)
           from marts.raa_quarterly
           where council_code = 'NTH' and financial_year between '2018-19' and '2020-21'
           group by financial_year order by financial_year"""
    )  # fmt: skip
    assert quarterly == [(year, placed) for year, placed, *_ in sufficiency]


def test_a_match_whose_decision_row_was_held_back_still_counts(edges):
    quarter = _quarter(edges, "2017-01-01")
    assert quarter["matches"] == 1 and quarter["matched_with_order"] == 1
    assert quarter["order_to_match_mean_days"] == 62


def test_a_year_with_no_placement_or_adoption_is_a_row_of_zeros(edges):
    # NTH placed children in 2016-17 and from 2018-19, none in 2017-18; it adopted none in
    # 2020-21. Those years are rows of 0s with no share (0 of 0), not missing rows that an
    # analyst's join to raa_quarterly turns into nulls. The years run to the as-of date's
    # (2021-22), as the quarters do.
    placed = edges.rows(
        """select financial_year, children_placed, placed_in_region, in_region_share
           from marts.placement_sufficiency where council_code = 'NTH' order by financial_year"""
    )  # fmt: skip
    assert [row[0] for row in placed] == [
        "2016-17", "2017-18", "2018-19", "2019-20", "2020-21", "2021-22"]  # fmt: skip
    assert placed[1] == ("2017-18", 0, 0, None)
    quarterly = dict(edges.rows(
        """select financial_year, cast(sum(children_placed) as integer) from marts.raa_quarterly
           where council_code = 'NTH' group by financial_year"""))  # fmt: skip
    assert all(quarterly[year] == count for year, count, *_ in placed)
    adopted = edges.rows(
        """select financial_year, children_adopted, any_priority, any_priority_share
           from marts.priority_children where council_code = 'NTH' order by financial_year"""
    )  # fmt: skip
    assert [row[0] for row in adopted] == ["2018-19", "2019-20", "2020-21", "2021-22"]
    assert adopted[2] == ("2020-21", 0, 0, None)
