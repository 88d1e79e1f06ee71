"""Adopter households and their stages (the agency's own adoption system).

Households matched in-region are built backwards from their match (approval a few months
before, assessment stages before that); other households are added so that enquiries,
registrations and approvals reach the partnership's yearly volumes: some withdraw (with a
reason), some are matched with another agency's child (an interagency fee the partnership
receives), some are still waiting at the reference date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demo.dates import IsoTable
from demo.journeys import KEEP_FROM
from demo.sampling import gamma_days, pick, uniform_days, unique_ids

AHEAD = 300  # days
HOUSEHOLD_TYPES = {"L0": 15, "L11": 52, "L12": 9, "L2": 5, "L3": 16, "L4": 3}
LEAVING_REASONS = {
    "Personal circumstances changed": 30, "Health": 10, "Chose to foster instead": 6,
    "Moved out of the area": 7, "Assessment concerns": 12, "Chose another agency": 10,
    "Relationship changes": 8, "Pregnancy": 7, "Financial reasons": 5, "Work commitments": 5,
}  # fmt: skip


@dataclass(frozen=True)
class AdopterVolumes:
    enquiries: float  # a year, whole partnership
    registrations: float
    approvals: float


@dataclass
class AdopterData:
    households: pd.DataFrame
    events: pd.DataFrame
    match_details: pd.DataFrame  # match_key -> adopter columns of adoption_matches
    income: pd.DataFrame  # households matched with another agency's child: day, household_id


def _adopters(rng, household_type: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(household_type)
    sex = np.where(rng.random(n) < 0.4, "MM", "FF").astype(object)
    sex = np.where(household_type == "L0", np.where(rng.random(n) < 0.2, "M1", "F1"), sex)
    sex = np.where(np.isin(household_type, ["L11", "L3"]), "MF", sex)
    sex = np.where((household_type == "L2") & (rng.random(n) < 0.3), "MF", sex)
    number = np.where(household_type == "L0", "1", "2").astype(object)
    return number, sex


def simulate_adopters(
    rng: np.random.Generator,
    matches: pd.DataFrame,
    councils: list[str],
    weights: np.ndarray,
    volumes: AdopterVolumes,
    as_of: int,
    iso: IsoTable,
) -> AdopterData:
    units = matches.drop_duplicates("match_key")
    in_region = units[units["adopter_agency"] == "RAA"]
    years = (as_of - KEEP_FROM) / 365.25
    n_m = len(in_region)
    match_day = in_region["match_day"].to_numpy()
    fc = in_region["foster_carer_adoption"].to_numpy() == "1"
    approval_m = match_day - np.where(
        fc, uniform_days(rng, 30, 200, n_m), 14 + gamma_days(rng, 2, 70, n_m)
    )
    approvals_in_window = int(((approval_m >= KEEP_FROM) & (approval_m <= as_of)).sum())
    # Approvals still to come after the reference date give this year's early stages.
    n_x = max(0, round(volumes.approvals * (years + AHEAD / 365.25)) - approvals_in_window)
    approval_x = uniform_days(rng, KEEP_FROM, as_of + AHEAD, n_x)
    n_r = max(0, round((volumes.registrations - volumes.approvals) * years))
    n_e = max(0, round((volumes.enquiries - volumes.registrations) * years))
    n = n_m + n_x + n_r + n_e
    kind = np.repeat(np.array([0, 1, 2, 3]), [n_m, n_x, n_r, n_e])

    council = np.concatenate(
        [
            in_region["match_key"].str.split(":").str[0].to_numpy(dtype=object),
            np.array(councils, dtype=object)[
                rng.choice(len(councils), size=n - n_m, p=weights / weights.sum())
            ],
        ]
    )
    ids = unique_ids(rng, n, 100000, "HH", 6)
    approval = np.concatenate([approval_m, approval_x, np.full(n_r + n_e, np.nan)])
    stage2 = approval - uniform_days(rng, 100, 140, n)
    stage1 = stage2 - uniform_days(rng, 50, 80, n)
    registration = stage1 - uniform_days(rng, 0, 14, n)
    # Registered households that never reach approval: registration anywhere in the window.
    r = kind == 2
    registration[r] = uniform_days(rng, KEEP_FROM, as_of, n)[r]
    stage1[r] = registration[r] + uniform_days(rng, 0, 14, n)[r]
    stage2[r] = stage1[r] + uniform_days(rng, 50, 80, n)[r]
    gets_to = rng.choice(3, size=n, p=[0.3, 0.4, 0.3])  # leaves after registration/stage1/stage2
    withdraw = np.full(n, np.nan)
    withdraw_r = np.select(
        [gets_to == 0, gets_to == 1], [registration + 20, stage1 + 30], stage2 + 60
    ) + uniform_days(rng, 0, 40, n)
    withdraw[r] = withdraw_r[r]
    stage1[r & (gets_to == 0)] = np.nan
    stage2[r & (gets_to <= 1)] = np.nan
    enquiry = np.where(
        kind == 3,
        uniform_days(rng, KEEP_FROM, as_of, n),
        registration - uniform_days(rng, 14, 120, n),
    )
    registration[kind == 3] = stage1[kind == 3] = stage2[kind == 3] = np.nan

    # Approved households not matched in-region: matched elsewhere, withdrawn or still waiting.
    x = kind == 1
    old = approval < as_of - 540
    outcome = np.where(old, rng.random(n) < 0.5, rng.random(n) < 0.35)
    gone = np.where(old, ~outcome, rng.random(n) < 0.2)
    other_match = np.where(x & outcome, approval + uniform_days(rng, 60, 400, n), np.nan)
    withdraw[x & ~outcome & gone] = (approval + uniform_days(rng, 90, 500, n))[x & ~outcome & gone]
    matched = np.concatenate([match_day, np.full(n - n_m, np.nan)])
    matched = np.where(x, other_match, matched)

    household_type = pick(rng, HOUSEHOLD_TYPES, n)
    number, sex = _adopters(rng, household_type)
    early = np.concatenate([fc, np.zeros(n - n_m, dtype=bool)]) | (
        (kind <= 1) & (rng.random(n) < 0.08)
    )
    households = pd.DataFrame(
        {
            "household_id": ids,
            "council_code": council,
            "number_of_adopters": number,
            "household_type": household_type,
            "early_permanence": np.where(early, "Y", "N").astype(object),
        }
    )
    reasons = pick(rng, LEAVING_REASONS, n)
    stages = [
        ("ENQUIRY", enquiry), ("REGISTRATION", registration), ("STAGE1", stage1),
        ("STAGE2", stage2), ("APPROVAL", approval), ("MATCH", matched), ("WITHDRAWAL", withdraw),
    ]  # fmt: skip
    frames = []
    for event_type, when in stages:
        rows = ~np.isnan(when) & (when <= as_of)
        frames.append(
            pd.DataFrame(
                {
                    "household_id": ids[rows],
                    "council_code": council[rows],
                    "event_type": event_type,
                    "event_date": iso(when[rows]),
                    "reason": reasons[rows] if event_type == "WITHDRAWAL" else None,
                    "day": when[rows],
                }
            )
        )
    events = pd.concat(frames, ignore_index=True).sort_values(
        ["day", "household_id"], kind="stable"
    )
    started = set(events["household_id"])
    households = households[households["household_id"].isin(started)]

    others = units[units["adopter_agency"] != "RAA"]
    other_type = pick(rng, HOUSEHOLD_TYPES, len(others))
    other_number, other_sex = _adopters(rng, other_type)
    details = pd.concat(
        [
            pd.DataFrame(
                {
                    "match_key": in_region["match_key"].to_numpy(),
                    "number_of_adopters": number[:n_m],
                    "adopter_sex": sex[:n_m],
                    "adopter_legal_status": household_type[:n_m],
                    "adopter_household_id": ids[:n_m],
                }
            ),
            pd.DataFrame(
                {
                    "match_key": others["match_key"].to_numpy(),
                    "number_of_adopters": other_number,
                    "adopter_sex": other_sex,
                    "adopter_legal_status": other_type,
                    "adopter_household_id": None,
                }
            ),
        ],
        ignore_index=True,
    )
    income_rows = x & ~np.isnan(other_match) & (other_match <= as_of)
    income = pd.DataFrame({"household_id": ids[income_rows], "day": other_match[income_rows]})
    return AdopterData(
        households=households.reset_index(drop=True),
        events=events.drop(columns="day").reset_index(drop=True),
        match_details=details,
        income=income.sort_values("day").reset_index(drop=True),
    )
