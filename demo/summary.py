"""What the demo produced: rows per council and table, and yearly volumes (financial years)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data_contracts import codes
from demo.dates import fy_of

FIRST_REPORTED_FY = 2019


@dataclass(frozen=True)
class DemoSummary:
    out_dir: Path
    submission_id: str
    scale: str
    seed: int
    registry_file: Path
    rows: dict[str, dict[str, int]]  # council code -> canonical table -> rows written
    defects: dict[str, int]  # council code -> rows carrying a deliberate defect
    in_care: dict[str, int]  # council code -> children in care at the reference date
    yearly: dict[str, dict[str, int]] = field(default_factory=dict)  # "2019-20" -> measure
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(sum(t.values()) for t in self.rows.values())

    def __str__(self) -> str:  # what `raa demo-data` prints
        lines = [
            f"demo data ({self.scale}, seed {self.seed}) in {self.out_dir}: "
            f"{len(self.rows)} submissions, {self.total_rows:,} rows, "
            f"{sum(self.defects.values()):,} with deliberate defects, {self.seconds:.1f} s"
        ]
        for council, tables in self.rows.items():
            listed = ", ".join(f"{t} {n:,}" for t, n in tables.items())
            lines.append(f"  {council}: {listed}")
        return "\n".join(lines)


def _fy_counts(days: np.ndarray, last_fy: int) -> dict[int, int]:
    days = np.asarray(days, dtype="float64")
    days = days[~np.isnan(days)]
    years = fy_of(days) if len(days) else np.array([], dtype=int)
    return {fy: int((years == fy).sum()) for fy in range(FIRST_REPORTED_FY, last_fy + 1)}


def _days(iso: pd.Series) -> np.ndarray:
    parsed = pd.to_datetime(iso, format="%Y-%m-%d")
    return ((parsed - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype="float64")


def journey_events(episodes: pd.DataFrame) -> dict[str, np.ndarray]:
    """Day numbers of placement orders, placements with adopters and adoption orders."""
    same_child = episodes["child_id"].eq(episodes["child_id"].shift())
    previous_ls = episodes["legal_status"].shift().where(same_child)
    previous_place = episodes["place"].shift().where(same_child)
    adoption = list(codes.ADOPTION_PLACEMENTS)
    first_e1 = (episodes["legal_status"] == "E1") & (previous_ls != "E1")
    placed = episodes["place"].isin(adoption) & ~previous_place.isin(adoption)
    adopted = episodes["rec"].isin(codes.ADOPTED)
    return {
        "placement_orders": _days(episodes.loc[first_e1, "decom"]),
        "placed_for_adoption": _days(episodes.loc[placed, "decom"]),
        "adoption_orders": _days(episodes.loc[adopted, "dec"]),
    }


def yearly_volumes(tables: dict[str, list[pd.DataFrame]], as_of: int) -> dict[str, dict[str, int]]:
    """Counts per financial year from the clean canonical frames of every council."""
    last_fy = int(fy_of(np.array([as_of]))[0])

    def cat(name: str) -> pd.DataFrame:
        frames = [f for f in tables.get(name, []) if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    measures: dict[str, dict[int, int]] = {}
    episodes = cat("episodes")
    if len(episodes):
        for name, days in journey_events(episodes).items():
            measures[name] = _fy_counts(days, last_fy)
    decisions, matches = cat("adoption_decisions"), cat("adoption_matches")
    if len(decisions):
        measures["adm_decisions"] = _fy_counts(_days(decisions["decision_date"]), last_fy)
        ceased = decisions["decision_ceased_date"].dropna()
        measures["decisions_reversed"] = _fy_counts(_days(ceased), last_fy)
    if len(matches):
        measures["matches"] = _fy_counts(_days(matches["match_date"]), last_fy)
    events = cat("adopter_events")
    for event, name in (("ENQUIRY", "enquiries"), ("REGISTRATION", "registrations"),
                        ("APPROVAL", "approvals")):  # fmt: skip
        if len(events):
            rows = events["event_type"] == event
            measures[f"adopter_{name}"] = _fy_counts(_days(events.loc[rows, "event_date"]), last_fy)
    cases, fund, letters = (
        cat("support_cases"),
        cat("support_fund_applications"),
        cat("letterbox_exchanges"),
    )
    if len(cases):
        assessed = cases["assessment_date"].dropna()
        measures["support_assessments"] = _fy_counts(_days(assessed), last_fy)
    if len(fund):
        measures["asf_applications"] = _fy_counts(_days(fund["application_date"]), last_fy)
    if len(letters):
        measures["letterbox_exchanges"] = _fy_counts(_days(letters["exchange_date"]), last_fy)
    out: dict[str, dict[str, int]] = {}
    for fy in range(FIRST_REPORTED_FY, last_fy + 1):
        label = f"{fy}-{(fy + 1) % 100:02d}"
        out[label] = {name: counts[fy] for name, counts in measures.items()}
    return out
