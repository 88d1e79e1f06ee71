"""The partnership's finance ledger: yearly budgets and monthly spend per cost pool, plus an
interagency fee line for every child placed with another agency's adopters and an income
line for every other agency's child placed with the partnership's adopters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from demo.dates import IsoTable, day, fy_of, fy_start, month_start
from demo.sampling import unique_ids

FIRST_FY = 2019
LA_FEE = 27000.0
VAA_FEES = ((day(date(2019, 4, 1)), 31620.0), (day(date(2025, 4, 1)), 39245.0))
CENTRAL_BUDGET = 2_450_000  # region scale, 2019-20
MARKETING_BUDGET = 140_000
LOCALITY_BASE, LOCALITY_PER_SHARE = 250_000, 2_400_000
GROWTH = 1.025
COLUMNS = [
    "entry_id", "period_month", "cost_pool", "council_code", "entry_type", "amount_gbp",
    "child_id", "fee_type", "description",
]  # fmt: skip


def vaa_fee(place_day: np.ndarray) -> np.ndarray:
    fee = np.full(len(place_day), VAA_FEES[0][1])
    for start, amount in VAA_FEES:
        fee = np.where(place_day >= start, amount, fee)
    return fee


def _months(fy: int, as_of: int) -> np.ndarray:
    first = np.datetime64(f"{fy}-04")
    months = np.arange(first, first + 12).astype("datetime64[D]").astype("int64")
    return months[months <= as_of].astype("float64")


def simulate_ledger(
    rng: np.random.Generator,
    partners: list[str],
    weights: np.ndarray,
    size: float,
    interagency: pd.DataFrame,
    income_days: np.ndarray,
    as_of: int,
    iso: IsoTable,
) -> pd.DataFrame:
    """`size` scales central costs (1.0 = the demo region); `weights` are the partners' shares
    of adoption activity; `interagency` has child_id, council_code, place_day, fee_type."""
    shares = weights / weights.sum()
    rows: list[dict] = []
    last_fy = int(fy_of(np.array([as_of]))[0])
    for fy in range(FIRST_FY, last_fy + 1):
        growth = GROWTH ** (fy - FIRST_FY)
        start = float(fy_start(fy))
        months = _months(fy, as_of)
        pools = [("central_hub", None, CENTRAL_BUDGET * size * growth, 0.05)]
        pools.append(("marketing", None, MARKETING_BUDGET * size * growth, 0.6))
        pools += [
            ("locality_hub", code, (LOCALITY_BASE + LOCALITY_PER_SHARE * s * size) * growth, 0.07)
            for code, s in zip(partners, shares, strict=True)
        ]
        for pool, council, budget, noise in pools:
            budget = round(budget * rng.uniform(0.97, 1.03), -2)
            rows.append(
                _line(
                    start,
                    pool,
                    council,
                    "BUDGET",
                    budget,
                    f"{pool} budget {fy}-{(fy + 1) % 100:02d}",
                )
            )
            monthly = budget / 12 * np.clip(rng.normal(1.0, noise, len(months)), 0.05, None)
            for month, amount in zip(months, monthly, strict=True):
                rows.append(_line(month, pool, council, "SPEND", amount, f"{pool} monthly costs"))
        for code, s in zip(partners, shares, strict=True):
            expected = max(1, round(s * size * 104 * 0.1))
            rows.append(_line(start, "interagency_fees", code, "BUDGET", expected * LA_FEE,
                              f"interagency fees budget {fy}-{(fy + 1) % 100:02d}"))  # fmt: skip
    ledger = pd.DataFrame(rows)

    fees = interagency[interagency["place_day"] >= fy_start(FIRST_FY)]
    fee_amount = np.where(fees["fee_type"] == "VAA", vaa_fee(fees["place_day"].to_numpy()), LA_FEE)
    spend = pd.DataFrame(
        {
            "day": month_start(fees["place_day"].to_numpy()),
            "cost_pool": "interagency_fees",
            "council_code": fees["council_code"].to_numpy(),
            "entry_type": "SPEND",
            "amount": fee_amount,
            "child_id": fees["child_id"].to_numpy(),
            "fee_type": fees["fee_type"].to_numpy(),
            "description": "Interagency fee for a child placed with another agency's adopters",
        }
    )
    income_days = income_days[income_days >= fy_start(FIRST_FY)]
    income = pd.DataFrame(
        {
            "day": month_start(income_days),
            "cost_pool": "interagency_fees",
            "council_code": None,
            "entry_type": "INCOME",
            "amount": LA_FEE,
            "fee_type": "LA_RAA",
            "description": "Interagency fee received: another agency's child placed with our adopters",
        }
    )
    ledger = pd.concat([ledger, spend, income], ignore_index=True)
    ledger = ledger.sort_values(
        ["day", "cost_pool", "council_code", "entry_type", "child_id"],
        kind="stable",
        na_position="first",
    ).reset_index(drop=True)
    ledger["entry_id"] = unique_ids(rng, len(ledger), 1000000, "GL", 7)
    ledger["entry_id"] = np.sort(ledger["entry_id"].to_numpy().astype(str)).astype(object)
    ledger["period_month"] = iso(ledger["day"].to_numpy())
    ledger["amount_gbp"] = np.char.mod(
        "%.2f", np.round(ledger["amount"].to_numpy(float), 2)
    ).astype(object)
    for column in ("child_id", "fee_type", "council_code"):
        if column not in ledger:
            ledger[column] = None
    return ledger[COLUMNS]


def _line(when: float, pool: str, council, entry_type: str, amount: float, text: str) -> dict:
    return {
        "day": when, "cost_pool": pool, "council_code": council, "entry_type": entry_type,
        "amount": amount, "description": text,
    }  # fmt: skip
