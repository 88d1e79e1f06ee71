"""Adopter households and their journey through assessment (agency adoption systems)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts import codes
from data_contracts.checks import not_after_reference
from data_contracts.models.base import CanonicalModel, code, date, record_id, text


class AdopterHouseholds(CanonicalModel):
    """One row per prospective adopter household."""

    household_id: Series[str] = record_id("The agency's household id.", required=True)
    council_code: Series[str] = text("Council whose hub assessed the household.", max_length=10)
    number_of_adopters: Series[str] = code("1 or 2 adopters.", codes.NB_ADOPTR)
    household_type: Series[str] = code("Legal status of the couple (LS_ADOPTR).", codes.LS_ADOPTR)
    early_permanence: Series[str] = code(
        "Y if approved for early permanence (fostering for adoption / concurrent).", codes.YES_NO
    )

    class Config:
        unique = ["household_id"]


class AdopterEvents(CanonicalModel):
    """Stages a household passes: enquiry, registration, stage 1/2, approval, match, withdrawal."""

    household_id: Series[str] = record_id("The agency's household id.", required=True)
    council_code: Series[str] = text("Council whose hub holds the household.", max_length=10)
    event_type: Series[str] = code("Stage reached.", codes.ADOPTER_EVENTS, required=True)
    event_date: Series[str] = date("Date the stage was reached.", required=True)
    reason: Series[str] = code(
        "Why the household left (withdrawals), from the partnership's list; a reason off it is "
        "left blank and queried (free text is not kept).",
        codes.WITHDRAWAL_REASONS, blank_if_unknown=True,
    )  # fmt: skip

    class Config:
        unique = ["household_id", "event_type", "event_date"]

    @pa.dataframe_check(name="no_future_dates")
    def no_future(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "event_date")
