"""The partnership's finance ledger: budgets, spend and income by month and cost pool."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts import codes
from data_contracts.models.base import CanonicalModel, code, date, money, record_id, text


class FinanceLedger(CanonicalModel):
    """One ledger line. Central costs leave council_code blank; locality costs name their council."""

    entry_id: Series[str] = record_id("Ledger line id.", required=True)
    period_month: Series[str] = date("First day of the month the line belongs to.", required=True)
    cost_pool: Series[str] = text(
        "Cost pool, a name like central_hub (small letters joined by _), as the funding "
        "formula names its pools.",
        required=True, max_length=40, pattern=r"[a-z]+(?:_[a-z]+)*",
    )  # fmt: skip
    council_code: Series[str] = text("Council the line belongs to; blank = central.", max_length=10)
    entry_type: Series[str] = code(
        "BUDGET, SPEND or INCOME.", codes.LEDGER_ENTRY_TYPES, required=True
    )
    amount_gbp: Series[str] = money("Amount in pounds (positive).", required=True)
    child_id: Series[str] = text(
        "Child an interagency fee is for.", max_length=40, privacy="child_id"
    )
    fee_type: Series[str] = code(
        "Interagency fee type: LA_RAA or VAA.", codes.INTERAGENCY_FEE_TYPES
    )
    description: Series[str] = text(
        "Free-text description: checked, never stored (it may name anyone).",
        max_length=200, privacy="free_text",
    )  # fmt: skip

    class Config:
        unique = ["entry_id"]

    @pa.dataframe_check(name="period_is_first_of_month")
    def first_of_month(cls, df: pd.DataFrame) -> Series[bool]:
        return df["period_month"].isna() | df["period_month"].str.endswith("-01")

    @pa.dataframe_check(name="amount_not_negative")
    def positive(cls, df: pd.DataFrame) -> Series[bool]:
        return df["amount_gbp"].isna() | ~df["amount_gbp"].str.startswith("-")
