"""Adoption support per council: cases (referral, assessment), Adoption Support Fund
applications (amounts applied for and approved) and letterbox exchanges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demo.dates import IsoTable
from demo.journeys import KEEP_FROM
from demo.sampling import pick, uniform_days, unique_ids

CASE_TYPES = {"ADOPTION": 80, "SGO": 15, "OTHER": 5}
ASF_AMOUNTS = np.arange(1000, 5001, 250)


@dataclass(frozen=True)
class SupportVolumes:
    referrals: float  # a year, for this council
    fund_applications: float
    letterbox: float


@dataclass
class SupportData:
    cases: pd.DataFrame
    fund_applications: pd.DataFrame
    letterbox: pd.DataFrame


def _money(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%.2f", values).astype(object)


def _earlier_case(rng, case_days: np.ndarray, case_ids: np.ndarray, when: np.ndarray):
    """For each date, a random case that started before it (None when there is none)."""
    if len(case_ids) == 0:
        return np.full(len(when), None, dtype=object)
    order = np.argsort(case_days, kind="stable")
    sorted_days, sorted_ids = case_days[order], case_ids[order]
    available = np.searchsorted(sorted_days, when, side="left")
    pick_at = np.floor(rng.random(len(when)) * available).astype("int64")
    return np.where(available > 0, sorted_ids[np.minimum(pick_at, len(sorted_ids) - 1)], None)


def simulate_support(
    rng: np.random.Generator,
    code: str,
    volumes: SupportVolumes,
    adopted: pd.DataFrame,
    as_of: int,
    iso: IsoTable,
) -> SupportData:
    years = (as_of - KEEP_FROM) / 365.25
    n = rng.poisson(volumes.referrals * years)
    referral = np.sort(uniform_days(rng, KEEP_FROM, as_of, n))
    assessed = referral + uniform_days(rng, 14, 90, n)
    assessed = np.where((rng.random(n) < 0.88) & (assessed <= as_of), assessed, np.nan)
    closed = assessed + uniform_days(rng, 30, 700, n)
    closed = np.where(closed <= as_of, closed, np.nan)
    case_type = pick(rng, CASE_TYPES, n)
    case_ids = unique_ids(rng, n, 10000, f"{code}-S", 6)
    child = np.full(n, None, dtype=object)
    if len(adopted):
        candidate = _earlier_case(
            rng, adopted["adoption_day"].to_numpy(), adopted["child_id"].to_numpy(), referral
        )
        linked = (case_type == "ADOPTION") & (rng.random(n) < 0.5)
        child = np.where(linked, candidate, None)
    cases = pd.DataFrame(
        {
            "case_id": case_ids,
            "council_code": code,
            "child_id": child,
            "case_type": case_type,
            "referral_date": iso(referral),
            "assessment_date": iso(assessed),
            "closed_date": iso(closed),
        }
    )

    m = rng.poisson(volumes.fund_applications * years)
    applied_day = np.sort(uniform_days(rng, KEEP_FROM, as_of, m))
    has_assessment = ~np.isnan(assessed)
    case_for_app = _earlier_case(
        rng, assessed[has_assessment], case_ids[has_assessment], applied_day
    )
    applied = ASF_AMOUNTS[rng.integers(0, len(ASF_AMOUNTS), m)] + np.where(
        rng.random(m) < 0.2, rng.integers(1, 100, m) * 0.5, 0.0
    )
    decided = applied_day + uniform_days(rng, 5, 45, m)
    decided = np.where(decided <= as_of, decided, np.nan)
    declined = rng.random(m) < 0.05
    partial = rng.random(m) < 0.2
    approved = np.where(partial, np.round(applied * rng.uniform(0.5, 0.95, m), -1), applied)
    status = np.where(np.isnan(decided), "PENDING", np.where(declined, "DECLINED", "APPROVED"))
    fund = pd.DataFrame(
        {
            "application_id": unique_ids(rng, m, 10000, f"{code}-ASF", 6),
            "council_code": code,
            "case_id": case_for_app,
            "application_date": iso(applied_day),
            "amount_applied_gbp": _money(applied),
            "decision_date": iso(decided),
            "amount_approved_gbp": np.where(status == "APPROVED", _money(approved), None),
            "status": status.astype(object),
        }
    )

    k = rng.poisson(volumes.letterbox * years)
    exchange_day = np.sort(uniform_days(rng, KEEP_FROM, as_of, k))
    adoption_cases = case_type == "ADOPTION"
    case_for_exchange = _earlier_case(
        rng, referral[adoption_cases], case_ids[adoption_cases], exchange_day
    )
    letterbox = pd.DataFrame(
        {
            "exchange_id": unique_ids(rng, k, 100000, f"{code}-LB", 7),
            "council_code": code,
            "case_id": np.where(rng.random(k) < 0.3, case_for_exchange, None),
            "exchange_date": iso(exchange_day),
            "direction": np.where(rng.random(k) < 0.45, "IN", "OUT").astype(object),
        }
    )
    return SupportData(cases, fund, letterbox)
