"""The validated funding formula: plain frozen dataclasses, nothing read from disk here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

POOLS = ("central_hub", "locality_hub", "interagency_fees", "marketing")
SPLIT_METHODS = ("formula", "owning_council", "child_council")
DRIVERS = ("placement_orders", "adm_decisions", "children_placed", "support_cases", "approvals")
BASES = {"single_year": 1, "rolling_3yr": 3}  # basis -> number of financial years pooled
BASE_DRIVER = "fixed_base"  # the base share, stored as a driver so weights sum to 1 in SQL


@dataclass(frozen=True)
class DriverWeight:
    driver: str
    weight: Decimal
    basis: str

    @property
    def window_years(self) -> int:
        return BASES.get(self.basis, 0)


@dataclass(frozen=True)
class FormulaVersion:
    version_id: str
    name: str
    agreed_on: dt.date | None
    effective_from: dt.date
    effective_to: dt.date | None  # None = open-ended
    demand_lag_years: int
    pools: dict[str, str]  # cost pool -> split method
    drivers: tuple[DriverWeight, ...]
    base_weight: Decimal
    base_shares: dict[str, float]  # council -> fixed share (empty when base_weight is 0)
    transitional_limit: Decimal | None
    partners: tuple[str, ...]

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class Formula:
    versions: tuple[FormulaVersion, ...]

    def version_for_year(self, financial_year: str) -> FormulaVersion | None:
        """The version in force on 1 April of the year ('2022-23' -> 2022-04-01)."""
        first_april = dt.date(int(financial_year[:4]), 4, 1)
        return next((v for v in self.versions if v.covers(first_april)), None)

    def mid_year_notes(self) -> list[str]:
        """Each partner a version adds that starts after 1 April: the year it starts in is
        apportioned by the version in force on that 1 April, without it (a council that joined
        in November pays nothing towards that year), which the partners should know."""
        notes = []
        for version in self.versions:
            start = version.effective_from
            first = start.year if start.month >= 4 else start.year - 1  # its year's 1 April
            year = f"{first}-{(first + 1) % 100:02d}"
            before = self.version_for_year(year)
            if start == dt.date(first, 4, 1) or before is None:
                continue
            added = sorted(set(version.partners) - set(before.partners))
            if added:
                notes.append(
                    f"version '{version.version_id}' starts on {start}, within {year}: that year "
                    f"is apportioned by '{before.version_id}' (in force on its 1 April), so "
                    f"{', '.join(added)} pay(s) nothing towards {year}; '{version.version_id}' "
                    "apportions the years from the next 1 April"
                )
        return notes

    def get(self, version_id: str) -> FormulaVersion:
        for version in self.versions:
            if version.version_id == version_id:
                return version
        raise KeyError(f"formula version {version_id!r} is not defined")
