"""Adoption support: cases, Adoption Support Fund applications, letterbox exchanges."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts import codes
from data_contracts.checks import not_after_reference, on_or_before
from data_contracts.models.base import CanonicalModel, code, date, money, record_id, text


class SupportCases(CanonicalModel):
    """One row per adoption-support case (a family asking for support)."""

    case_id: Series[str] = record_id("The agency's support case id.", required=True)
    council_code: Series[str] = text("Council responsible for the support.", max_length=10)
    child_id: Series[str] = text("Child id, where known.", max_length=40, privacy="child_id")
    case_type: Series[str] = code(
        "ADOPTION, SGO or OTHER.", codes.SUPPORT_CASE_TYPES, required=True
    )
    referral_date: Series[str] = date("Date support was requested.", required=True)
    assessment_date: Series[str] = date("Date the support needs assessment was completed.")
    closed_date: Series[str] = date("Date the case closed.")

    class Config:
        unique = ["case_id"]

    @pa.dataframe_check(name="assessment_on_or_after_referral")
    def assessed_after_referral(cls, df: pd.DataFrame) -> Series[bool]:
        return on_or_before(df, "referral_date", "assessment_date")

    @pa.dataframe_check(name="no_future_dates")
    def no_future(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "referral_date") & not_after_reference(df, "assessment_date")


class SupportFundApplications(CanonicalModel):
    """Applications to the Adoption and Special Guardianship Support Fund (ASF)."""

    application_id: Series[str] = record_id("The agency's application id.", required=True)
    council_code: Series[str] = text("Council that applied.", max_length=10)
    case_id: Series[str] = record_id("Support case the application belongs to.")
    application_date: Series[str] = date("Date the application was made.", required=True)
    amount_applied_gbp: Series[str] = money("Amount applied for, in pounds.", required=True)
    decision_date: Series[str] = date("Date the fund decided.")
    amount_approved_gbp: Series[str] = money("Amount approved, in pounds.")
    status: Series[str] = code("PENDING, APPROVED or DECLINED.", codes.ASF_STATUS, required=True)

    class Config:
        unique = ["application_id"]

    @pa.dataframe_check(name="approved_not_above_applied")
    def approved_le_applied(cls, df: pd.DataFrame) -> Series[bool]:
        applied = pd.to_numeric(df["amount_applied_gbp"], errors="coerce")
        approved = pd.to_numeric(df["amount_approved_gbp"], errors="coerce")
        return applied.isna() | approved.isna() | (approved <= applied)

    @pa.dataframe_check(name="decision_on_or_after_application")
    def decided_after_applied(cls, df: pd.DataFrame) -> Series[bool]:
        return on_or_before(df, "application_date", "decision_date")


class LetterboxExchanges(CanonicalModel):
    """Letterbox ("post box") exchanges between adoptive and birth families."""

    exchange_id: Series[str] = record_id("The agency's exchange id.", required=True)
    council_code: Series[str] = text("Council that ran the exchange.", max_length=10)
    case_id: Series[str] = record_id("Support case, where recorded.")
    exchange_date: Series[str] = date("Date of the exchange.", required=True)
    direction: Series[str] = code(
        "IN from the birth family, OUT to it.", codes.LETTERBOX_DIRECTION, required=True
    )

    class Config:
        unique = ["exchange_id"]

    @pa.dataframe_check(name="no_future_dates")
    def no_future(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "exchange_date")
