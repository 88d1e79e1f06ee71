"""Every kind of bad input gets a clear message, and no row is lost."""

from __future__ import annotations

import csv
import io

import pytest

from tests.ingest.helpers import (
    EPISODES,
    GOOD_EPISODES,
    GOOD_HEADER,
    HEADER,
    assert_accounted,
    drop,
    ingest,
    ingest_files,
    rules,
    workbook,
)


def test_clean_submission_loads_everything(settings, registry, warehouse):
    folder = drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES})
    outcome = ingest(warehouse, settings, registry, "NTH", folder)
    assert outcome.status == "loaded"
    assert outcome.rejections.empty
    assert warehouse.sql("select count(*) from canonical.episodes").fetchone()[0] == 3
    assert_accounted(outcome)


def test_windows_1252_is_read_with_a_note_to_the_council(settings, registry, warehouse):
    cp1252 = (HEADER + "C1,M,01/02/2019,WBRI,,,\nCÉ2,F,15/06/2020,BAFR,,,\n").encode("cp1252")
    folder = drop(settings.landing_dir, "NTH", "s1", {"header.csv": cp1252})
    (folder / "submission.yaml").write_text("reference_date: 2026-10-31\ncollection_year: 2024\n")
    outcome = ingest(warehouse, settings, registry, "NTH", folder)
    assert outcome.status == "loaded" and outcome.rejections.empty
    assert "read as Windows-1252 text (byte 0xc9 on line 3" in outcome.file_loads.loc[0, "message"]
    assert warehouse.sql("select count(*) from canonical.children").fetchone()[0] == 2


def test_text_in_no_known_encoding_fails_the_submission_naming_the_file(
    settings, registry, warehouse
):
    undecodable = (HEADER + "C1,M,01/02/2019,WBRI,,,\n").encode() + b"C\x81,F,15/06/2020,BAFR,,,\n"
    folder = drop(settings.landing_dir, "NTH", "s1", {"header.csv": undecodable})
    outcome = ingest(warehouse, settings, registry, "NTH", folder)
    assert outcome.status == "failed"
    assert "header.csv is not UTF-8" in outcome.message and "line 3" in outcome.message


def test_semicolon_delimited_file_is_read_with_a_note(settings, registry, warehouse):
    text = GOOD_HEADER.replace(",", ";")
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "loaded" and outcome.rows_received == 2
    assert "values separated by ';' and read so" in outcome.file_loads.iloc[0]["message"]


def test_missing_required_column_names_it(settings, registry, warehouse):
    text = GOOD_EPISODES.replace("RNE,", "").replace(",S,", ",").replace(",L,", ",")
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"eps.csv": text})
    assert outcome.status == "failed"
    assert "eps.csv looks like the Episodes table but is missing the required column(s) RNE" in (
        outcome.message
    )


def test_extra_unknown_column_is_ignored_and_reported(settings, registry, warehouse):
    text = GOOD_HEADER.replace("MC_DOB\n", "MC_DOB,LOCAL_FLAG\n").replace(",,\n", ",,x\n")
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "loaded"
    assert "LOCAL_FLAG" in outcome.file_loads.loc[0, "message"]
    columns = [r[0] for r in warehouse.sql("describe canonical.children").fetchall()]
    assert "LOCAL_FLAG" not in columns and "local_flag" not in columns


@pytest.mark.parametrize(
    ("column", "word"),
    [("Forename", "Forename"), ("CHILDNAME", "CHILDNAME"), ("FULLNAME", "FULLNAME"),
     ("Last_Name", "Last_Name"), ("ChildFullName", "Full Name"), ("NHSNumber", "NHS"),
     ("HomeAddress", "Address"), ("Child Name Zebedee Quux", "Child Name"),
     ("NHS 9434765919", "NHS")],
)  # fmt: skip
def test_column_that_looks_like_a_name_is_refused_not_stored(
    column, word, settings, registry, warehouse
):
    """The column is named by its position and the word that gave it away, never by its header
    (which may hold the very name or number it is about)."""
    text = GOOD_HEADER.replace("MC_DOB\n", f"MC_DOB,{column}\n").replace(",,\n", ",,Amy\n")
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "failed"
    assert f"(column 8, by the word '{word}')" in outcome.message
    assert "Personal details must not be sent" in outcome.message
    for part in ("Zebedee", "Quux", "9434765919"):
        assert part not in outcome.message
    assert warehouse.sql("select count(*) from canonical.children").fetchone()[0] == 0


def test_duplicate_keys_and_duplicate_rows(settings, registry, warehouse):
    text = GOOD_EPISODES + (
        "C2,01/07/2021,S,V2,N4,U1,PR1,,,,AB1 2CD,,\n"  # exact copy of row 4: the copy goes
        "C1,01/06/2020,L,C2,N1,U5,PR1,,,,EG19 7TT,WV27 9FW,SC123456\n"  # same key as row 3
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    found = outcome.rejections.set_index("source_row")["rule"].to_dict()
    assert found == {5: "duplicate_row", 3: "duplicate_key", 6: "duplicate_key"}
    assert warehouse.sql("select count(*) from canonical.episodes").fetchone()[0] == 2
    assert_accounted(outcome)


def test_duplicate_keys_with_a_blank_part_or_wholly_blank(settings, registry, warehouse):
    """AD1's key (child, DATE_INT, DATE_MATCH) may be partly blank: two such rows for one child
    are duplicates. Header rows with no CHILD are `required` failures, not duplicates."""
    matches = "CHILD,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\n"
    header = HEADER + ",M,01/02/2019,WBRI,,,\n,F,01/03/2019,WBRI,,,\nC1,F,01/03/2019,WBRI,,,\n"
    outcome = ingest(warehouse, settings, registry, "NTH",
                     drop(settings.landing_dir, "NTH", "s1", {
                         "ad1.csv": matches + "C1,,,,,,\nC1,,,1,,,\n", "h.csv": header,
                     }))  # fmt: skip
    rules = outcome.rejections.groupby(["file_name", "source_row"])["rule"].apply(set).to_dict()
    assert rules[("ad1.csv", 2)] == {"duplicate_key"}
    assert rules[("ad1.csv", 3)] == {"duplicate_key", "rule_151_ad1_all_or_none"}
    assert rules[("h.csv", 2)] == {"required"} and rules[("h.csv", 3)] == {"required"}
    assert ("h.csv", 4) not in rules
    assert_accounted(outcome)


def test_impossible_dates_are_rejected_with_the_value_sent(settings, registry, warehouse):
    text = HEADER + "C1,M,31/02/2020,WBRI,,,\nC2,F,2020-13-01,WBRI,,,\nC3,F,1/2/202,WBRI,,,\n"
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    bad = outcome.rejections.set_index("source_row")
    assert set(bad.index) == {2, 3, 4}  # 1/2/202: a three-digit year is not read
    assert (bad["rule"] == "real_date").all()
    assert bad.loc[2, "offending_value"] == "99/99/9999"  # a date of birth: its shape only
    assert "not a real date written as dd/mm/yyyy" in bad.loc[3, "message"]


def test_dates_saved_with_a_midnight_time_are_read(settings, registry, warehouse):
    """Date cells exported with their time (`03/02/2015 00:00`, `2015-02-03 00:00:00`) are
    readable dates; any other time is not dropped, and the row is rejected with its shape."""
    text = HEADER + (
        "C1,M,01/02/2019 00:00,WBRI,,,\nC2,F,2020-06-15 00:00:00,BAFR,,,\n"
        "C3,F,2020-06-15T00:00:00.000,BAFR,,,\nC4,F,15/06/2020 13:45,BAFR,,,\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "loaded"
    assert outcome.rejections["source_row"].tolist() == [5]
    assert outcome.rejections.loc[0, "offending_value"] == "99/99/9999 99:99"
    months = warehouse.sql("select birth_month from canonical.children order by 1").fetchall()
    assert [str(m) for (m,) in months] == ["2019-02-01", "2020-06-01", "2020-06-01"]
    assert_accounted(outcome)


def test_iso_dates_in_a_dd_mm_yyyy_csv_are_read_and_queried(settings, registry, warehouse):
    """2019-02-01 in a CSV whose layout writes dd/mm/yyyy is unambiguous: read and kept, with a
    query asking the council to export dd/mm/yyyy. The line names the column, never the date."""
    text = HEADER + (
        "C1,M,2019-02-01,WBRI,,,\nC2,F,2020-06-15 00:00:00,BAFR,,,\nC3,F,15/06/2020,BAFR,,,\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "loaded" and outcome.rejections.empty
    queried = outcome.warnings.set_index("source_row")
    assert queried["rule"].to_dict() == {2: "date_format_iso", 3: "date_format_iso"}
    assert queried.loc[2, "message"] == (
        "DOB has a date written as yyyy-mm-dd, but this layout writes dates as dd/mm/yyyy. The "
        "date is unambiguous, so it was read and the row kept; please export dates as dd/mm/yyyy."
    )
    months = warehouse.sql("select birth_month from canonical.children order by 1").fetchall()
    assert [str(m) for (m,) in months] == ["2019-02-01", "2020-06-01", "2020-06-01"]
    assert_accounted(outcome)


def test_dates_without_leading_zeros_are_read_and_queried(settings, registry, warehouse):
    """1/2/2019 for 01/02/2019 (Excel re-saving a 903 CSV writes its dates so) is unambiguous in
    a dd/mm/yyyy layout: read and kept, each row queried naming the column, never the date. Not
    a real date (31/2/2019) is rejected as before."""
    text = HEADER + (
        "C1,M,1/2/2019,WBRI,,,\nC2,F,15/6/2020 00:00,BAFR,,,\nC3,F,15/06/2020,BAFR,,,\n"
        "C4,F,31/2/2019,BAFR,,,\nC5,F,31/2/19,BAFR,,,\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "loaded"
    queried = outcome.warnings.set_index("source_row")
    assert queried["rule"].to_dict() == {2: "date_format_unpadded", 3: "date_format_unpadded"}
    assert queried.loc[2, "message"] == (
        "DOB has a date written without its leading zeros (as 1/3/2020 for 01/03/2020), but this "
        "layout writes dates as dd/mm/yyyy. The date is unambiguous, so it was read and the row "
        "kept; please export dates as dd/mm/yyyy (a spreadsheet saving the file may have changed "
        "them)."
    )
    assert outcome.rejections.set_index("source_row")["rule"].to_dict() == {
        5: "real_date",
        6: "real_date",
    }
    months = warehouse.sql("select birth_month from canonical.children order by 1").fetchall()
    assert [str(m) for (m,) in months] == ["2019-02-01", "2020-06-01", "2020-06-01"]
    assert_accounted(outcome)


def test_two_digit_years_are_read_in_the_century_nearest_this_year_and_queried(
    settings, registry, warehouse
):
    """1/2/19 (Excel's short date, re-saved into a CSV) is read as 2019 with a query naming the
    column, never the date; 15/06/99 as 1999. 1/2/2019 in the same file is queried as unpadded
    only; 29/2/19 is no real date."""
    text = HEADER + (
        "C1,M,1/2/19,WBRI,,,\nC2,F,15/06/99,BAFR,,,\nC3,F,1/2/2019,BAFR,,,\nC4,F,29/2/19,BAFR,,,\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "loaded"
    queried = outcome.warnings.set_index("source_row")
    assert queried["rule"].to_dict() == {
        2: "date_format_two_digit_year",
        3: "date_format_two_digit_year",
        4: "date_format_unpadded",
    }
    assert queried.loc[2, "message"] == (
        "DOB has a date written with a two-digit year (as 1/3/20 for 01/03/2020), but this layout "
        "writes dates as dd/mm/yyyy. It was read in the century putting it nearest this year (20 "
        "as 2020, 95 as 1995) and the row kept; please check the date and export dates as "
        "dd/mm/yyyy (a spreadsheet saving the file may have shortened the years)."
    )
    assert outcome.rejections.set_index("source_row")["rule"].to_dict() == {5: "real_date"}
    months = warehouse.sql("select birth_month from canonical.children order by 1").fetchall()
    assert [str(m) for (m,) in months] == ["1999-06-01", "2019-02-01", "2019-02-01"]
    assert_accounted(outcome)


def test_a_two_digit_year_is_read_within_fifty_years_of_this_one():
    """Whatever this year: a year up to 50 after it is in its century or the next, one further
    in the century before (a future date so written stays a future date, which is held back as
    one written in full). A year-first layout never reads a two-digit year (20-3-1 could be read
    two ways)."""
    import datetime as dt

    import pandas as pd

    from data_contracts.profiles import load_profile
    from pipelines.ingest.dialect import normalise_dates

    year = dt.date.today().year
    sent = [f"1/3/{(year + ahead) % 100:02d}" for ahead in (0, 1, 50, 51, -49)]
    read = normalise_dates(pd.Series(sent), load_profile("ssda903")).tolist()
    expected = [year, year + 1, year + 50, year + 51 - 100, year - 49]
    assert read == [f"{y}-03-01" for y in expected]
    assert normalise_dates(pd.Series(["20-3-1"]), load_profile("mosaic")).tolist() == ["20-3-1"]
    charms = normalise_dates(pd.Series([f"5-Mar-{year % 100:02d}"]), load_profile("charms"))
    assert charms.tolist() == [f"{year}-03-05"]


def test_unpadded_dates_read_in_a_month_name_layout():
    """CHARMS writes 05-Mar-2020; 5-Mar-2020 is read as the same date."""
    import pandas as pd

    from data_contracts.profiles import load_profile
    from pipelines.ingest.dialect import normalise_dates

    read = normalise_dates(pd.Series(["5-Mar-2020", "05-Mar-2020", "5-MAR-2020"]),
                           load_profile("charms"))  # fmt: skip
    assert read.tolist() == ["2020-03-05", "2020-03-05", "5-MAR-2020"]


def test_iso_dates_are_queried_in_text_files_only(settings, registry, warehouse):
    """A workbook's date cells reach the contract as ISO text: never queried. The same layout's
    rows sent as CSV are text as the council wrote them: queried."""
    import datetime as dt

    data = workbook({"Children": [
        ["Person ID", "Gender", "Date of Birth", "Ethnicity"],
        [101, "M", dt.datetime(2019, 2, 1), "WBRI"],
        [102, "F", "2019-03-01", "WBRI"],
    ]})  # fmt: skip
    outcome = ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": data})
    assert outcome.status == "loaded" and outcome.rejections.empty and outcome.warnings.empty
    text = (
        "Person ID,Gender,Date of Birth,Ethnicity\n101,M,2019-02-01,WBRI\n102,F,01/03/2019,WBRI\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "FEN", {"children.csv": text}, "s2")
    assert outcome.status == "loaded" and outcome.rejections.empty
    assert outcome.warnings.set_index("source_row")["rule"].to_dict() == {2: "date_format_iso"}


def test_an_iso_dialect_does_not_query_its_own_dates(settings, registry, warehouse):
    text = (
        "PERSON_ID,GENDER,DATE_OF_BIRTH,ETHNICITY_CODE,DISABILITY_FLAG\n"
        "P1,Female,2019-02-01,WBRI,No\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "ASH", {"people.csv": text})
    assert outcome.rejections.empty and outcome.warnings.empty


def test_future_dates_and_dec_before_decom(settings, registry, warehouse):
    text = EPISODES + (
        "C1,01/03/2020,S,C1,N1,U4,PR1,01/02/2020,X1,,,,\n"  # ends before it starts
        "C2,01/03/2027,S,C1,N1,U4,PR1,,,,,,\n"  # after the export date 31/10/2026
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    assert rules(outcome) == {"dec_on_or_after_decom": 1, "no_future_dates": 1}
    assert_accounted(outcome)


def test_lower_case_codes_are_read_in_capitals_and_unknown_codes_held_back(
    settings, registry, warehouse
):
    """RNE 's' is readable as S: the row is kept and queried (held back, an adopted child's
    episode would take the adoption out of the figures); CIN N9 is no code at all."""
    text = EPISODES + "C1,01/03/2020,s,C1,N1,U4,PR1,,,,,,\nC2,01/03/2020,S,C1,N9,U4,PR1,,,,,,\n"
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    queried = outcome.warnings.set_index("source_row")
    assert queried.loc[2, "rule"] == "code_read_in_capitals"
    assert "RNE has 's': codes must be in capitals. It was read as 'S'" in queried.loc[2, "message"]
    bad = outcome.rejections.set_index("source_row")
    assert 2 not in bad.index
    assert bad.loc[3, "rule"] == "code_list" and bad.loc[3, "source_column"] == "CIN"
    assert warehouse.sql("select rne from canonical.episodes").fetchall() == [("S",)]


def test_local_codes_in_other_letters_are_recoded_and_queried(settings, registry, warehouse):
    """A dialect's own local code in other letters than its profile's (Mosaic 'regional' for
    REGIONAL, 'female' for Female) is recoded as the profile's spelling is and the row kept, with
    a query naming the council's column and value as sent (it was held back as off the list)."""
    matches = (
        "PERSON_ID,ADM_DECISION_DATE,MATCH_DATE,ADOPTED_BY_FOSTER_CARER,NUMBER_OF_ADOPTERS,"
        "ADOPTER_GENDERS,ADOPTER_LEGAL_STATUS,ADOPTIVE_HOUSEHOLD_ID,APPROVING_AGENCY_TYPE,"
        "SIBLING_GROUP_REF\n"
        "P1,2020-01-01,2020-03-01,Y,1,M1,L0,H1,regional,\n"
        "P2,2020-01-01,2020-03-01,N,1,M1,L0,H2,Voluntary,\n"
        "P3,2020-01-01,2020-03-01,N,1,M1,L0,H3,OTHER_LA,\n"
    )
    people = (
        "PERSON_ID,GENDER,DATE_OF_BIRTH,ETHNICITY_CODE,DISABILITY_FLAG\n"
        "P1,female,2019-02-01,WBRI,No\nP2,MALE,2019-03-01,WBRI,No\nP3,m,2019-03-01,WBRI,No\n"
    )
    outcome = ingest(warehouse, settings, registry, "ASH", drop(
        settings.landing_dir, "ASH", "s1", {"matches.csv": matches, "people.csv": people}
    ))  # fmt: skip
    assert outcome.rejections.empty
    queried = outcome.warnings.set_index(["file_name", "source_row"])
    assert queried["rule"].to_dict() == {
        ("matches.csv", 2): "local_code_read_ignoring_case",
        ("matches.csv", 3): "local_code_read_ignoring_case",
        ("people.csv", 2): "local_code_read_ignoring_case",
        ("people.csv", 3): "local_code_read_ignoring_case",
        ("people.csv", 4): "code_read_in_capitals",  # a canonical code in small letters
    }
    assert queried.loc[("matches.csv", 2), "message"] == (
        "APPROVING_AGENCY_TYPE has 'regional': this layout writes the code 'REGIONAL'. It was "
        "read as 'REGIONAL' and the row kept; please correct it."
    )
    assert (
        "GENDER has 'female': this layout writes the code 'Female'"
        in (queried.loc[("people.csv", 2), "message"])
    )
    agencies = warehouse.sql("select adopter_agency from canonical.adoption_matches order by 1")
    assert agencies.fetchall() == [("LA",), ("RAA",), ("VAA",)]
    sexes = warehouse.sql("select sex from canonical.children order by 1").fetchall()
    assert sexes == [("F",), ("M",), ("M",)]
    assert_accounted(outcome)


def test_sex_codes_of_another_collection_year_are_kept_and_queried(settings, registry, warehouse):
    """As DfE reads them: M in a 2023-24 file (1/2 that year), or 1 in a 2024-25 file (M/F/U
    that year), is the same sex in the year's codes; the row is kept and the council asked."""
    for year, codes in ((2023, ("1", "M")), (2024, ("M", "1"))):
        rows = HEADER + f"C1,{codes[0]},01/02/2019,WBRI,,,\nC2,{codes[1]},01/02/2019,WBRI,,,\n"
        folder = drop(settings.landing_dir, "NTH", f"s{year}", {"h.csv": rows})
        (folder / "submission.yaml").write_text(
            f"reference_date: {year}-10-31\ncollection_year: {year}\n"
        )
        outcome = ingest(warehouse, settings, registry, "NTH", folder)
        assert outcome.rejections.empty
        queried = outcome.warnings.set_index("source_row")
        assert queried["rule"].to_dict() == {3: "sex_code_for_collection_year"}
        assert f"SEX '{codes[1]}'" in queried.loc[3, "message"]
        assert_accounted(outcome)
    sexes = warehouse.execute("select count(*) from canonical.children").fetchone()
    assert sexes == (2,)  # both children of the last submission in use


def test_empty_file_fails_the_submission(settings, registry, warehouse):
    outcome = ingest_files(
        warehouse, settings, registry, "NTH", {"e.csv": "", "h.csv": GOOD_HEADER}
    )
    assert outcome.status == "failed" and "e.csv is empty" in outcome.message
    assert_accounted(outcome)


def test_truncated_file_rejects_the_cut_row(settings, registry, warehouse):
    text = GOOD_EPISODES + "C3,01/07/2021,S,V2"  # the export stopped mid-row
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    bad = outcome.rejections.set_index("source_row")
    assert bad.loc[5, "rule"] == "ragged_row" and "cut short" in bad.loc[5, "message"]
    assert outcome.file_loads.loc[0, "rows_received"] == 4
    assert_accounted(outcome)


def test_not_csv_or_xlsx_and_unknown_table(settings, registry, warehouse):
    outcome = ingest(warehouse, settings, registry, "NTH", drop(
        settings.landing_dir, "NTH", "s1",
        {"report.pdf": b"%PDF-1.4\x00\x01binary", "notes.csv": "Team,Owner\nA,B\n"},
    ))  # fmt: skip
    assert outcome.status == "failed"
    assert "report.pdf is not a CSV or XLSX file" in outcome.message
    assert "notes.csv is not a table of the SSDA903" in outcome.message


def test_text_named_as_a_workbook_says_so(settings, registry, warehouse):
    """A CSV named .xlsx still loads; text that is no table says it is not a workbook (it said
    only 'its columns are AAAAAAA', the header's shape)."""
    misnamed = ingest_files(warehouse, settings, registry, "NTH", {"e.xlsx": GOOD_EPISODES})
    assert misnamed.status == "loaded", misnamed.message
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"export.xlsx": "garbage\n"})
    assert outcome.status == "failed"
    assert "export.xlsx is named as an Excel workbook but is not one" in outcome.message


def test_xlsx_with_the_wrong_sheet_names_it(settings, registry, warehouse):
    data = workbook({"Sheet1": [["Team", "Owner"], ["A", "B"]]})
    outcome = ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": data})
    assert outcome.status == "failed"
    assert "export.xlsx (sheet 'Sheet1') is not a table of the Liquidlogic" in outcome.message


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf"
        + (HEADER + "C1,M,01/02/2019,WBRI,,,\nC\xc92,F,15/06/2020,BAFR,,,\n").encode("cp1252"),
        b"\n\xef\xbb\xbf"
        + (HEADER + "C1,M,01/02/2019,WBRI,,,\nC2,F,15/06/2020,BAFR,,,\n").encode(),
    ],
    ids=["windows-1252-after-a-utf-8-mark", "utf-8-mark-below-a-blank-line"],
)
def test_a_byte_order_mark_is_no_promise_and_no_header(data, settings, registry, warehouse):
    """Files joined or re-saved by hand: a UTF-8 mark before Windows-1252 text is read as
    Windows-1252, with the note; a mark below a blank line is not part of the first header."""
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"header.csv": data})
    assert outcome.status == "loaded" and outcome.rejections.empty
    assert warehouse.sql("select count(*) from canonical.children").fetchone()[0] == 2
    if b"\xc9" in data:
        assert "read as Windows-1252 text" in outcome.file_loads.loc[0, "message"]


def test_names_in_the_wrong_place_are_never_repeated(settings, registry, warehouse):
    """A name typed into a coded column, or heading a sheet of notes, reaches no message, report
    or audit table in clear: only its shape. A short code-like mistake is still shown as sent."""
    header = (
        HEADER
        + "C1,M,01/02/2019,Jane Zzplanted,,,\nC2,F,15/06/2020,W BRI,,,\nC3,F,15/06/2020,WBR1,,,\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": header})
    shown = outcome.rejections.set_index("source_row")["offending_value"].to_dict()
    assert shown == {2: "AAAA AAAAAAAAA", 3: "A AAA", 4: "WBR1"}
    notes = workbook({"Notes": [["Jane Zzplanted placed with aunt"], ["call back"]]})
    failed = ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": notes})
    assert failed.status == "failed" and "AAAA AAAAAAAAA AAAAAA AAAA AAAA" in failed.message
    texts = [str(row) for row in warehouse.sql("select * from audit.rejections").fetchall()]
    texts += [str(row) for row in warehouse.sql("select * from audit.submissions").fetchall()]
    texts += [f.read_text(errors="replace") for f in settings.outbox_dir.rglob("*") if f.is_file()]
    assert not [t for t in texts if "Zzplanted" in t]


def test_xlsx_sheet_loads_with_real_excel_dates(settings, registry, warehouse):
    import datetime as dt

    data = workbook({"Children": [
        ["Person ID", "Gender", "Date of Birth", "Ethnicity", "Disabled"],
        [101, "M", dt.datetime(2019, 2, 1), "WBRI", "N"],
        [102, "F", "31/02/2019", "WBRI", "N"],
    ]})  # fmt: skip
    outcome = ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": data})
    assert outcome.status == "loaded"
    assert outcome.rejections.set_index("source_row")["rule"].to_dict() == {3: "real_date"}
    assert warehouse.sql("select birth_month from canonical.children").fetchall() == [
        (dt.date(2019, 2, 1),)
    ]


def test_council_report_names_the_sheet_and_row_of_each_rejected_row(settings, registry, warehouse):
    data = workbook(
        {
            "Children": [
                ["Person ID", "Gender", "Date of Birth", "Ethnicity"],
                ["101", "Q", "01/02/2019", "WBRI"],
            ]
        }
    )
    ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": data})
    folder = settings.outbox_dir / "FEN" / "s1"
    report = (folder / "validation_report.html").read_text()
    assert "<td>export.xlsx</td><td>Children</td><td>2</td><td>Gender</td>" in report
    assert "Gender has &#x27;Q&#x27;, which is not a code this layout allows" in report
    for heading in ("rows received", "rows held back", "check", "DfE rule number"):
        assert f"<th>{heading}</th>" in report  # the report's words, not the audit's names
    assert "<th>rows_received</th>" not in report and "<th>dfe_rule</th>" not in report
    assert "Gender has 'Q'" in (folder / "rejected_rows.csv").read_text()


def test_the_councils_csv_files_run_no_formula_it_sent(settings, registry, warehouse):
    """Values as sent are repeated in rejected_rows.csv and warnings.csv, which councils open in
    Excel: one starting with = + - @ would run as a formula there, so it is prefixed with '."""
    data = workbook({"Children": [
        ["Person ID", "Gender", "Date of Birth", "Ethnicity"],
        ["101", "M", "01/02/2019", "=1+1"],
        ["102", "F", "01/02/2019", "@SUM(A1)"],
        ["103", "F", "01/02/2019", "+WBRI"],
    ]})  # fmt: skip
    ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": data})
    folder = settings.outbox_dir / "FEN" / "s1"
    cells = [cell for name in ("rejected_rows.csv", "warnings.csv")
             for row in csv.reader(io.StringIO((folder / name).read_text())) for cell in row]  # fmt: skip
    # neither is a code's form, so both are shown by their shape, still kept from running
    assert "'@AAA(A9)" in cells and "'+AAAA" in cells
    # =1+1 is a formula whose value openpyxl never saved: read as blank, and the council is told
    report = (folder / "validation_report.html").read_text()
    assert "1 cell(s) (D2) hold a formula whose value was never saved, read as blank" in report
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_an_nhs_number_or_a_date_of_birth_in_the_wrong_column_is_never_repeated(
    settings, registry, warehouse
):
    """An NHS number typed into URN and a date (perhaps a date of birth) into PLACE_PROVIDER:
    the rows are queried or held back, and no message, audit row or report repeats either."""
    text = GOOD_EPISODES.replace("SC123456\n", "943 476 5911\n", 1).replace(
        "N4,U1,PR1,", "N4,U1,14/07/2013,", 1
    )
    ingest_files(warehouse, settings, registry, "NTH", {"h.csv": GOOD_HEADER, "e.csv": text})
    audit = " ".join(str(v) for row in warehouse.sql(
        "select * from audit.warnings union all by name select * from audit.rejections"
    ).fetchall() for v in row)  # fmt: skip
    assert "99/99/9999" in audit or "999 999 9999" in audit  # told, by shape
    reports = " ".join(p.read_text() for p in (settings.outbox_dir / "NTH").rglob("*.*"))
    for sent in ("943 476 5911", "14/07/2013"):
        assert sent not in audit and sent not in reports


def test_blank_rows_in_a_sheet_keep_spreadsheet_row_numbers(settings, registry, warehouse):
    data = workbook({"Children": [
        ["Person ID", "Gender", "Date of Birth", "Ethnicity"],
        ["101", "M", "01/02/2019", "WBRI"],
        [None, None, None, None],
        ["103", "F", "30/02/2019", "WBRI"],
    ]})  # fmt: skip
    outcome = ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": data})
    assert outcome.rejections.set_index("source_row")["rule"].to_dict() == {4: "real_date"}


def test_damaged_workbook_is_refused_with_its_name(settings, registry, warehouse):
    damaged = workbook({"Children": [["Person ID"]]})[:200]  # a zip cut short
    outcome = ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": damaged})
    assert outcome.status == "failed"
    assert "export.xlsx is not a readable XLSX workbook" in outcome.message


def test_every_problem_of_a_row_is_reported_even_beside_duplicate_keys(
    settings, registry, warehouse
):
    text = EPISODES + (
        "C1,01/03/2020,s,C1,N9,U4,PR1,,,,,,\n"  # two bad codes in one row
        "C2,01/03/2020,S,C1,N1,U4,PR1,,,,,,\n"
        "C2,01/03/2020,S,C1,N1,U5,PR1,,,,,,\n"  # same key as row 3
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    row2 = outcome.rejections[outcome.rejections["source_row"] == 2]
    assert sorted(row2["source_column"]) == ["CIN", "RNE"]
    assert sorted(outcome.rejections["source_row"]) == [2, 2, 3, 4]


def test_consistency_rules_keep_the_row_and_query_it(settings, registry, warehouse):
    """DfE 390 and 408, a legacy D1 order, DEC without REC: the rows can be used, so they are
    kept (the adoption episode still ends the journey in adoption) and each is queried."""
    text = EPISODES + (
        "C1,01/03/2020,S,C2,N1,U4,PR1,01/06/2020,X1,,,,\n"
        "C1,01/06/2020,L,E1,N1,U4,PR1,01/12/2021,E11,,,,\n"  # 390: adopted from a foster placement
        "C2,01/03/2020,S,C2,N1,A5,PR1,,,,,,\n"  # 408: A5 without a placement order
        "C3,01/03/2020,S,D1,N1,A6,PR1,,,,,,\n"  # legacy freeing order
        "C4,01/03/2020,S,C2,N1,U4,PR1,01/05/2020,,,,,\n"  # an ended episode with no REC
    )
    header = HEADER + "".join(f"C{i},1,01/02/2019,WBRI,,,\n" for i in range(1, 5))
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text, "h.csv": header})
    assert outcome.rejections.empty
    queried = outcome.warnings[outcome.warnings["file_name"] == "e.csv"]
    got = queried.groupby("source_row")["rule"].apply(set).to_dict()
    expected = {
        3: "rule_390_adopted_from_adoption_placement",  # (and adopted_without_ad1, 553: no AD1 or PlacedAdoption)
        4: "rule_408_a5_a6_need_placement_order",
        5: "legacy_freeing_order",
        6: "dec_and_rec_together",
    }
    assert set(got) == set(expected) and all(expected[r] in got[r] for r in expected), got
    adopted = warehouse.execute("select count(*) from canonical.episodes where rec = 'E11'")
    assert adopted.fetchone() == (1,)
    assert_accounted(outcome)


def test_free_text_in_coded_episode_columns_is_left_blank_and_queried(
    settings, registry, warehouse
):
    """No figure needs REASON_PLACE_CHANGE or the Ofsted URN: a note or a name typed into them, or
    a value too long, is not stored and not repeated (only its shape); the episode is kept."""
    episodes = EPISODES + (
        "C1,01/03/2020,S,C2,N1,U4,PR1,01/06/2020,X1,Moved to aunt Jane Zzplanted,,,SC123456\n"
        "C1,01/06/2020,P,C2,N1,U4,PR1,01/07/2020,X1,CARPL,,,ZZURN1\n"
        "C1,01/07/2020,P,C2,N1,U4,PR1,,,Zzplanted,,,SC1234567890\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": episodes})
    assert outcome.rejections.empty
    queried = sorted(
        (row, message.split(" ")[0], rule)
        for row, message, rule in outcome.warnings[["source_row", "message", "rule"]].itertuples(
            index=False
        )
    )
    assert queried == [
        (2, "REASON_PLACE_CHANGE", "code_not_on_list_left_blank"),
        (3, "URN", "value_not_valid_left_blank"),
        (4, "REASON_PLACE_CHANGE", "code_not_on_list_left_blank"),
        (4, "URN", "value_not_valid_left_blank"),
    ]
    shown = " ".join(outcome.warnings["message"])
    assert "Zzplanted" not in shown and "'ZZURN1'" in shown  # one short word is shown as sent
    stored = warehouse.sql(
        "select reason_place_change, urn from canonical.episodes order by decom"
    ).fetchall()
    assert stored == [(None, "SC123456"), ("CARPL", None), (None, None)]
    assert_accounted(outcome)


def test_a_code_no_figure_needs_is_left_blank_and_queried(settings, registry, warehouse):
    """REASON_PLACED_CEASED 'XXX' (as in the public sets): the decision is kept, because its
    date counts, with the reason blank; a PLACE off the list (a figure needs it) is rejected."""
    placed = ("CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n"
              "C1,01/02/2019,01/03/2020,01/09/2020,XXX\nC2,01/02/2019,01/04/2020,,\n")  # fmt: skip
    episodes = EPISODES + "C1,01/03/2020,S,C2,N1,Q9,PR1,,,,,,\n"
    outcome = ingest_files(
        warehouse, settings, registry, "NTH", {"p.csv": placed, "e.csv": episodes}
    )
    assert outcome.rejections.set_index("file_name")["rule"].to_dict() == {"e.csv": "code_list"}
    queried = outcome.warnings[outcome.warnings["rule"] == "code_not_on_list_left_blank"]
    assert list(queried["source_row"]) == [2]
    assert "'XXX'" in queried["message"].iloc[0]
    reasons = warehouse.execute(
        "select decision_ceased_date, reason_ceased from canonical.adoption_decisions order by 1"
    ).fetchall()
    assert [r[1] for r in reasons] == [None, None] and reasons[0][0] is not None
    assert_accounted(outcome)


def test_a_leaving_reason_in_other_letters_is_read_as_the_lists_spelling(
    settings, registry, warehouse
):
    """The leaving reasons are a list in words ('Chose to foster instead'): one sent in other
    letters is read as the list spells it and queried, not blanked; one off the list is
    blanked and queried by its shape (it may be free text naming anyone)."""
    events = (
        "HouseholdRef,LocalAuthority,Stage,StageDate,LeavingReason\n"
        "H1,NTH,Withdrawn,01-Mar-2022,chose to foster instead\n"
        "H2,NTH,Withdrawn,01-Mar-2022,Zebedee moved away\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "RAA", {"events.csv": events})
    assert outcome.rejections.empty
    reasons = warehouse.sql(
        "select reason from canonical.adopter_events order by source_row"
    ).fetchall()
    assert reasons == [("Chose to foster instead",), (None,)]
    queried = outcome.warnings.set_index("source_row")
    assert queried.loc[2, "rule"] == "local_code_read_ignoring_case"
    assert "It was read as 'Chose to foster instead'" in queried.loc[2, "message"]
    assert queried.loc[3, "rule"] == "code_not_on_list_left_blank"
    assert "Zebedee" not in queried.loc[3, "message"]


def test_what_else_is_typed_into_a_code_or_reference_column_is_not_kept(
    settings, registry, warehouse
):
    """An LA_PERM that is no LA code is left blank and queried; a social worker's SW_ID is kept
    only as a keyed hash; neither is repeated in clear."""
    import pandas as pd

    from pipelines.ingest.privacy import record_key

    files = {
        "prev.csv": "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\n"
                    "C1,01/02/2019,Z1,9434765919,\nC2,15/06/2020,Z1,820,\n",
        "sw.csv": "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n"
                  "C1,01/02/2019,9434765919,01/03/2020,,\n",
    }  # fmt: skip
    outcome = ingest(warehouse, settings, registry, "NTH",
                     drop(settings.landing_dir, "NTH", "s1", files))  # fmt: skip
    assert outcome.status == "loaded"
    assert warehouse.sql(
        "select previous_permanence_la from canonical.previous_permanence order by source_row"
    ).fetchall() == [(None,), ("820",)]
    queried = outcome.warnings.set_index(["file_name", "source_row"])["rule"].to_dict()
    assert queried[("prev.csv", 2)] == "value_not_valid_left_blank"
    hashed = record_key(pd.Series(["9434765919"]), settings.pseudonym_key.get_secret_value())[0]
    assert warehouse.sql("select social_worker_id from canonical.social_worker_episodes"
                         ).fetchall() == [(hashed,)]  # fmt: skip
    dump = str(warehouse.sql("select * from audit.warnings").fetchall())
    assert "9434765919" not in dump


def load_ledger(warehouse, settings, registry, amounts: list[str], separator: str = ","):
    """A ledger of SPEND lines with these amounts, as sent: its outcome and the amounts stored."""
    header = ["LedgerRef", "Period", "CostPool", "LocalAuthority", "LineType", "Amount"]
    lines = [separator.join(header)] + [
        separator.join([f"L{n}", "01-Apr-2022", "central_hub", "", "SPEND", amount])
        for n, amount in enumerate(amounts, start=1)
    ]
    ledger = "\n".join(lines) + "\n"
    outcome = ingest_files(warehouse, settings, registry, "RAA", {"ledger.csv": ledger})
    stored = warehouse.sql("select amount_gbp from canonical.finance_ledger order by 1")
    return outcome, [str(a) for (a,) in stored.fetchall()]


def test_amounts_as_a_spreadsheet_formats_them_are_read_with_a_query(settings, registry, warehouse):
    """£2,500,000.00 and 1,234 (a thousand and more: groups of three) are unambiguous in a
    comma-separated file: read and queried, naming the column. 12,34 and £1.2.3 are not
    read: held back as before."""
    sent = ['"£2,500,000.00"', '"1,234"', "£5", "10.50", '"12,34"', "£1.2.3"]
    outcome, stored = load_ledger(warehouse, settings, registry, sent)
    assert stored == ["5.00", "10.50", "1234.00", "2500000.00"]
    queried = outcome.warnings[outcome.warnings["rule"] == "amount_formatted"]
    assert sorted(queried["source_row"]) == [2, 3, 4]
    assert queried["message"].iloc[0] == (
        "Amount has an amount written with a £ sign or GBP, thousands separators, brackets for "
        "a minus or a decimal comma (as £1,234.50, (£20.00) for -20.00, or 1234,50 in a file "
        "separated by ';'): this layout writes pounds like 1234.50. The amount is unambiguous, "
        "so it was read and the row kept; please export amounts as plain numbers."
    )
    held = outcome.rejections.set_index("source_row")
    assert held.loc[[6, 7], "rule"].tolist() == ["money", "money"]
    assert_accounted(outcome)


def test_amounts_with_a_decimal_comma_are_read_in_a_file_separated_by_semicolons(
    settings, registry, warehouse
):
    """A spreadsheet in a locale writing decimal commas saves a CSV with ';': there 1.234,50 and
    12,5 are 1234.50 and 12.50, and 1,234 (three decimals) is no amount in pounds."""
    sent = ["1.234,50", "12,5", "1,234", "7"]
    outcome, stored = load_ledger(warehouse, settings, registry, sent, separator=";")
    assert stored == ["7.00", "12.50", "1234.50"]
    queried = outcome.warnings.set_index("source_row")["rule"].to_dict()
    assert queried == {2: "amount_formatted", 3: "amount_formatted"}
    assert outcome.rejections.set_index("source_row")["rule"].to_dict() == {4: "money"}
    assert_accounted(outcome)


def test_a_ledger_line_whose_cost_pool_is_no_pool_name_is_held_back(settings, registry, warehouse):
    ledger = (
        "LedgerRef,Period,CostPool,LocalAuthority,LineType,Amount\n"
        "L1,01-Apr-2022,central_hub,,BUDGET,2500000.00\n"
        "L2,01-Apr-2022,Zebedee Quux 9434765919,,SPEND,10.00\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "RAA", {"ledger.csv": ledger})
    assert warehouse.sql("select cost_pool from canonical.finance_ledger").fetchall() == [
        ("central_hub",)
    ]
    (held,) = outcome.rejections.itertuples()
    assert held.source_row == 3 and held.source_column == "CostPool"
    assert "Zebedee" not in held.message and "9434765919" not in str(held.offending_value)


def test_repeated_rows_are_found_among_rows_sharing_a_key_as_among_all():
    """Whole rows are compared only among those sharing their key with another: the same rows
    are flagged as comparing every row would flag them, blanks in the key or elsewhere too."""
    import numpy as np
    import pandas as pd

    from pipelines.ingest.validate import _repeated_rows

    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "part": rng.integers(0, 2, 400),
        "child": rng.choice(["C1", "C2", "C3", None], 400),
        "day": rng.choice(["2020-01-01", "2021-05-02", None], 400),
        "code": rng.choice(["A", "B", None], 400),
    })  # fmt: skip
    found = _repeated_rows(frame, ["part", "child", "day"], list(frame.columns))
    assert found.any() and (found == frame.duplicated(keep="first").to_numpy()).all()
    assert not _repeated_rows(frame.head(0), ["part", "child"], list(frame.columns)).any()
