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
    assert_accounted,
    drop,
    ingest,
    ingest_files,
    workbook,
)


def count(warehouse, table: str) -> int:
    return warehouse.sql(f"select count(*) from canonical.{table}").fetchone()[0]


# 1. Headers in other capitals


def test_headers_in_other_capitals_are_read_as_the_layouts_and_the_council_told(
    settings, registry, warehouse
):
    text = GOOD_EPISODES.replace(EPISODES, EPISODES.lower())
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"eps.csv": text})
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
    failed = ingest_files(
        warehouse,
        settings,
        registry,
        "NTH",
        {"h.csv": named + "C1,1,01/02/2019,WBRI,,,Amy\n"},
        "s2",
    )
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
    outcome = ingest_files(warehouse, settings, registry, "FEN", {"export.xlsx": data})
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
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": text})
    assert outcome.status == "failed"
    assert (
        "h.csv looks like the Header table, but more than one of its headers is a header of "
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
    with pytest.raises(FileProblem, match=r"looks like the Episodes table but is missing the "
                                          r"required column\(s\) RNE\.$"):  # fmt: skip
        recognise("e.csv", EPISODES.lower().replace("rne,", "").strip().split(","),
                  load_profile("ssda903"))  # fmt: skip


def test_a_header_sent_instead_of_a_missing_one_is_named_beside_it(settings, registry, warehouse):
    """CHILD_ID sent for CHILD: the refusal names the header the table does not know beside the
    one missing, so the council sees the fix (rename it), in an Episodes file or a Header one."""
    episodes = GOOD_EPISODES.replace("CHILD,", "CHILD_ID,", 1)
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": episodes})
    assert outcome.status == "failed"
    assert (
        "e.csv looks like the Episodes table but is missing the required column(s) CHILD. It has "
        "CHILD_ID, which the Episodes table does not use: if it holds CHILD, rename it."
    ) in outcome.message
    header = GOOD_HEADER.replace("CHILD,", "CHILD_ID,", 1)
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": header}, "s2")
    assert outcome.status == "failed"
    assert (
        "h.csv looks like the Header table but is missing the required column(s) CHILD. It has "
        "CHILD_ID, which the Header table does not use: if it holds CHILD, rename it."
    ) in outcome.message


def test_headers_named_beside_a_missing_one_are_quoted_safely_and_few():
    """The headers the table does not know are quoted through safe_text (an NHS number in one by
    its shape); one that looks like a personal detail is not quoted, but found by its position
    and the word that gave it away; past five, the rest are counted."""
    profile = load_profile("ssda903")
    sent = EPISODES.strip().split(",")
    sent[0] = "Child Name"  # CHILD missing; column 1 looks like a name
    with pytest.raises(FileProblem) as refused:
        recognise("e.csv", [*sent, "Ref 9434765919", "LOCAL"], profile)
    message = str(refused.value)
    assert message.endswith(
        "missing the required column(s) CHILD. It has column 1 (its header has the word 'Child "
        "Name'), Ref 9999999999 and LOCAL, which the Episodes table does not use: if one of them "
        "holds CHILD, rename it."
    ), message
    assert "9434765919" not in message

    many = [f"EXTRA{n}" for n in range(1, 10)]
    with pytest.raises(FileProblem) as refused:
        recognise("e.csv", [*EPISODES.strip().split(",")[2:], *many], profile)
    assert str(refused.value).endswith(
        "missing the required column(s) CHILD, DECOM. It has EXTRA1, EXTRA2, EXTRA3, EXTRA4, "
        "EXTRA5 and 4 more, which the Episodes table does not use: if they hold missing columns, "
        "rename them."
    ), str(refused.value)


# 2. Values in quotes over several lines


def test_a_value_in_quotes_over_lines_holds_back_its_own_row_only(settings, registry, warehouse):
    """Each record that spans lines is held back, naming its lines; every other row is read,
    with the file's own line numbers (blank lines, and the lines a value spans, counted)."""
    rows = GOOD_EPISODES.splitlines(keepends=True)
    text = (
        rows[0]
        + rows[1].replace("WV27 9FW", '"WV27\n9FW"')  # lines 2-3
        + "\n"  # line 4, blank
        + rows[2]  # line 5
        + rows[3].replace(",,AB1 2CD,", ',"a note,\n\nover lines",AB1 2CD,')  # lines 6-8
        + "C3,01/07/2021,S,V2,N4,U1,PR1,,,,AB1 2CD\n"  # line 9: a value short
        + "C4,31/02/2021,S,V2,N4,U1,PR1,,,,,,\n"  # line 10: not a date
        + "C5,01/07/2021,S,V2,N4,U1,PR1,,,,,,\n"  # line 11
        + 'C6,"cut\nshort"\n'  # lines 12-13: a value short too
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    assert outcome.status == "loaded", outcome.message
    held = outcome.rejections.set_index("source_row")
    assert held["rule"].to_dict() == {
        2: "value_spans_lines", 6: "value_spans_lines", 9: "ragged_row", 10: "real_date",
        12: "value_spans_lines",
    }  # fmt: skip
    assert held.loc[2, "message"].startswith(
        "A value in quotes runs from line 2 onto line 3: no value of the layout spans lines, so "
        "lines 2 to 3 were held back as this one row."
    )
    assert "runs from line 6 onto line 8" in held.loc[6, "message"]
    assert count(warehouse, "episodes") == 2
    load = outcome.file_loads.iloc[0]
    assert (load.rows_received, load.rows_accepted, load.rows_rejected) == (7, 2, 5)
    report = (settings.outbox_dir / "NTH" / "s1" / "validation_report.html").read_text()
    assert "A value in quotes runs from line 6 onto line 8" in report


def test_a_value_over_lines_longer_than_any_value_still_refuses_the_file(
    settings, registry, warehouse
):
    """A quote opened and closed far below (rows run together into one value): the value is
    over the length limit, and the whole file is refused, as before."""
    rows = GOOD_EPISODES.splitlines(keepends=True)
    text = rows[0] + rows[1].replace("PR1", '"PR1') + "".join(rows[2:]) * 40 + 'x",,,,,,\n'
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    assert outcome.status == "failed"
    assert "e.csv: a value in quotes runs from line 2 onto line 83, 4,120 characters in all" in (
        outcome.message
    )
    assert "values over 4,096 characters are not loaded" in outcome.message
    short = rows[0] + rows[1].replace("PR1", '"PR1' + "x" * 5000 + '"')
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": short}, "s2")
    assert outcome.status == "failed"  # on one line, as before: the column is named
    assert "e.csv: the value in column 7 (PLACE_PROVIDER) on line 2 is" in outcome.message


# 3. What other systems write


def test_rows_holding_no_values_are_left_out_as_blank_lines_are(settings, registry, warehouse):
    """A spreadsheet saves a row it once used as a row of commas, as wide as the header or not;
    such a row holds nothing to accept or reject. It is left out, and the council told; a row
    with any value is still read (and held back when it cannot be used)."""
    text = (
        GOOD_EPISODES  # lines 1-4
        + ",,,,,,,,,,,,\n"  # line 5: as wide as the header
        + ' , ,"",,,,,,,,,,\n'  # line 6: spaces and quotes, nothing else
        + ",,,\r\n"  # line 7: shorter than the header
        + "C3,,,,,,,,,,,,\n"  # line 8: a child and nothing else: held back
        + ",,,,,,,,,,,,\n"  # line 9
    )
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    assert outcome.status == "loaded", outcome.message
    assert set(outcome.rejections["source_row"]) == {8}
    load = outcome.file_loads.iloc[0]
    assert (load.rows_received, load.rows_accepted, load.rows_rejected) == (4, 3, 1)
    assert load.message == "4 row(s) holding no values (only ',') left out, as blank lines are"
    assert count(warehouse, "episodes") == 3


@pytest.mark.parametrize(("separator", "named"), [("\t", "tabs"), ("|", "'|'"), (";", "';'")])
def test_a_file_separated_otherwise_is_read_saying_so(
    separator, named, settings, registry, warehouse
):
    """A system or a spreadsheet in another locale may separate values otherwise: the file is
    read with the one separator its header uses, every row kept, and the council asked to send
    the layout's commas. A header using two other separators is not guessed at."""
    text = GOOD_EPISODES.replace(",", separator)
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"e.csv": text})
    assert outcome.status == "loaded", outcome.message
    assert_accounted(outcome)
    assert count(warehouse, "episodes") == GOOD_EPISODES.count("\n") - 1
    assert outcome.file_loads.iloc[0]["message"] == (
        f"values separated by {named} and read so, but the SSDA903 return (DfE CSV layout) uses "
        "',': "
        "please export comma-separated CSV"
    )
    mixed = GOOD_HEADER.replace(",", separator, 3).replace(",", ";" if separator != ";" else "|")
    outcome = ingest_files(warehouse, settings, registry, "NTH", {"h.csv": mixed}, "s2")
    assert outcome.status == "failed" and "is not a table of the" in outcome.message
