"""The council's validation report as its data officer reads it: what the rows were checked
against, which checks held rows back, and counts that agree with the CSVs."""

from __future__ import annotations

import re

import pandas as pd

from data_contracts.profiles import available_dialects, load_profile
from data_contracts.tables import TABLES
from pipelines.ingest.landing import read_submission
from pipelines.ingest.validate import _shown_columns
from tests.ingest.helpers import (
    EPISODES,
    GOOD_EPISODES,
    GOOD_HEADER,
    assert_accounted,
    ingest,
    ingest_files,
    rules,
    write,
)


def report_of(settings, submission: str = "s1") -> str:
    return (settings.outbox_dir / "NTH" / submission / "validation_report.html").read_text()


def test_the_report_states_the_export_date_and_year_and_names_the_future_date(
    settings, registry, warehouse
):
    future = EPISODES + "C2,01/03/2027,S,C1,N1,U4,PR1,,,,,,\n"  # after the export date
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES + future.removeprefix(EPISODES)}
    outcome = ingest_files(warehouse, settings, registry, "NTH", files)
    assert rules(outcome) == {"no_future_dates": 1}
    assert_accounted(outcome)
    report = report_of(settings)
    # What "after the export date" and "not used in this collection year" are measured against.
    assert "Export date: 31/10/2026; a date after it is held back." in report
    assert "Collection year: 2021-22 (worked out from the latest episode date sent" in report
    # Which dates of the row the check read, as sent (never a date of birth).
    held = outcome.rejections.iloc[0]
    assert held["source_column"] == "DECOM, DEC"
    assert held["offending_value"] == "DECOM=01/03/2027; DEC="

    # No submission.yaml: the export date is the day received, and the report says so.
    folder = settings.landing_dir / "NTH" / "s2"
    write(folder, {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}, meta=None)
    submission = read_submission("NTH", folder)
    ingest(warehouse, settings, registry, "NTH", folder)
    assert (
        f"Export date: {submission.received_at:%d/%m/%Y} (the day the files were received: "
        "submission.yaml gives no reference_date)" in report_of(settings, "s2")
    )


def test_checks_that_only_query_a_held_back_row_are_told_from_those_that_held_it_back(
    settings, registry, warehouse
):
    # Two episodes with one key (held back) whose DEC has no REC (a query, told on the same rows).
    rows = "C2,01/03/2022,S,C1,N1,U4,PR1,01/06/2022,,,,,\n"
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES + rows + rows.replace("N1", "N2")}
    outcome = ingest_files(warehouse, settings, registry, "NTH", files)
    assert rules(outcome) == {"duplicate_key": 2, "dec_and_rec_together": 2}
    report = report_of(settings)
    problems = report.split("<h2>Problems by rule</h2>")[1].split("<h2>")[0]
    assert "<th>held back by this check</th>" in problems
    assert "<td>duplicate_key</td><td></td><td>yes</td><td>2</td>" in problems
    assert (
        "<td>dec_and_rec_together</td><td></td><td>no: only queried (these rows are held back by "
        "another check)</td><td>2</td>" in problems
    )
    # Rules that held rows back come first.
    assert problems.index("duplicate_key") < problems.index("dec_and_rec_together")


def test_the_lists_cut_at_500_count_lines_and_rows_as_the_summary_does(
    settings, registry, warehouse
):
    # 300 episodes ending before they start, with no REC: two lines each (the check holding the
    # row back, and a query on the held row); the file's good rows keep it in use.
    bad = "".join(f"D{n},01/03/2020,S,C1,N1,U4,PR1,01/02/2020,,,,,\n" for n in range(300))
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES + bad}
    outcome = ingest_files(warehouse, settings, registry, "NTH", files)
    assert outcome.status == "loaded"
    assert rules(outcome) == {"dec_on_or_after_decom": 300, "dec_and_rec_together": 300}
    report = report_of(settings)
    assert "300 rows were held back" in report
    assert (
        "The first 500 lines are shown; all 600 lines, for 300 held-back rows (a line per row "
        "and check: a row can break several), are in rejected_rows.csv." in report
    )


def test_a_clean_csv_report_shows_no_empty_sheet_column_and_no_repeated_none(
    settings, registry, warehouse
):
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    outcome = ingest_files(warehouse, settings, registry, "NTH", files)
    assert outcome.status == "loaded" and outcome.rejections.empty and outcome.warnings.empty
    report = report_of(settings)
    assert "<th>sheet</th>" not in report  # CSV files have no sheet
    checks = report.split("<h2>Rows to check (kept)</h2>")[1]
    assert checks.count("<p>None.</p>") == 1


def test_rows_to_check_are_listed_file_by_file_and_row_by_row(settings, registry, warehouse):
    """A row-level query (RNE in small letters, row 3) is found before a cross-table one (a
    child with no Header, row 2): the officer still gets them in the file's order."""
    episodes = EPISODES + (
        "C9,01/03/2020,S,C1,N1,U4,PR1,,,,,,\n"  # no Header row for C9
        "C1,01/03/2020,p,C1,N1,U4,PR1,,,,,,\n"  # RNE read in capitals
    )
    ingest_files(warehouse, settings, registry, "NTH", {"h.csv": GOOD_HEADER, "e.csv": episodes})
    listed = (settings.outbox_dir / "NTH" / "s1" / "warnings.csv").read_text().splitlines()
    rows = [line.split(",")[2] for line in listed[1:]]
    assert rows == sorted(rows, key=int) and rows[0] == "2", listed
    listing = report_of(settings).rsplit("Rows to check", 1)[1]  # the per-rule table, then the list
    assert listing.rindex("child record (Header)") < listing.rindex("codes must be in capitals")


def test_the_report_names_each_table_as_the_903_does(settings, registry, warehouse):
    """An officer knows AD1 and Header, not adoption_matches and children: the report's tables
    say them; the CSVs keep the canonical names scripts read."""
    matches = "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\n"
    files = {"h.csv": GOOD_HEADER, "ad1.csv": matches + "C1,,01/02/2020,,,,,\n"}
    ingest_files(warehouse, settings, registry, "NTH", files)
    report = report_of(settings)
    assert "<td>AD1</td>" in report and "<td>Header</td>" in report
    assert "adoption_matches" not in report and "<td>children</td>" not in report
    queried = (settings.outbox_dir / "NTH" / "s1" / "warnings.csv").read_text()
    assert ",adoption_matches," in queried


def test_a_query_names_its_column_and_the_value_sent(settings, registry, warehouse):
    """RNE `p` (read as P) is queried with its column and value, in audit.warnings, warnings.csv
    and the report; a child with no Header (a cross-table query) names neither."""
    episodes = EPISODES + (
        "C9,01/03/2020,S,C1,N1,U4,PR1,,,,,,\n"  # no Header row for C9
        "C1,01/03/2020,p,C1,N1,U4,PR1,,,,,,\n"  # RNE read in capitals
    )
    ingest_files(warehouse, settings, registry, "NTH", {"h.csv": GOOD_HEADER, "e.csv": episodes})
    stored = warehouse.sql(
        "select source_row, rule, source_column, offending_value from audit.warnings order by 1"
    ).fetchall()
    assert stored == [
        (2, "child_not_in_header", None, None),
        (3, "code_read_in_capitals", "RNE", "p"),
    ]
    listed = (settings.outbox_dir / "NTH" / "s1" / "warnings.csv").read_text().splitlines()
    assert listed[0].endswith(",source_column,offending_value") and listed[2].endswith(",RNE,p")
    report = report_of(settings)
    assert "<th>value sent</th>" in report
    # the Files table counts each file's queried rows among its accepted ones (officer probe)
    files = report.split("<h2>Files</h2>", 1)[1].split("</table>", 1)[0]
    assert "<th>rows accepted</th><th>of which queried</th>" in files
    episodes = next(row for row in files.split("<tr>") if row.startswith("<td>e.csv</td>"))
    received, accepted, queried, held = re.findall(r"<td>(\d+)</td>", episodes)[:4]
    assert (queried, held) == ("2", "0") and accepted == received


def test_a_warehouse_from_before_gains_the_query_columns(settings, registry, warehouse):
    from pipelines.warehouse import ensure_schemas

    for column in ("source_column", "offending_value"):
        warehouse.execute(f"alter table audit.warnings drop column {column}")
    ensure_schemas(warehouse)
    ingest_files(
        warehouse, settings, registry, "NTH", {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    )
    columns = [c for (c, *_) in warehouse.execute("describe audit.warnings").fetchall()]
    assert columns[-2:] == ["source_column", "offending_value"]


def test_a_date_of_birth_after_the_export_date_names_its_column_never_the_date(
    settings, registry, warehouse
):
    """A Header row whose DOB is after the export date (31/10/2026) is held back; its line
    names the column as the 903 does (DOB), like any other date's, and shows the date of birth
    by its shape only: in the outcome, audit.rejections, rejected_rows.csv and the report."""
    files = {"h.csv": GOOD_HEADER + "C3,1,14/07/2027,WBRI,,,\n", "e.csv": GOOD_EPISODES}
    outcome = ingest_files(warehouse, settings, registry, "NTH", files)
    assert rules(outcome) == {"no_future_dates": 1}
    held = outcome.rejections.iloc[0]
    assert (held["source_column"], held["offending_value"]) == ("DOB", "99/99/9999")
    stored = warehouse.sql(
        "select source_column, offending_value from audit.rejections where rule = 'no_future_dates'"
    ).fetchall()
    assert stored == [("DOB", "99/99/9999")]
    listed = (settings.outbox_dir / "NTH" / "s1" / "rejected_rows.csv").read_text()
    assert ",DOB," in listed and "99/99/9999" in listed
    report = report_of(settings)
    assert "<td>DOB</td>" in report and "<td>99/99/9999</td>" in report
    for shown in (listed, report, str(stored)):
        assert "14/07/2027" not in shown and "2027-07-14" not in shown


def test_every_date_the_future_date_check_reads_is_named_and_no_other():
    """For each table with a no_future_dates check and each layout that sends the table, the
    line names exactly the columns the check reads, as the layout names them: a date read by
    the check but not named would leave the council guessing which date is wrong (as DOB once
    did); a date named but not read (a DOB repeated in PlacedAdoption) would point at the wrong
    one."""
    checked = 0
    for table in TABLES.values():
        schema = table.model.to_schema()
        check = next((c for c in schema.checks if c.name == "no_future_dates"), None)
        if check is None:
            continue
        dates = [c.name for c in table.columns if c.sql_type == "DATE"]
        read = set()
        for column in dates:  # each date in turn after the reference date, the others blank
            frame = pd.DataFrame({c: [None] for c in table.column_names}, dtype="object")
            frame[column] = "2099-01-01"
            frame["reference_date"], frame["collection_year"] = "2020-01-01", "2019"
            if not bool(check(frame).check_passed):
                read.add(column)
        assert read, table.name
        for dialect in sorted(available_dialects()):
            mapping = load_profile(dialect).tables.get(table.name)
            if mapping is None:
                continue
            named = _shown_columns("no_future_dates", None, mapping, row_level=True)
            sent = {mapping.source_column(c) for c in read} - {None}
            assert set(named) == sent, (dialect, table.name, named, sent)
            checked += 1
    assert checked


def test_the_csvs_quote_what_a_spreadsheet_would_split_and_keep_row_numbers_whole(tmp_path):
    """rejected_rows.csv and warnings.csv as written (DuckDB's CSV writer): a comma, a quote, a
    line break or a carriage return in a value sent is quoted, a blank value sent shows as "" and
    a missing one as nothing, and a query on the whole submission (no row) does not turn the
    other rows' numbers into 17.0."""
    import duckdb

    from pipelines.ingest.feedback import csv_table, write_csv

    lines = pd.DataFrame({
        "file_name": ["episodes.csv", "episodes.csv", "header.csv", "header.csv", None],
        "source_row": [17.0, 18.0, 2.0, 3.0, None],  # as a concat with a whole-submission line
        "offending_value": ["a,b", 'say "x"', "two\nlines", "end\r", ""],
    })  # fmt: skip
    path = tmp_path / "warnings.csv"
    with duckdb.connect() as con:
        write_csv(con, csv_table(lines), path)
    assert path.read_bytes().decode() == (
        "\ufefffile_name,source_row,offending_value\n"
        'episodes.csv,17,"a,b"\n'
        'episodes.csv,18,"say ""x"""\n'
        'header.csv,2,"two\nlines"\n'
        'header.csv,3,"end\r"\n'
        ',,""\n'
    )
    read_back = pd.read_csv(path, keep_default_na=False, dtype=str)  # pandas skips the mark
    assert read_back["offending_value"].tolist() == ["a,b", 'say "x"', "two\nlines", "end\r", ""]


def test_the_csvs_keep_what_a_spreadsheet_would_convert_as_sent(tmp_path):
    """The council data officer's probe, opening the CSVs as Excel does (LibreOffice, en-GB):
    07/05/2027 became a date cell (5 July in a US locale), URN 1E5 100000, PLACE_PROVIDER 0012
    12, 1/2 1 February, TRUE a boolean; a Windows-1252 CAFÉ came back as CAFÃ‰ with no
    byte-order mark. Such values are written as ="value" (a quote in one doubled), a value
    starting = + - @ keeps the ' spreadsheet_safe gave it, text such as XXX is as it was, and
    the file starts with UTF-8's mark."""
    import duckdb

    from pipelines.ingest.feedback import (
        csv_table,
        spreadsheet_safe,
        values_kept_as_sent,
        write_csv,
    )

    sent = ["07/05/2027", "1E5", "0012", "1/2", "TRUE", 'A"1', "XXX", "CAFÉ", "=1+1", None]
    lines = pd.DataFrame({"source_row": range(2, 12), "offending_value": sent})
    shown = values_kept_as_sent(spreadsheet_safe(lines))["offending_value"].tolist()
    assert shown[:9] == ['="07/05/2027"', '="1E5"', '="0012"', '="1/2"', '="TRUE"', '="A""1"',
                         "XXX", "CAFÉ", "'=1+1"]  # fmt: skip
    assert pd.isna(shown[9])
    # rows come sorted by file and row (render_feedback), so not in their index's order: each
    # value stays on its own row (they were put back by index, 460 of the demo's 775 moved)
    shuffled = lines.assign(rule=[f"r{i}" for i in range(10)]).iloc[::-1]
    again = values_kept_as_sent(spreadsheet_safe(shuffled))
    assert again["rule"].tolist() == [f"r{i}" for i in range(9, -1, -1)]
    assert again["offending_value"].tolist()[1:] == shown[8::-1]
    path = tmp_path / "warnings.csv"
    with duckdb.connect() as con:
        write_csv(con, csv_table(values_kept_as_sent(lines)), path)
    data = path.read_bytes()
    assert data.startswith("\ufeffsource_row,offending_value\n".encode())
    assert '2,"=""07/05/2027"""' in data.decode("utf-8-sig") and "9,CAFÉ" in data.decode(
        "utf-8-sig"
    )
