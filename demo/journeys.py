"""One council's children in care: characteristics, episodes, adoption decisions and matches.

Most children leave care some other way (home, special guardianship, independent living...);
adoption units follow the adoption route in demo.adoption. Everything is simulated
from 2003 (long stays) and 2015 (adoptions), and only children still in care on 1 April 2018 or
later are kept, so the export holds each child's full history from before the reporting years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from data_contracts import codes
from demo.adoption import MEAN_UNIT_SIZE, REVERSAL_RATE, draw_units, expand, unit_plans
from demo.care import care_plans
from demo.dates import IsoTable, day, fy_of, fy_start
from demo.events import PLACE, REC, build_episodes, concat_plans
from demo.sampling import fake_postcodes, pick, pick_index, uniform_days, unique_ids

CARE_FROM_FY = 2003
ADOPTION_FROM_FY = 2015
KEEP_FROM = day(date(2018, 4, 1))
MEAN_STAY_YEARS = 1.65  # calibrated: entries per year = children in care / this
AGE_AT_ENTRY = {(0, 365): 19, (365, 1826): 14, (1826, 3652): 17, (3652, 5844): 37, (5844, 6500): 13}
ETHNIC_OTHER = {
    "WIRI": 2, "WOTH": 10, "WIRT": 1, "WROM": 2, "MWBC": 9, "MWBA": 4, "MWAS": 3, "MOTH": 8,
    "AIND": 2, "APKN": 4, "ABAN": 2, "AOTH": 3, "BCRB": 3, "BAFR": 6, "BOTH": 3, "CHNE": 1,
    "OOTH": 4, "REFU": 1, "NOBT": 2,
}  # fmt: skip
CIN = {"N1": 62, "N2": 2, "N3": 4, "N4": 8, "N5": 15, "N6": 1, "N7": 1, "N8": 7}
PLACE_CHANGE = {
    "CARPL": 30, "CLOSE": 5, "ALLEG": 3, "STAND": 15, "APPRR": 5, "CREQB": 10, "CREQO": 5,
    "CHILD": 10, "LAREQ": 10, "PLACE": 5, "OTHER": 2,
}  # fmt: skip
PRIOR_EXIT = {"E4A": 70, "E4B": 10, "E41": 10, "E13": 10}
ID_STYLE = {"ssda903": ("", 7), "mosaic": ("", 8), "liquidlogic": ("", 6), "charms": ("CH", 6)}


@dataclass(frozen=True)
class CouncilSpec:
    index: int
    code: str
    dialect: str
    stock: float  # children in care at a time
    adoptions: float  # adoption orders a year
    white_british: float
    area: str  # fictional postcode area letters


@dataclass
class CouncilJourneys:
    code: str
    children: pd.DataFrame
    episodes: pd.DataFrame
    decisions: pd.DataFrame
    matches: pd.DataFrame  # canonical columns except adopter details, plus match_key/place_day
    adopted: pd.DataFrame  # child_id, adoption_day


def _entries(rng, per_year: float, first_fy: int, as_of: int, trend: float) -> np.ndarray:
    out = []
    for fy in range(first_fy, int(fy_of(np.array([as_of]))[0]) + 1):
        mult = max(0.5, rng.normal(1.0, 0.05)) * (1 + trend * (2022 - fy))
        n = rng.poisson(per_year * mult)
        start, end = fy_start(fy), min(fy_start(fy + 1) - 1, as_of)
        out.append(np.sort(uniform_days(rng, start, end, n)))
    return np.concatenate(out)


def _ages(rng, n: int) -> np.ndarray:
    bands = list(AGE_AT_ENTRY)
    p = np.array(list(AGE_AT_ENTRY.values()), dtype=float)
    which = rng.choice(len(bands), size=n, p=p / p.sum())
    low = np.array([b[0] for b in bands])[which]
    high = np.array([b[1] for b in bands])[which]
    return uniform_days(rng, low, high - 1, n)


def _unit_ages(rng, size: np.ndarray) -> np.ndarray:
    """Age at entry of each child of each unit (youngest first, siblings 1-3 years older)."""
    n = len(size)
    band = rng.choice(4, size=n, p=[0.45, 0.17, 0.30, 0.08])
    lows, highs = np.array([0, 31, 365, 1826]), np.array([30, 364, 1825, 3300])
    youngest = uniform_days(rng, lows[band], highs[band], n)
    index = np.repeat(np.arange(n), size)
    rank = np.arange(len(index)) - np.repeat(np.cumsum(size) - size, size)
    gaps = uniform_days(rng, 300, 1100, len(index)) * rank
    return youngest[index] + gaps, index, rank


def simulate_council(rng: np.random.Generator, spec: CouncilSpec, as_of: int, iso: IsoTable):
    # Children who never enter the adoption route.
    care_rate = spec.stock / MEAN_STAY_YEARS
    t0_c = _entries(rng, care_rate, CARE_FROM_FY, as_of, 0.0)
    age_c = _ages(rng, len(t0_c))
    plan_c = care_plans(rng, t0_c, age_c)
    keep = np.isnan(plan_c.end) | (plan_c.end >= KEEP_FROM)
    plan_c = expand(plan_c, np.nonzero(keep)[0])
    t0_c, age_c = t0_c[keep], age_c[keep]

    # Adoption units (a child, or brothers and sisters placed together).
    unit_rate = spec.adoptions / (MEAN_UNIT_SIZE * (1 - REVERSAL_RATE))
    t0_u = _entries(rng, unit_rate, ADOPTION_FROM_FY, as_of, 0.025)
    units = draw_units(rng, t0_u)
    unit_end = np.where(units.reversed, units.exit_after_rev, units.ao)
    plan_u = unit_plans(rng, units)
    kept_units = np.nonzero(np.isnan(unit_end) | (unit_end >= KEEP_FROM))[0]
    age_a, unit_of_child, rank = _unit_ages(rng, units.size[kept_units])
    unit_of_child = kept_units[unit_of_child]
    plan_a = expand(plan_u, unit_of_child)

    n_c, n_a = len(t0_c), len(unit_of_child)
    n = n_c + n_a
    t0 = np.concatenate([t0_c, units.t0[unit_of_child]])
    age0 = np.concatenate([age_c, age_a])
    dob = t0 - age0
    prefix, width = ID_STYLE.get(spec.dialect, ("", 7))
    child_ids = unique_ids(rng, n, 10 ** (width - 1), prefix, width)

    # Some children were in care before, went home and came back.
    prior = (age0 > 240) & (rng.random(n) < 0.08)
    prior_end = t0 - uniform_days(rng, 30, 700, n)
    prior_start = prior_end - uniform_days(rng, 14, 365, n)
    prior &= prior_start > dob + 7
    rows = np.nonzero(prior)[0]
    plan_p = care_plans(
        rng,
        prior_start[rows],
        prior_start[rows] - dob[rows],
        end=prior_end[rows],
        rec=pick_index(rng, PRIOR_EXIT, len(rows), REC),
    )
    plan = concat_plans([plan_c, plan_a, plan_p])
    period_child = np.concatenate([np.arange(n), rows])
    ep = build_episodes(plan, as_of)
    child_of_ep = period_child[ep.period]

    disabled = rng.random(n) < np.concatenate([np.full(n_c, 0.04), np.full(n_a, 0.05)])
    cin_period = pick(rng, CIN, len(period_child))
    cin_period = np.where(
        disabled[period_child] & (rng.random(len(period_child)) < 0.5), "N2", cin_period
    )

    episodes = _episode_frame(rng, spec, ep, child_ids, child_of_ep, cin_period, iso)
    present = np.zeros(n, dtype=bool)
    present[child_of_ep] = True  # children who entered care after the reference date drop out
    children = _children_frame(rng, spec, as_of, child_ids, dob, disabled, present, iso)
    decisions, matches = _adoption_frames(
        spec, units, unit_of_child, rank, child_ids[n_c:], dob[n_c:], present[n_c:], as_of, iso
    )
    ao = units.ao[unit_of_child]
    adopted_rows = ~np.isnan(ao) & (ao <= as_of)
    adopted = pd.DataFrame(
        {"child_id": child_ids[n_c:][adopted_rows], "adoption_day": ao[adopted_rows]}
    )
    return CouncilJourneys(spec.code, children, episodes, decisions, matches, adopted)


def _episode_frame(rng, spec, ep, child_ids, child_of_ep, cin_period, iso) -> pd.DataFrame:
    m = len(ep.decom)
    order = np.lexsort((ep.decom, child_of_ep))
    place = np.array(codes.PLACE_ALL, dtype=object)[ep.place]
    moved = np.isin(ep.rne, ["P", "T", "B", "U"])
    reason = np.where(moved, pick(rng, PLACE_CHANGE, m), None)
    reason = np.where(
        moved & np.isin(ep.place, [PLACE[c] for c in codes.ADOPTION_PLACEMENTS]), "CARPL", reason
    )
    pool = fake_postcodes(rng, spec.area, 4096)
    home = pool[(child_of_ep * 7919) % 4096]
    placement_key = (ep.period * 104729 + ep.carer * 7) % 4096
    placement_pc = np.where(place == "P1", home, pool[placement_key])
    institutional = np.isin(place, ["K1", "K2", "S1", "R1", "R2", "R5", "H5", "K3"])
    urn = np.where(
        institutional,
        np.char.add("SC", (100000 + placement_key * 211 % 899999).astype(str)).astype(object),
        None,
    )
    frame = pd.DataFrame(
        {
            "child_id": child_ids[child_of_ep],
            "decom": iso(ep.decom),
            "rne": ep.rne,
            "legal_status": np.array(codes.LEGAL_STATUS, dtype=object)[ep.ls],
            "cin": cin_period[ep.period],
            "place": place,
            "place_provider": np.array(codes.PLACE_PROVIDER, dtype=object)[ep.provider],
            "dec": iso(ep.dec),
            "rec": np.where(ep.rec >= 0, np.array(codes.REC, dtype=object)[ep.rec], None),
            "reason_place_change": reason,
            "home_postcode": home,
            "placement_postcode": placement_pc,
            "urn": urn,
        }
    )
    return frame.iloc[order].reset_index(drop=True)


def _children_frame(rng, spec, as_of, child_ids, dob, disabled, present, iso) -> pd.DataFrame:
    n = len(child_ids)
    new_codes = fy_of(np.array([as_of]))[0] >= codes.SEX_CODES_CHANGE_YEAR
    sex = pick(rng, {"M": 52, "F": 47.9, "U": 0.1} if new_codes else {"1": 52, "2": 48}, n)
    ethnic = np.where(
        rng.random(n) < spec.white_british, "WBRI", pick(rng, ETHNIC_OTHER, n)
    ).astype(object)
    frame = pd.DataFrame(
        {
            "child_id": child_ids,
            "sex": sex,
            "date_of_birth": iso(dob),
            "ethnicity": ethnic,
            "disability": np.where(disabled, "Y", "N").astype(object),
        }
    )
    return frame[present].sort_values("child_id").reset_index(drop=True)


def _adoption_frames(spec, units, unit_of_child, rank, ids, dob, present, as_of, iso):
    u = unit_of_child
    decided = present & (units.dec[u] <= as_of)
    ceased = units.rev[u]
    ceased_known = ceased <= as_of
    decisions = pd.DataFrame(
        {
            "child_id": ids,
            "date_of_birth": iso(dob),
            "decision_date": iso(units.dec[u]),
            "decision_ceased_date": iso(np.where(ceased_known, ceased, np.nan)),
            "reason_ceased": np.where(ceased_known, units.rev_reason[u], None),
        }
    )[decided]
    sizes = units.size[u]
    group = np.where(
        sizes > 1, np.char.add(f"{spec.code}-SG", np.char.zfill(u.astype(str), 5)), None
    )
    frames = []
    for seq, match, place, agency, fc in (
        (1, units.match1, units.place1, units.agency1, units.fc),
        (2, units.match2, units.place2, units.agency2, np.zeros(len(units.fc), dtype=bool)),
    ):
        rows = present & ~np.isnan(match[u]) & (match[u] <= as_of)
        placed = place[u] <= as_of
        frames.append(
            pd.DataFrame(
                {
                    "child_id": ids,
                    "decision_date": iso(units.dec[u]),
                    "match_date": iso(match[u]),
                    "foster_carer_adoption": np.where(fc[u], "1", "0").astype(object),
                    "adopter_agency": np.array(["RAA", "LA", "VAA"], dtype=object)[agency[u]],
                    "sibling_group_id": group,
                    "match_key": np.char.add(f"{spec.code}:{seq}:", u.astype(str)).astype(object),
                    "match_day": match[u],
                    "place_day": np.where(placed, place[u], np.nan),
                    "sibling_rank": rank,
                }
            )[rows]
        )
    matches = pd.concat(frames, ignore_index=True)
    return decisions.reset_index(drop=True), matches.sort_values(
        ["child_id", "match_day"]
    ).reset_index(drop=True)
