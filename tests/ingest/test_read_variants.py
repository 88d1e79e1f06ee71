"""Files as other systems write them: headers in other capitals, values in quotes over several
lines. Each is read as far as it can be trusted, and the council is told what was done."""

from __future__ import annotations

import dataclasses

import pytest

from data_contracts.profiles import TableMapping, load_profile
from pipelines.ingest.read import FileProblem, recognise
from tests.ingest.helpers import (
    EPISODES,
    GOOD_EPISODES,
    GOOD_HEADER,
    HEADER,
    drop,
    ingest,
    workbook,
)


def assert_accounted(outcome) -> None:
    loads = outcome.file_loads
    assert (loads["rows_received"] == loads["rows_accepted"] + loads["rows_rejected"]).all()


def count(warehouse, table: str) -> int:
    return warehouse.sql(f"select count(*) from canonical.{table}").fetchone()[0]


# 1. Headers in other capitals


def test_headers_in_other_capitals_are_read_as_the_layouts_and_the_council_told(
    settings, registry, warehouse
):
    text = GOOD_EPISODES.replace(EPISODES, EPISODES.lower())
    outcome = ingest(warehouse, settings, registry, "NTH",
                     drop(settings.landing_dir, "NTH", "s1", {"eps.csv": text}))  # fmt: skip
    assert outcome.status == "loaded" and outcome.rejections.empty, outcome.message
    assert count(warehouse, "episodes") == 3
    note = outcome.file_loads.loc[0, "message"]
    assert note.startswith("13 header(s) read ignoring capitals (child as CHILD, decom as DECOM,")
    assert "and 5 more); please use the layout's headers exactly" in note
    assert "ignored column" not in note  # every header is the layout's
    report = (settings.outbox_dir / "NTH" / "s1" / "validation_report.html").read_text()
    assert "13 header(s) read ignoring capitals (child as CHILD" in report
    assert_accounted(outcome)


def test_headers_in_other_capitals_beside_the_layouts_own(settings, registry, warehouse):
    """Headers as sent are kept; one in other capitals is the layout's (an optional or ignored
    one too: Urn is the URN column, upn the UPN the layout ignores). A header the layout does
    not know is still an ignored column; one that looks like a personal detail still refuses
    the file, named by its position and word."""
    children = "".join(line + ",x\n" for line in GOOD_HEADER.splitlines()[1:])
    children = "CHILD,SEX,DOB,ETHNIC,upn,Mother,MC_DOB,local_flag\n" + children
    episodes = GOOD_EPISODES.replace(",URN\n", ",Urn\n")
    outcome = ingest(warehouse, settings, registry, "NTH", drop(
        settings.landing_dir, "NTH", "s1", {"h.csv": children, "e.csv": episodes}
    ))  # fmt: skip
    assert outcome.status == "loaded" and outcome.rejections.empty, outcome.message
    notes = outcome.file_loads.set_index("file_name")["message"]
    assert notes["h.csv"] == (
        "2 header(s) read ignoring capitals (upn as UPN, Mother as MOTHER); please use the "
        "layout's headers exactly; ignored column(s) not in the layout: local_flag"
    )
    assert notes["e.csv"].startswith("1 header(s) read ignoring capitals (Urn as URN)")
    urns = warehouse.sql("select count(urn) from canonical.episodes").fetchone()[0]
    assert urns == 2  # read from Urn, not left out as a column the layout does not know

    named = HEADER.lower().replace("mc_dob\n", "mc_dob,forename\n")
    failed = ingest(warehouse, settings, registry, "NTH",
                    drop(settings.landing_dir, "NTH", "s2", {"h.csv": named + "C1,1,01/02/2019,WBRI,,,Amy\n"}))  # fmt: skip
    assert failed.status == "failed"
    assert "(column 8, by the word 'forename')" in failed.message


def test_a_header_in_other_capitals_is_the_layouts_own_before_any_personal_detail_check(
    settings, registry, warehouse
):
    """Liquidlogic's 'Home Postcode' typed 'home postcode' is the layout's column (its values
    protected as the layout's are), not a column of addresses the layout does not know; read
    from a workbook, with the note."""
    data = workbook({"CLA Episodes": [
        ["person id", "episode start", "reason new episode", "legal status", "category of need",
         "placement type", "provider type", "episode end", "reason episode ended",
         "home postcode"],
        ["101", "01/03/2020", "S", "C1", "N1", "U4", "PR1", "", "", "EG19 7TT"],
    ]})  # fmt: skip
    outcome = ingest(warehouse, settings, registry, "FEN",
                     drop(settings.landing_dir, "FEN", "s1", {"export.xlsx": data}))  # fmt: skip
    assert outcome.status == "loaded" and outcome.rejections.empty, outcome.message
    assert count(warehouse, "episodes") == 1
    assert outcome.file_loads.loc[0, "sheet_name"] == "CLA Episodes"
    assert outcome.file_loads.loc[0, "message"].startswith(
        "10 header(s) read ignoring capitals (person id as Person ID, episode start as Episode "
        "Start,"
    )


def test_two_headers_that_are_one_of_the_layouts_ignoring_capitals_refuse_the_file(
    settings, registry, warehouse
):
    text = HEADER.lower().replace("child,", "child,Child,") + "C1,C1,1,01/02/2019,WBRI,,,\n"
    outcome = ingest(warehouse, settings, registry, "NTH",
                     drop(settings.landing_dir, "NTH", "s1", {"h.csv": text}))  # fmt: skip
    assert outcome.status == "failed"
    assert (
        "h.csv looks like the children table, but more than one of its headers is a header of "
        "the layout in other capitals (child and Child for CHILD): which column holds its values "
        "is not clear."
    ) in outcome.message


def test_a_header_as_sent_keeps_its_column_beside_one_in_other_capitals():
    mapping, read_as, note = recognise("h.csv", ["CHILD", "child", "SEX", "DOB", "ETHNIC"],
                                       load_profile("ssda903"))  # fmt: skip
    assert mapping.table == "children" and note is None
    assert read_as == ["CHILD", "child", "SEX", "DOB", "ETHNIC"]  # child: a column not known


def test_headers_that_fit_two_tables_ignoring_capitals_refuse_the_file():
    profile = load_profile("ssda903")
    children = profile.tables["children"]
    twin = TableMapping("episodes", {"Child": "child_id", "Sex": "sex", "Dob": "date_of_birth",
                                     "Ethnic": "ethnicity"})  # fmt: skip
    profile = dataclasses.replace(profile, tables={"children": children, "episodes": twin})
    with pytest.raises(FileProblem, match="could be either children and episodes ignoring "
                                          "capitals; its columns are ambiguous"):  # fmt: skip
        recognise("h.csv", ["child", "sex", "dob", "ethnic"], profile)
    mapping, _, note = recognise("h.csv", ["CHILD", "SEX", "DOB", "ETHNIC"], profile)
    assert mapping.table == "children" and note is None  # as sent, one table fits


def test_a_missing_column_is_named_even_when_the_others_differ_in_capitals():
    with pytest.raises(FileProblem, match=r"looks like the episodes table but is missing the "
                                          r"required column\(s\) RNE\.$"):  # fmt: skip
        recognise("e.csv", EPISODES.lower().replace("rne,", "").strip().split(","),
                  load_profile("ssda903"))  # fmt: skip
