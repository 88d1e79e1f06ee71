"""generate_demo: simulate a partnership's councils and write their submissions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from data_contracts.profiles import load_profile
from data_contracts.tables import TABLES
from demo.adopters import AdopterVolumes, simulate_adopters
from demo.dates import IsoTable, day, fy_of
from demo.export import write_submission
from demo.finance import simulate_ledger
from demo.journeys import CouncilJourneys, CouncilSpec, simulate_council
from demo.national import national_registry, write_registry
from demo.summary import DemoSummary, yearly_volumes
from demo.support import SupportVolumes, simulate_support
from pipelines.registry import Council, Registry, load_registry
from pipelines.settings import DEFAULT_COUNCILS_FILE

DEFAULT_AS_OF = date(2026, 10, 31)
REGION_ADOPTIONS = 104  # the demo region's adoption orders a year (sizes central costs)


@dataclass(frozen=True)
class ScaleSpec:
    stock_per_partner: float  # children in care at a time
    adoptions_per_partner: float  # adoption orders a year
    white_british: float
    size_spread: float  # log-normal spread of council sizes


SCALES = {
    "region": ScaleSpec(750, 26, 0.88, 0.35),
    "national": ScaleSpec(667, 20, 0.74, 0.6),
}
# Yearly volumes per adoption order, from the demo partnership's annual report (seeds/000).
PER_ADOPTION = {
    "enquiries": 6.9, "registrations": 1.35, "approvals": 0.97, "referrals": 3.85,
    "fund_applications": 5.5, "letterbox": 26.0,
}  # fmt: skip
PARTNER_TABLES = (
    "children", "episodes", "adoption_decisions", "adoption_matches", "support_cases",
    "support_fund_applications", "letterbox_exchanges",
)  # fmt: skip
SUPPORT_KEYS = ("referrals", "fund_applications", "letterbox")
SUPPORT_TABLES = ("support_cases", "support_fund_applications", "letterbox_exchanges")
AGENCY_TABLES = ("adopter_households", "adopter_events", "finance_ledger")


def _specs(
    rng: np.random.Generator, partners: list[Council], scale: ScaleSpec
) -> list[CouncilSpec]:
    n = len(partners)
    size = rng.lognormal(0.0, scale.size_spread, n)
    adopt = size * rng.lognormal(0.0, 0.15, n)
    return [
        CouncilSpec(
            index=i,
            code=c.code,
            dialect=c.dialect,
            stock=scale.stock_per_partner * n * size[i] / size.sum(),
            adoptions=scale.adoptions_per_partner * n * adopt[i] / adopt.sum(),
            white_british=float(np.clip(rng.normal(scale.white_british, 0.05), 0.4, 0.97)),
            area=(c.code[:2] if c.code[:2].isalpha() else "ZZ"),
        )
        for i, c in enumerate(partners)
    ]


def _registry(out_dir: Path, seed: int, scale: str, registry_file: Path | None):
    if registry_file is None and scale == "national":
        registry_file = out_dir / "councils.yaml"
        write_registry(national_registry(np.random.default_rng([seed, 0])), registry_file)
    registry_file = Path(registry_file or DEFAULT_COUNCILS_FILE)
    return registry_file, load_registry(registry_file)


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 42,
    scale: str = "region",
    registry_file: Path | None = None,
    defect_rate: float = 0.005,
    as_of: date = DEFAULT_AS_OF,
) -> DemoSummary:
    """Write synthetic submissions `out_dir/<council>/<as_of>/...` for every registry entry.

    `scale` "region" uses the registry (config/councils.yaml unless `registry_file`) at the
    demo partnership's volumes; "national" writes and uses `out_dir/councils.yaml` with ~150
    fictional councils at the scale of England (unless `registry_file` is given).
    """
    started = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    if not 0 <= defect_rate < 0.5:
        raise ValueError("defect_rate must be at least 0 and below 0.5")
    out_dir = Path(out_dir)
    registry_file, registry = _registry(out_dir, seed, scale, registry_file)
    spec_scale = SCALES[scale]
    partners = registry.partners
    if not partners:
        raise ValueError(f"{registry_file} lists no partner councils")
    as_of_day = day(as_of)
    iso = IsoTable(as_of)
    specs = _specs(np.random.default_rng([seed, 1]), partners, spec_scale)
    journeys = [
        simulate_council(np.random.default_rng([seed, 2, s.index]), s, as_of_day, iso)
        for s in specs
    ]
    weights = np.array([s.adoptions for s in specs])
    total_adoptions = float(weights.sum())

    all_matches = pd.concat([j.matches for j in journeys], ignore_index=True)
    adopters = simulate_adopters(
        np.random.default_rng([seed, 3]),
        all_matches,
        [s.code for s in specs],
        weights,
        AdopterVolumes(
            enquiries=PER_ADOPTION["enquiries"] * total_adoptions,
            registrations=PER_ADOPTION["registrations"] * total_adoptions,
            approvals=PER_ADOPTION["approvals"] * total_adoptions,
        ),
        as_of_day,
        iso,
    )
    matches = {j.code: _final_matches(j, adopters.match_details) for j in journeys}
    support = {
        s.code: simulate_support(
            np.random.default_rng([seed, 4, s.index]),
            s.code,
            SupportVolumes(*(PER_ADOPTION[k] * s.adoptions for k in SUPPORT_KEYS)),
            j.adopted,
            as_of_day,
            iso,
        )
        for s, j in zip(specs, journeys, strict=True)
    }
    ledger = simulate_ledger(
        np.random.default_rng([seed, 5]),
        [s.code for s in specs],
        weights,
        total_adoptions / REGION_ADOPTIONS,
        _interagency(journeys, matches),
        adopters.income["day"].to_numpy(dtype="float64"),
        as_of_day,
        iso,
    )

    canonical: dict[str, dict[str, pd.DataFrame]] = {}
    for j in journeys:
        s = support[j.code]
        canonical[j.code] = {
            "children": j.children,
            "episodes": j.episodes,
            "adoption_decisions": j.decisions,
            "adoption_matches": matches[j.code],
            "support_cases": s.cases,
            "support_fund_applications": s.fund_applications,
            "letterbox_exchanges": s.letterbox,
        }
    submissions = _submissions(registry, canonical, adopters, ledger)
    submission_id = as_of.isoformat()
    meta = {
        "reference_date": submission_id,
        "collection_year": int(fy_of(np.array([as_of_day]))[0]),
    }
    rows, defects = {}, {}
    for i, council in enumerate(registry.councils):
        frames = submissions.get(council.code)
        if not frames:
            continue
        dobs = None
        if "children" in frames:
            dobs = frames["children"].set_index("child_id")["date_of_birth"]
        rows[council.code], defects[council.code] = write_submission(
            out_dir / council.code / submission_id,
            council.dialect,
            frames,
            meta=meta,
            rng=np.random.default_rng([seed, 6, i]),
            defect_rng=np.random.default_rng([seed, 7, i]),
            defect_rate=defect_rate,
            dobs=dobs,
        )
    by_table: dict[str, list[pd.DataFrame]] = {}
    for frames in canonical.values():
        for table, frame in frames.items():
            by_table.setdefault(table, []).append(frame)
    by_table["adopter_events"] = [adopters.events]
    in_care = {j.code: int(j.episodes["dec"].isna().sum()) for j in journeys}
    return DemoSummary(
        out_dir=out_dir,
        submission_id=submission_id,
        scale=scale,
        seed=seed,
        registry_file=registry_file,
        rows=rows,
        defects=defects,
        in_care=in_care,
        yearly=yearly_volumes(by_table, as_of_day),
        seconds=round(time.perf_counter() - started, 2),
    )


def _final_matches(j: CouncilJourneys, details: pd.DataFrame) -> pd.DataFrame:
    merged = j.matches.merge(details, on="match_key", how="left", validate="many_to_one")
    return merged[TABLES["adoption_matches"].column_names]


def _interagency(journeys: list[CouncilJourneys], matches: dict) -> pd.DataFrame:
    frames = []
    for j in journeys:
        m = j.matches
        rows = m["adopter_agency"].isin(["LA", "VAA"]) & m["place_day"].notna()
        frames.append(
            pd.DataFrame(
                {
                    "child_id": m.loc[rows, "child_id"],
                    "council_code": j.code,
                    "place_day": m.loc[rows, "place_day"],
                    "fee_type": np.where(m.loc[rows, "adopter_agency"] == "VAA", "VAA", "LA_RAA"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _submissions(
    registry: Registry, canonical: dict, adopters, ledger: pd.DataFrame
) -> dict[str, dict[str, pd.DataFrame]]:
    """Which frames each registry entry sends: partners their own child-level (and, where their
    dialect has them, support) tables; the agency adopters, finance and the support of partners
    whose export has no support tables."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    agency = next((c for c in registry.councils if c.role == "agency"), None)
    carried: dict[str, list[pd.DataFrame]] = {t: [] for t in SUPPORT_TABLES}
    for council in registry.partners:
        profile = load_profile(council.dialect)
        frames = canonical[council.code]
        out[council.code] = {t: frames[t] for t in PARTNER_TABLES if t in profile.tables}
        for table in SUPPORT_TABLES:
            if table not in profile.tables:
                carried[table].append(frames[table])
    if agency is not None:
        frames = {
            "adopter_households": adopters.households,
            "adopter_events": adopters.events,
            "finance_ledger": ledger,
        }
        for table, parts in carried.items():
            if parts:
                frames[table] = pd.concat(parts, ignore_index=True)
        out[agency.code] = frames
    return out
