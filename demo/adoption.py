"""Adoption journeys: key dates per adoption unit (a child or a sibling group placed together)
and the event plans that put them into episodes.

Route: ADM decision -> care order C2 -> placement order E1 -> match -> placed with adopters
A5/A6 -> adoption order (E11/E12). Variants: consent placements (A3/A4, no E1), adoptions by the
child's fostering-for-adoption carer (U5 then A5/A3 with the same carer, FOSTER_CARE = 1),
disruptions (A6 ends, back to foster care, re-matched and re-placed) and reversed decisions
(RD1-RD4: the plan ends and the child leaves care another way or stays in long-term care).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.care import providers_for
from demo.events import LS, PLACE, PROVIDER, REC, Plan
from demo.sampling import gamma_days, pick, pick_index, uniform_days

K_ADOPT = 10
AGENCIES = np.array(["RAA", "LA", "VAA"], dtype=object)
AGENCY_PROVIDER = np.array([PROVIDER["PR1"], PROVIDER["PR2"], PROVIDER["PR5"]], dtype="int32")
FFA_CARER, ADOPTERS, ADOPTERS_AGAIN = 50, 100, 101
REVERSAL_RATE = 0.22
UNIT_SIZES = {1: 0.80, 2: 0.16, 3: 0.04}
MEAN_UNIT_SIZE = sum(k * p for k, p in UNIT_SIZES.items())


@dataclass
class Units:
    t0: np.ndarray
    size: np.ndarray
    po_route: np.ndarray
    fc: np.ndarray
    early_ffa: np.ndarray
    dec: np.ndarray
    c2: np.ndarray
    po: np.ndarray
    match1: np.ndarray
    place1: np.ndarray
    agency1: np.ndarray  # 0 RAA, 1 LA, 2 VAA
    disrupted: np.ndarray
    dis: np.ndarray
    match2: np.ndarray
    place2: np.ndarray
    agency2: np.ndarray
    ao: np.ndarray
    reversed: np.ndarray
    rev: np.ndarray
    rev_reason: np.ndarray
    exit_after_rev: np.ndarray
    exit_rec: np.ndarray


def _agency(rng: np.random.Generator, n: int, in_region: np.ndarray) -> np.ndarray:
    p_raa = np.where(in_region, 0.97, 0.88)
    u = rng.random(n)
    return np.where(u < p_raa, 0, np.where(u < p_raa + (1 - p_raa) * 0.55, 1, 2))


def draw_units(rng: np.random.Generator, t0: np.ndarray) -> Units:
    n = len(t0)
    size = rng.choice(list(UNIT_SIZES), size=n, p=list(UNIT_SIZES.values()))
    po_route = rng.random(n) < 0.92
    fc = rng.random(n) < np.where(po_route, 0.11, 0.3)
    early_ffa = fc & (rng.random(n) < 0.5)

    dec = np.where(
        po_route, t0 + 60 + gamma_days(rng, 2.5, 70, n), t0 + 15 + gamma_days(rng, 2, 35, n)
    )
    po = np.where(po_route, dec + 20 + gamma_days(rng, 2, 25, n), np.nan)
    c2 = np.clip(dec + uniform_days(rng, -60, 30, n), t0 + 21, po - 14)

    a2 = gamma_days(rng, 2.4, 95, n)
    before_po = ~fc & (rng.random(n) < 0.06)
    match = np.where(
        fc,
        po + gamma_days(rng, 1.5, 60, n) - 45,
        np.where(before_po, po - uniform_days(rng, 1, 40, n), po + a2),
    )
    match = np.where(po_route, match, dec + 20 + gamma_days(rng, 2, 50, n))
    match = np.maximum(match, dec + 1)
    settle = 7 + gamma_days(rng, 2, 8, n)
    place = np.where(po_route, np.maximum(match + settle, po + 1), match + settle)
    fc_place = np.maximum(match, np.nan_to_num(po, nan=-1e9)) + uniform_days(rng, 1, 21, n)
    same_day = fc & po_route & (match <= po) & (rng.random(n) < 0.5)
    place = np.where(fc, np.where(same_day, po, fc_place), place)
    c2 = np.where(
        po_route,
        c2,
        np.where(rng.random(n) < 0.3, t0 + uniform_days(rng, 20, place - t0 - 1, n), np.nan),
    )
    ao = place + 70 + gamma_days(rng, 2, 90, n)

    disrupted = po_route & ~fc & (rng.random(n) < 0.035)
    dis = np.where(
        disrupted, place + uniform_days(rng, 14, np.minimum(300, ao - place - 1), n), np.nan
    )
    match2 = dis + 60 + gamma_days(rng, 2, 60, n)
    place2 = match2 + uniform_days(rng, 7, 30, n)
    ao = np.where(disrupted, place2 + 70 + gamma_days(rng, 2, 90, n), ao)

    reversed_ = rng.random(n) < REVERSAL_RATE
    rev_before_po = po_route & (rng.random(n) < 0.2)
    rev = np.where(
        rev_before_po | ~po_route,
        dec + uniform_days(rng, 14, np.where(np.isnan(po), dec + 120, po) - dec - 1, n),
        po + uniform_days(rng, 30, 400, n),
    )
    reason = np.where(
        rev_before_po,
        pick(rng, {"RD2": 60, "RD1": 25, "RD4": 15}, n),
        np.where(po_route, pick(rng, {"RD1": 35, "RD3": 45, "RD4": 20}, n),
                 pick(rng, {"RD1": 40, "RD4": 60}, n)),
    )  # fmt: skip
    leaves = rng.random(n) < 0.65
    exit_after = np.where(reversed_ & leaves, rev + 30 + gamma_days(rng, 2, 100, n), np.nan)
    exit_rec = pick_index(rng, {"E45": 20, "E46": 15, "E47": 10, "E41": 10, "E4A": 10}, n, REC)

    agency1 = _agency(rng, n, fc)
    agency2 = _agency(rng, n, np.zeros(n, dtype=bool))
    nan = np.full(n, np.nan)
    return Units(
        t0=t0, size=size, po_route=po_route, fc=fc, early_ffa=early_ffa, dec=dec,
        c2=c2, po=np.where(reversed_ & rev_before_po & (reason == "RD2"), nan, po),
        match1=np.where(reversed_, nan, match), place1=np.where(reversed_, nan, place),
        agency1=agency1, disrupted=disrupted & ~reversed_,
        dis=np.where(reversed_, nan, dis), match2=np.where(reversed_ | ~disrupted, nan, match2),
        place2=np.where(reversed_ | ~disrupted, nan, place2), agency2=agency2,
        ao=np.where(reversed_, nan, ao), reversed=reversed_,
        rev=np.where(reversed_, rev, nan), rev_reason=np.where(reversed_, reason, None),
        exit_after_rev=exit_after, exit_rec=exit_rec,
    )  # fmt: skip


def unit_plans(rng: np.random.Generator, u: Units) -> Plan:
    n = len(u.t0)
    plan = Plan.empty(n, K_ADOPT)
    first_place = pick_index(rng, {"U6": 80, "U3": 12, "R3": 4, "U4": 4}, n, PLACE)
    ffa_place = np.where(rng.random(n) < 0.95, PLACE["U5"], PLACE["U2"])
    ls0 = np.where(
        u.po_route, pick_index(rng, {"C1": 80, "V2": 15, "L2": 5}, n, LS), LS["V2"]
    ).astype("int32")
    plan.set(0, slice(None), u.t0, place=np.where(u.early_ffa, ffa_place, first_place),
             ls=ls0, carer=np.where(u.early_ffa, FFA_CARER, 0))  # fmt: skip
    late_ffa = u.fc & ~u.early_ffa
    plan.set(
        1,
        late_ffa,
        np.minimum(u.t0 + uniform_days(rng, 3, 200, n), u.dec),
        place=ffa_place,
        carer=FFA_CARER,
    )
    moved = ~u.fc & (rng.random(n) < 0.35)
    plan.set(1, moved, u.t0 + uniform_days(rng, 14, u.dec - u.t0, n),
             place=pick_index(rng, {"U6": 70, "U4": 30}, n, PLACE), carer=1)  # fmt: skip
    plan.set(2, u.po_route & (ls0 != LS["C1"]), u.t0 + uniform_days(rng, 2, 20, n), ls=LS["C1"])
    plan.set(3, ~np.isnan(u.c2), u.c2, ls=LS["C2"])
    plan.set(4, ~np.isnan(u.po), u.po, ls=LS["E1"])

    placed = ~np.isnan(u.place1)
    a_code = np.where(
        u.po_route,
        np.where(u.fc, PLACE["A5"], PLACE["A6"]),
        np.where(u.fc, PLACE["A3"], PLACE["A4"]),
    )
    plan.set(5, placed, u.place1, place=a_code, carer=np.where(u.fc, FFA_CARER, ADOPTERS),
             provider=AGENCY_PROVIDER[u.agency1])  # fmt: skip
    plan.set(6, u.disrupted, u.dis, place=pick_index(rng, {"U6": 60, "U4": 40}, n, PLACE), carer=2)
    plan.set(7, u.disrupted, u.place2, place=PLACE["A6"], carer=ADOPTERS_AGAIN,
             provider=AGENCY_PROVIDER[u.agency2])  # fmt: skip
    same_carer = rng.random(n) < 0.5
    plan.set(8, u.reversed, u.rev + uniform_days(rng, 10, 90, n), place=PLACE["U4"],
             carer=np.where(same_carer, -1, 3))  # fmt: skip

    foster_provider = providers_for(rng, plan.place)
    plan.provider = np.where(plan.provider >= 0, plan.provider, foster_provider).astype("int32")
    adopted_rec = np.where(
        u.po_route, np.where(rng.random(n) < 0.55, REC["E12"], REC["E11"]), REC["E11"]
    )
    plan.end = np.where(u.reversed, u.exit_after_rev, u.ao)
    plan.rec = np.where(u.reversed, u.exit_rec, adopted_rec).astype("int32")
    return plan


def expand(plan: Plan, index: np.ndarray) -> Plan:
    """The unit plans repeated for each child of the unit (siblings share every date)."""
    return Plan(
        t=plan.t[index], place=plan.place[index], ls=plan.ls[index], carer=plan.carer[index],
        provider=plan.provider[index], end=plan.end[index], rec=plan.rec[index],
    )  # fmt: skip
