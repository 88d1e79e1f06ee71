"""Periods of care that do not end in adoption (most children in care), as event plans."""

from __future__ import annotations

from datetime import date

import numpy as np

from demo.dates import day
from demo.events import LS, PLACE, PROVIDER, REC, Plan
from demo.sampling import gamma_days, pick_index, uniform_days

K_CARE = 8
AGE_18 = 6574
SEMI = -2  # semi-independent living: H5 until March 2024, K3 after (codes valid by year)
K3_FROM = day(date(2024, 4, 1))

START_LS = (
    {"V2": 45, "C1": 40, "L1": 7, "L2": 8},  # under 10
    {"V2": 58, "C1": 20, "L1": 10, "L2": 4, "J1": 8},  # 10 and over
)
PLACES = (  # by age band: under 5, 5-11, 12+
    {"U6": 60, "U3": 17, "U4": 10, "U1": 5, "R3": 4, "P1": 4},
    {"U6": 50, "U4": 15, "U3": 12, "U1": 6, "K2": 9, "P1": 5, "S1": 2, "R2": 1},
    {"U6": 35, "U4": 10, "U3": 8, "K2": 20, "SEMI": 17, "P1": 4, "K1": 2, "R5": 2, "S1": 2},
)
EXIT_YOUNG = {
    "E4A": 38, "E4B": 4, "E41": 10, "E45": 4, "E46": 3, "E47": 10, "E48": 6, "E13": 6,
    "E8": 8, "E3": 6, "E2": 0.3,
}  # fmt: skip
EXIT_OLDER = {
    "E4A": 35, "E4B": 8, "E13": 10, "E8": 12, "E41": 4, "E47": 4, "E48": 2, "E3": 6, "E9": 2,
    "E16": 2, "E15": 1, "E2": 0.2, "E45": 2, "E46": 1, "E6": 2,
}  # fmt: skip
EXIT_AT_18 = {"E5": 25, "E6": 10, "E17": 22, "E8": 25, "E4A": 8, "E7": 2, "E13": 8}
PROVIDERS = {
    "U1": {"PR1": 1}, "U2": {"PR1": 1}, "U3": {"PR1": 1},
    "U4": {"PR1": 60, "PR4": 35, "PR5": 5}, "U5": {"PR1": 80, "PR4": 15, "PR5": 5},
    "U6": {"PR1": 60, "PR4": 35, "PR5": 5}, "K1": {"PR1": 1},
    "K2": {"PR4": 75, "PR1": 20, "PR5": 5}, "H5": {"PR4": 80, "PR1": 20},
    "K3": {"PR4": 80, "PR1": 20}, "P1": {"PR0": 1}, "R2": {"PR3": 1}, "R3": {"PR4": 1},
    "R5": {"PR3": 1}, "S1": {"PR5": 60, "PR4": 40},
}  # fmt: skip
PLACE_INDEX = {**PLACE, "SEMI": SEMI}


def age_band(age_days: np.ndarray) -> np.ndarray:
    return np.digitize(age_days, [5 * 365.25, 12 * 365.25])


def draw_places(rng: np.random.Generator, band: np.ndarray) -> np.ndarray:
    out = np.empty(len(band), dtype="int32")
    for b, weights in enumerate(PLACES):
        rows = band == b
        out[rows] = pick_index(rng, weights, int(rows.sum()), PLACE_INDEX)
    return out


def resolve_semi(plan: Plan) -> None:
    semi = plan.place == SEMI
    plan.place[semi] = np.where(plan.t[semi] < K3_FROM, PLACE["H5"], PLACE["K3"])


def providers_for(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    """A provider for each placement code (int codes; -1 stays -1)."""
    out = np.full(place.shape, -1, dtype="int32")
    for code, weights in PROVIDERS.items():
        rows = place == PLACE[code]
        if rows.any():
            out[rows] = pick_index(rng, weights, int(rows.sum()), PROVIDER)
    return out


def care_plans(
    rng: np.random.Generator,
    t0: np.ndarray,
    age0: np.ndarray,
    *,
    end: np.ndarray | None = None,
    rec: np.ndarray | None = None,
) -> Plan:
    """Plans for periods that end in anything but adoption (or are still open).

    `end`/`rec` force the period's end (used for earlier periods of children who came back).
    """
    n = len(t0)
    plan = Plan.empty(n, K_CARE)
    older = age0 >= 10 * 365.25
    ls0 = np.where(
        older,
        pick_index(rng, START_LS[1], n, LS),
        pick_index(rng, START_LS[0], n, LS),
    )
    band = age_band(age0)
    plan.set(0, slice(None), t0, place=draw_places(rng, band), ls=ls0, carer=0)

    if end is None:
        duration = np.round(np.exp(rng.normal(np.log(220), 1.5, n))) + 1
        remanded = ls0 == LS["J1"]
        duration[remanded] = uniform_days(rng, 2, 90, n)[remanded]
        to_18 = np.maximum(AGE_18 - age0, 1)
        at_18 = duration >= to_18
        duration = np.minimum(duration, to_18)
        age_exit = age0 + duration
        rec = np.where(
            age_exit < 10 * 365.25,
            pick_index(rng, EXIT_YOUNG, n, REC),
            pick_index(rng, EXIT_OLDER, n, REC),
        )
        rec = np.where(at_18, pick_index(rng, EXIT_AT_18, n, REC), rec)
        rec = np.where(remanded, np.where(rng.random(n) < 0.7, REC["E14"], REC["E9"]), rec)
        end = t0 + duration
    plan.end, plan.rec = np.asarray(end, dtype="float64"), np.asarray(rec, dtype="int32")
    duration = plan.end - t0

    # Short-lived emergency statuses give way to s20 or an interim care order within days.
    emergency = np.isin(ls0, [LS["L1"], LS["L2"]])
    plan.set(1, emergency, t0 + uniform_days(rng, 1, 8, n),
             ls=np.where(rng.random(n) < 0.6, LS["C1"], LS["V2"]))  # fmt: skip
    interim = (ls0 == LS["C1"]) | (emergency & (rng.random(n) < 0.5))
    plan.set(2, interim & (rng.random(n) < 0.75), t0 + 30 + gamma_days(rng, 2, 90, n), ls=LS["C2"])
    s20_to_order = (ls0 == LS["V2"]) & (rng.random(n) < 0.15)
    plan.set(2, s20_to_order, t0 + 20 + gamma_days(rng, 2, 100, n), ls=LS["C1"])

    moves = np.minimum(rng.poisson(0.4 + duration / 450), K_CARE - 3)
    for m in range(K_CARE - 3):
        rows = moves > m
        when = t0 + np.floor(rng.random(n) * duration) + 1
        same_carer = rng.random(n) < 0.1  # made long-term with the same foster carer
        place = np.where(same_carer, PLACE["U4"], draw_places(rng, age_band(age0 + when - t0)))
        carer = np.where(same_carer, -1, m + 1)
        plan.set(3 + m, rows, when, place=place, carer=carer)
    resolve_semi(plan)
    plan.provider[:] = providers_for(rng, plan.place)
    return plan
