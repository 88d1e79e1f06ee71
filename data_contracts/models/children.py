"""Child-level adoption journey tables (the core of the SSDA903 return)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_contracts import codes
from data_contracts.checks import not_after_reference, on_or_before, parse_iso
from data_contracts.models.base import CanonicalModel, child_id, code, date, record_id, text


class Children(CanonicalModel):
    """One row per child: characteristics (903 Header)."""

    child_id: Series[str] = child_id()
    sex: Series[str] = code(
        "Sex as the 903 codes it: 1/2 up to 2023-24, M/F/U from 2024-25.",
        codes.SEX_TO_2023_24 + codes.SEX_FROM_2024_25,
        required=True,
    )
    date_of_birth: Series[str] = date(
        "Date of birth; stored in the warehouse as month of birth only.",
        required=True,
        privacy="birth_date",
    )
    ethnicity: Series[str] = code("903 ethnicity code.", codes.ETHNIC, required=True)
    disability: Series[str] = code(
        "Y where the case system records a disability (not in the 903 Header).", codes.YES_NO
    )

    class Config:
        unique = ["child_id"]

    @pa.dataframe_check(name="sex_code_for_collection_year")
    def sex_code_for_year(cls, df: pd.DataFrame) -> Series[bool]:
        new_codes = df["collection_year"].astype(int) >= codes.SEX_CODES_CHANGE_YEAR
        allowed_new = df["sex"].isin(codes.SEX_FROM_2024_25)
        allowed_old = df["sex"].isin(codes.SEX_TO_2023_24)
        return (
            df["sex"].isna()
            | ~df["sex"].isin(codes.SEX_TO_2023_24 + codes.SEX_FROM_2024_25)
            | (new_codes & allowed_new)
            | (~new_codes & allowed_old)
        )

    @pa.dataframe_check(name="no_future_dates")
    def no_future_birth(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "date_of_birth")


class Episodes(CanonicalModel):
    """One row per episode of care (903 Episodes)."""

    child_id: Series[str] = child_id()
    decom: Series[str] = date("Date the episode started (DECOM).", required=True)
    rne: Series[str] = code("Reason for new episode (RNE).", codes.RNE, required=True)
    legal_status: Series[str] = code("Legal status (LS).", codes.LEGAL_STATUS, required=True)
    cin: Series[str] = code("Category of need (CIN).", codes.CIN, required=True)
    place: Series[str] = code("Placement type (PLACE).", codes.PLACE_ALL, required=True)
    place_provider: Series[str] = code(
        "Placement provider (PLACE_PROVIDER).", codes.PLACE_PROVIDER, blank_if_unknown=True
    )
    dec: Series[str] = date("Date the episode ceased (DEC); blank while open.")
    rec: Series[str] = code("Reason the episode ceased (REC).", codes.REC)
    reason_place_change: Series[str] = code(
        "Reason for placement change (REASON_PLACE_CHANGE).",
        codes.REASON_PLACE_CHANGE,
        blank_if_unknown=True,
    )
    home_postcode: Series[str] = text(
        "Home postcode; stored as postcode district only.", max_length=10, privacy="postcode"
    )
    placement_postcode: Series[str] = text(
        "Placement postcode; stored as postcode district only.", max_length=10, privacy="postcode"
    )
    urn: Series[str] = text(
        "Ofsted URN of the placement provider.",
        max_length=10,
        pattern=codes.OFSTED_URN,
        blank_if_invalid=True,
    )

    class Config:
        unique = ["child_id", "decom"]

    @pa.dataframe_check(name="dec_on_or_after_decom")
    def dec_after_decom(cls, df: pd.DataFrame) -> Series[bool]:
        return on_or_before(df, "decom", "dec")

    @pa.dataframe_check(name="dec_and_rec_together")
    def dec_with_rec(cls, df: pd.DataFrame) -> Series[bool]:
        # An open episode may carry X1 (both public 903 generators do); any other REC needs a DEC.
        open_episode = df["dec"].isna()
        return (open_episode & (df["rec"].isna() | (df["rec"] == "X1"))) | (
            ~open_episode & df["rec"].notna()
        )

    @pa.dataframe_check(name="rule_408_a5_a6_need_placement_order")
    def a5_a6_need_e1(cls, df: pd.DataFrame) -> Series[bool]:
        # As DfE 408: E1 only; a legacy D1 is also queried by legacy_freeing_order.
        return ~df["place"].isin(["A5", "A6"]) | (df["legal_status"] == "E1")

    @pa.dataframe_check(name="legacy_freeing_order")
    def no_freeing_order(cls, df: pd.DataFrame) -> Series[bool]:
        return df["legal_status"] != "D1"

    @pa.dataframe_check(name="rule_390_adopted_from_adoption_placement")
    def adopted_from_adoption_placement(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df["rec"].isin(codes.ADOPTED) | df["place"].isin(codes.ADOPTION_PLACEMENTS)

    @pa.dataframe_check(name="place_code_for_year")
    def place_for_year(cls, df: pd.DataFrame) -> Series[bool]:
        start, end = parse_iso(df["decom"]), parse_iso(df["dec"])
        ok = pd.Series(True, index=df.index)
        for place, first_year, last_year in codes.PLACE_BY_YEAR:
            rows = df["place"] == place
            if first_year is not None:  # must still be open on 1 April of the first year
                first_day = pd.Timestamp(first_year, 4, 1)
                ok &= ~rows | end.isna() | (end >= first_day)
            if last_year is not None:  # must have started by 31 March after the last year
                last_day = pd.Timestamp(last_year + 1, 3, 31)
                ok &= ~rows | start.isna() | (start <= last_day)
        return ok

    @pa.dataframe_check(name="no_future_dates")
    def no_future(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "decom") & not_after_reference(df, "dec")


class AdoptionDecisions(CanonicalModel):
    """Decisions that the child should be placed for adoption (903 PlacedAdoption)."""

    child_id: Series[str] = child_id()
    date_of_birth: Series[str] = date("Date of birth as repeated in this table (not stored).")
    decision_date: Series[str] = date(
        "Date of the agency decision that the child should be placed for adoption (ADM).",
        required=True,
    )
    decision_ceased_date: Series[str] = date("Date the plan for adoption ceased, if it did.")
    reason_ceased: Series[str] = code(
        "Why the plan ceased: RD1 needs changed, RD2 no placement order, RD3 no adopters, RD4.",
        codes.REASON_PLACED_CEASED,
        blank_if_unknown=True,
    )

    class Config:
        unique = ["child_id", "decision_date"]

    @pa.dataframe_check(name="ceased_on_or_after_decision")
    def ceased_after_decision(cls, df: pd.DataFrame) -> Series[bool]:
        return on_or_before(df, "decision_date", "decision_ceased_date")

    @pa.dataframe_check(name="ceased_date_and_reason_together")
    def ceased_with_reason(cls, df: pd.DataFrame) -> Series[bool]:
        return df["decision_ceased_date"].isna() == df["reason_ceased"].isna()

    @pa.dataframe_check(name="no_future_dates")
    def no_future(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "decision_date") & not_after_reference(
            df, "decision_ceased_date"
        )


class AdoptionMatches(CanonicalModel):
    """Matches of a child with adopters (903 AD1), with agency details where the source has them."""

    child_id: Series[str] = child_id()
    decision_date: Series[str] = date("Date of the decision to place (AD1 DATE_INT).")
    match_date: Series[str] = date("Date the child was matched with adopters (DATE_MATCH).")
    foster_carer_adoption: Series[str] = code(
        "1 when adopted by the current foster carer(s) (FOSTER_CARE).", codes.FOSTER_CARE
    )
    number_of_adopters: Series[str] = code(
        "Number of adopters (NB_ADOPTR).", codes.NB_ADOPTR, blank_if_unknown=True
    )
    adopter_sex: Series[str] = code(
        "Sex of adopter(s) (SEX_ADOPTR).", codes.SEX_ADOPTR, blank_if_unknown=True
    )
    adopter_legal_status: Series[str] = code(
        "Adopters' legal status (LS_ADOPTR).", codes.LS_ADOPTR, blank_if_unknown=True
    )
    adopter_household_id: Series[str] = record_id("The agency's adopter household id.")
    adopter_agency: Series[str] = code(
        "Who approved the adopters: RAA (this partnership), LA (another LA/RAA), VAA (voluntary).",
        codes.ADOPTER_AGENCY,
    )
    sibling_group_id: Series[str] = record_id("Shared by brothers and sisters placed together.")

    class Config:
        unique = ["child_id", "decision_date", "match_date"]

    @pa.dataframe_check(name="rule_151_ad1_all_or_none")
    def all_or_none(cls, df: pd.DataFrame) -> Series[bool]:
        fields = [
            "decision_date", "match_date", "foster_carer_adoption", "number_of_adopters",
            "adopter_sex", "adopter_legal_status",
        ]  # fmt: skip
        filled = df[fields].notna().sum(axis=1)
        return (filled == 0) | (filled == len(fields))

    @pa.dataframe_check(name="match_on_or_after_decision")
    def match_after_decision(cls, df: pd.DataFrame) -> Series[bool]:
        return on_or_before(df, "decision_date", "match_date")

    @pa.dataframe_check(name="no_future_dates")
    def no_future(cls, df: pd.DataFrame) -> Series[bool]:
        return not_after_reference(df, "decision_date") & not_after_reference(df, "match_date")
