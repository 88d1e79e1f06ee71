"""Adoption journeys in the written files follow domain.md Part A/B, at the region's volumes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

ADOPTION_PLACES = ["A3", "A4", "A5", "A6"]
FULL_YEARS = [f"{y}-{(y + 1) % 100:02d}" for y in range(2019, 2026)]


def _with_periods(episodes: pd.DataFrame) -> pd.DataFrame:
    e = episodes.sort_values(["child_id", "decom"]).reset_index(drop=True)
    same_child = e["child_id"].eq(e["child_id"].shift())
    e["chained"] = same_child & e["decom"].eq(e["dec"].shift())
    e["prev_rec"] = e["rec"].shift().where(same_child)
    e["same_child"] = same_child
    e["period"] = (~e["chained"]).cumsum()
    return e


def _partner_tables(clean_tables, demo_registry):
    return {c.code: clean_tables[c.code] for c in demo_registry.partners}


@pytest.fixture(scope="module")
def journeys(clean_tables, demo_registry) -> pd.DataFrame:
    """One row per adopted period of care with its key dates (domain.md A.2)."""
    rows = []
    for code, t in _partner_tables(clean_tables, demo_registry).items():
        e = _with_periods(t["episodes"])
        decisions, matches = t["adoption_decisions"], t["adoption_matches"]
        adopted_periods = e.loc[e["rec"].isin(["E11", "E12"]), "period"]
        for period in adopted_periods:
            p = e[e["period"] == period].reset_index(drop=True)
            child = p.loc[0, "child_id"]
            is_a = p["place"].isin(ADOPTION_PLACES).to_numpy()
            start = len(p) - 1
            while start > 0 and is_a[start - 1]:
                start -= 1
            fc_start = start
            while fc_start > 0 and p.loc[fc_start, "rne"] in ("L", "T", "U"):
                fc_start -= 1
            e1 = p.loc[p["legal_status"] == "E1", "decom"]
            m = matches[matches["child_id"] == child].sort_values("match_date")
            rows.append(
                {
                    "council": code,
                    "child_id": child,
                    "first_rne": p.loc[0, "rne"],
                    "chain_ok": bool(p["chained"].iloc[1:].all() and (p["rec"].iloc[:-1] == "X1").all()),
                    "entered": p.loc[0, "decom"],
                    "moved_in": p.loc[start, "decom"],
                    "moved_in_fc": p.loc[fc_start, "decom"],
                    "final_place": p["place"].iloc[-1],
                    "order": p["dec"].iloc[-1],
                    "placement_order": e1.iloc[0] if len(e1) else None,
                    "decisions": set(decisions.loc[decisions["child_id"] == child, "decision_date"]),
                    "ceased": decisions.loc[decisions["child_id"] == child, "decision_ceased_date"].notna().any(),
                    "ad1_int": set(m["decision_date"]),
                    "match": m["match_date"].iloc[-1] if len(m) else None,
                    "n_matches": len(m),
                    "foster_care": m["foster_carer_adoption"].iloc[-1] if len(m) else None,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days


def test_episodes_chain_into_periods_of_care(clean_tables, demo_registry):
    for code, t in _partner_tables(clean_tables, demo_registry).items():
        e = _with_periods(t["episodes"])
        later = e[e["same_child"]]
        assert (later["chained"] == (later["prev_rec"] == "X1")).all(), code
        gap = later[~later["chained"]]
        assert (gap["decom"] > e["dec"].shift().loc[gap.index]).all(), code
        assert (e.loc[~e["chained"], "rne"] == "S").all(), code
        assert (e.loc[e["chained"], "rne"] != "S").all(), code
        assert set(e.loc[e["chained"], "rne"]) == {"L", "P", "T", "B", "U"}, code
        open_ = e["dec"].isna()
        assert not (open_ & e["child_id"].eq(e["child_id"].shift(-1))).any(), code
        gaps = e[e["same_child"] & ~e["chained"]]
        assert len(gaps) > 20, f"{code}: too few children with several periods of care"


def test_every_adopted_child_has_a_coherent_journey(journeys):
    assert len(journeys) > 500
    assert (journeys["first_rne"] == "S").all()
    assert journeys["chain_ok"].all()
    assert journeys["final_place"].isin(ADOPTION_PLACES).all()
    assert journeys["n_matches"].ge(1).all()  # an AD1 row for every adopted child
    assert not journeys["ceased"].any()  # rule 558
    same_decision = [
        a <= d and len(a) > 0
        for a, d in zip(journeys["ad1_int"], journeys["decisions"], strict=True)
    ]
    assert all(same_decision)  # rule 523: DATE_INT is the ADM decision date
    decision = journeys["ad1_int"].map(min)
    assert (decision >= journeys["entered"]).all()
    assert (journeys["match"] >= decision).all()
    assert (decision <= journeys["moved_in"]).all()  # rule 521
    under_order = journeys["final_place"].isin(["A5", "A6"])
    assert journeys.loc[under_order, "placement_order"].notna().all()
    assert (
        journeys.loc[under_order, "placement_order"] <= journeys.loc[under_order, "moved_in"]
    ).all()
    assert (journeys["order"] > journeys["moved_in"]).all()


def test_foster_care_flag_matches_final_placement(journeys):
    with_carer = journeys["final_place"].isin(["A3", "A5"])
    assert ((journeys["foster_care"] == "1") == with_carer).all()  # rule 335
    assert 0.05 < with_carer.mean() < 0.3
    assert (
        journeys.loc[with_carer, "moved_in_fc"] < journeys.loc[with_carer, "moved_in"]
    ).mean() > 0.8


def test_variety_of_journeys(journeys, clean_tables, demo_registry):
    assert (journeys["n_matches"] > 1).sum() >= 3  # disruptions, re-matched
    a2 = _days(journeys["match"], journeys["placement_order"])
    assert (a2 < 0).sum() >= 5  # matched before the placement order
    consent = journeys["placement_order"].isna()
    assert consent.sum() >= 5 and journeys.loc[consent, "final_place"].isin(["A3", "A4"]).all()
    tables = _partner_tables(clean_tables, demo_registry).values()
    decisions = pd.concat([t["adoption_decisions"] for t in tables])
    assert set(decisions["reason_ceased"].dropna()) == {"RD1", "RD2", "RD3", "RD4"}
    matches = pd.concat([t["adoption_matches"] for t in tables])
    groups = matches.dropna(subset=["sibling_group_id"]).groupby("sibling_group_id")
    assert groups.ngroups > 50
    dates_per_child = (
        matches.dropna(subset=["sibling_group_id"])
        .groupby(["sibling_group_id", "child_id"])["match_date"]
        .agg(frozenset)
    )
    assert (dates_per_child.groupby(level=0).nunique() == 1).all()  # matched together
    per_match = matches.dropna(subset=["sibling_group_id"]).groupby(
        ["sibling_group_id", "match_date"]
    )
    assert (per_match["adopter_household_id"].nunique(dropna=False) == 1).all()  # same adopters
    share_raa = (matches["adopter_agency"].dropna() == "RAA").mean()  # the 903 has no agency
    assert 0.85 <= share_raa <= 0.95
    waiting = 0
    for t in tables:
        e = _with_periods(t["episodes"])
        last = e.groupby("child_id").tail(1)
        waiting += (
            (last["legal_status"] == "E1")
            & last["dec"].isna()
            & ~last["place"].isin(ADOPTION_PLACES)
        ).sum()
    assert waiting >= 20  # children with a placement order still waiting on the reference date


def test_characteristics_of_adopted_children(journeys, clean_tables, demo_registry):
    children = pd.concat(
        [t["children"] for t in _partner_tables(clean_tables, demo_registry).values()]
    )
    adopted = children[children["child_id"].isin(journeys["child_id"])]
    age = (
        _days(
            journeys.set_index("child_id")["moved_in"],
            adopted.set_index("child_id")["date_of_birth"],
        )
        / 365.25
    )
    assert 0.75 < (age < 5).mean() < 0.97
    assert 0.05 < (adopted["ethnicity"] != "WBRI").mean() < 0.25
    assert 0.01 < (children["disability"] == "Y").mean() < 0.08


def test_timeliness_indicators_in_the_hundreds_of_days(journeys):
    cohort = journeys[(journeys["order"] >= "2022-04-01") & (journeys["order"] <= "2025-03-31")]
    a1 = _days(cohort["moved_in"], cohort["entered"])
    a10 = _days(
        cohort["moved_in_fc"].where(cohort["foster_care"] == "1", cohort["moved_in"]),
        cohort["entered"],
    )
    assert (a10 <= a1).all()
    assert 380 <= a10.mean() <= 520, a10.mean()
    with_order = cohort["placement_order"].notna()
    a2 = _days(cohort.loc[with_order, "match"], cohort.loc[with_order, "placement_order"]).clip(
        lower=0
    )
    assert 140 <= a2.mean() <= 260, a2.mean()


def test_region_volumes_per_year(clean_region):
    years = pd.DataFrame(clean_region.yearly).T.loc[FULL_YEARS]
    mean = years.mean()
    expected = {
        "placement_orders": (95, 150), "placed_for_adoption": (80, 130),
        "adoption_orders": (85, 125), "adopter_enquiries": (620, 820),
        "adopter_registrations": (115, 165), "adopter_approvals": (85, 120),
        "support_assessments": (290, 420), "asf_applications": (470, 680),
        "letterbox_exchanges": (2300, 3100),
    }  # fmt: skip
    for measure, (low, high) in expected.items():
        assert low <= mean[measure] <= high, (measure, mean[measure])
    assert all(300 <= n <= 1300 for n in clean_region.in_care.values()), clean_region.in_care


def test_finance_ledger_totals(clean_tables):
    ledger = clean_tables["RAA"]["finance_ledger"].copy()
    ledger["amount"] = ledger["amount_gbp"].astype(float)
    ledger["fy"] = pd.to_datetime(ledger["period_month"]).dt.to_period("Q-MAR").dt.qyear - 1
    spend = ledger[(ledger["entry_type"] == "SPEND") & ledger["fy"].between(2019, 2025)]
    central = spend[spend["cost_pool"] == "central_hub"].groupby("fy")["amount"].sum()
    assert central.between(2_000_000, 3_200_000).all()
    locality = (
        spend[spend["cost_pool"] == "locality_hub"].groupby(["fy", "council_code"])["amount"].sum()
    )
    assert locality.between(450_000, 1_600_000).all()
    assert set(spend.loc[spend["cost_pool"] == "locality_hub", "council_code"]) == {
        "NTH",
        "ASH",
        "FEN",
        "KIL",
    }
    fees = spend[spend["cost_pool"] == "interagency_fees"]
    assert fees["child_id"].notna().all() and fees["council_code"].notna().all()
    assert set(fees["amount_gbp"]) <= {"27000.00", "31620.00", "39245.00"}
    assert (ledger["entry_type"] == "INCOME").sum() > 0
    budgets = ledger[ledger["entry_type"] == "BUDGET"]
    assert budgets["period_month"].str.endswith("-04-01").all()
    assert date.fromisoformat(ledger["period_month"].max()) <= date(2026, 10, 1)
    assert np.isclose(ledger["amount"], ledger["amount"].round(2)).all()
