"""The rest of the SSDA903 return: kept and checked so that nothing a council sends is lost,
though the adoption marts do not use them yet. No figure needs their codes, so a code off the
list is left blank and queried (blank_if_unknown), never a reason to hold the row back."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts import codes
from data_contracts.checks import not_after_reference, on_or_before
from data_contracts.models.base import CanonicalModel, child_id, code, count, date, record_id, text


def flag(description: str):
    """A 0/1 answer no figure reads: off the list, it is left blank and queried."""
    return code(description, codes.ZERO_ONE, blank_if_unknown=True)


class Reviews(CanonicalModel):
    """Looked-after reviews (903 Reviews)."""

    child_id: Series[str] = child_id()
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    review_date: Series[str] = date("Date of the review.", required=True)
    review_code: Series[str] = code(
        "Child's participation (PN0-PN7).", codes.REVIEW_CODE, blank_if_unknown=True
    )

    class Config:
        unique = ["child_id", "review_date"]

    @pa.dataframe_check(name="no_future_dates")
    def no_future(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "review_date")


class MissingEpisodes(CanonicalModel):
    """Periods missing or away from placement (903 Missing)."""

    child_id: Series[str] = child_id()
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    missing_type: Series[str] = code(
        "M missing, A away without authorisation.", codes.MISSING_TYPE, blank_if_unknown=True
    )
    start_date: Series[str] = date("Start of the missing period.", required=True)
    end_date: Series[str] = date("End of the missing period.")

    class Config:
        unique = ["child_id", "start_date"]

    @pa.dataframe_check(name="end_on_or_after_start")
    def end_after_start(cls, df: pd.DataFrame) -> Series[bool]:
        return on_or_before(df, "start_date", "end_date")


class PreviousPermanence(CanonicalModel):
    """Permanence before this period of care (903 PrevPerm). DATE_PERM may be partial."""

    child_id: Series[str] = child_id()
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    previous_permanence: Series[str] = text(
        "PREV_PERM code.", max_length=4, pattern=codes.PREV_PERM, blank_if_invalid=True
    )
    previous_permanence_la: Series[str] = text(
        "LA_PERM: the LA that granted it (a 3-digit LA code, or 3 capitals such as WAL); "
        "anything else is left blank and queried.",
        max_length=10, pattern=codes.LA_PERM, blank_if_invalid=True,
    )  # fmt: skip
    previous_permanence_date: Series[str] = text(
        "DATE_PERM, possibly partial (zz for an unknown day, month or year); anything else is "
        "left blank and queried.",
        max_length=10, pattern=codes.DATE_PERM, blank_if_invalid=True,
    )  # fmt: skip

    class Config:
        unique = ["child_id"]


class Uasc(CanonicalModel):
    """Unaccompanied asylum-seeking children (903 UASC)."""

    child_id: Series[str] = child_id()
    sex: Series[str] = code(
        "Sex code.", codes.SEX_TO_2023_24 + codes.SEX_FROM_2024_25, blank_if_unknown=True
    )
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    uasc_ceased_date: Series[str] = date("Date UASC status ceased (DUC).")

    class Config:
        unique = ["child_id"]


class HealthOutcomes(CanonicalModel):
    """Health and offending outcomes (903 OC2)."""

    child_id: Series[str] = child_id()
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    sdq_score: Series[str] = count("Strengths and difficulties score (0-40).")
    sdq_reason: Series[str] = text(
        "Why no SDQ score.", max_length=4, pattern=codes.SDQ_REASON, blank_if_invalid=True
    )
    convicted: Series[str] = flag("Convicted during the year.")
    health_check: Series[str] = flag("Health check up to date.")
    immunisations: Series[str] = flag("Immunisations up to date.")
    teeth_check: Series[str] = flag("Dental check up to date.")
    health_assessment: Series[str] = flag("Health assessment up to date.")
    substance_misuse: Series[str] = flag("Substance misuse identified.")
    intervention_received: Series[str] = flag("Intervention received.")
    intervention_offered: Series[str] = flag("Intervention offered.")

    class Config:
        unique = ["child_id"]

    @pa.dataframe_check(name="sdq_score_range")
    def sdq_range(cls, df: pd.DataFrame) -> Series[bool]:
        score = pd.to_numeric(df["sdq_score"], errors="coerce")
        return score.isna() | score.between(0, 40)


class CareLeavers(CanonicalModel):
    """Care leavers' outcomes (903 OC3)."""

    child_id: Series[str] = child_id()
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    in_touch: Series[str] = text(
        "IN_TOUCH code.", max_length=4, pattern=codes.IN_TOUCH, blank_if_invalid=True
    )
    activity: Series[str] = text(
        "ACTIV code.", max_length=4, pattern=codes.OC3_ACTIVITY, blank_if_invalid=True
    )
    accommodation: Series[str] = text(
        "ACCOM code.", max_length=4, pattern=codes.OC3_ACCOMMODATION, blank_if_invalid=True
    )

    class Config:
        unique = ["child_id"]


class SocialWorkerEpisodes(CanonicalModel):
    """Allocated social worker episodes (903 SWEpisodes, from 2023-24)."""

    child_id: Series[str] = child_id()
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    social_worker_id: Series[str] = record_id(
        "Social worker id (SW_ID), stored as a keyed hash.", required=True, max_length=20
    )
    start_date: Series[str] = date("Start of the allocation (SW_DECOM).", required=True)
    end_date: Series[str] = date("End of the allocation (SW_DEC).")
    reason: Series[str] = code(
        "Why the allocation ended (SW_REASON).",
        ("MANAGE", "FTERM", "LEFTROLE", "ORGRESTRUCT", "OTHER", "UNKNOWN"),
        blank_if_unknown=True,
    )

    class Config:
        unique = ["child_id", "start_date"]

    @pa.dataframe_check(name="end_on_or_after_start")
    def end_after_start(cls, df: pd.DataFrame) -> Series[bool]:
        return on_or_before(df, "start_date", "end_date")
