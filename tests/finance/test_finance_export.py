"""The finance export: a workbook a finance board accepts. A cover that says what and from where,
headers in words, shares as percentages, totals that reconcile to the pool budgets, print set-up
for A4 landscape one page wide, no child-level rows; the figures equal the marts; rendered to PDF
by LibreOffice it prints each table whole."""

from __future__ import annotations

import csv
import shutil
import stat
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.finance.export import FinanceExportError, export_finance
from pipelines.warehouse import ensure_schemas

SHEETS = ["Cover", "Summary", "Contributions", "Drivers", "Budget variance", "Interagency fees",
          "Formula comparison", "Formula"]  # fmt: skip
HEADER_ROW = 4  # 1-based: title, how to read (two rows), then the header


@pytest.fixture(scope="module")
def workbook_path(finance_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "finance.xlsx"
    return export_finance(finance_warehouse.database, "2022-23", out)


@pytest.fixture(scope="module")
def book(workbook_path):
    """The values as Excel shows them (totals are formulas; their values are stored with them)."""
    return openpyxl.load_workbook(workbook_path, data_only=True)


def table(sheet) -> list[dict]:
    header = [c.value for c in sheet[HEADER_ROW]]
    rows = []
    for row in sheet.iter_rows(HEADER_ROW + 1, values_only=True):
        if row[0] in ("Total", "Pool budget", "Difference"):
            break
        rows.append(dict(zip(header, row, strict=True)))
    return rows


def labelled_row(sheet, label: str) -> list:
    for row in sheet.iter_rows(HEADER_ROW + 1, values_only=True):
        if row[0] == label:
            return list(row[1:])
    raise AssertionError(f"no {label!r} row in {sheet.title}")


def test_workbook_has_a_cover_and_a_sheet_per_board_table(book):
    assert book.sheetnames == SHEETS
    cover = [
        " ".join(str(v) for v in row if v) for row in book["Cover"].iter_rows(values_only=True)
    ]
    text = "\n".join(cover)
    assert "cost apportionment 2022-23" in cover[0]
    assert "2022-23 (1 April 2022 to 31 March 2023)" in text
    assert "test-2019" in text and "effective from 1 April 2019" in text
    # the scenario's warehouse records no build or publish: no snapshot, and no snapshot date
    assert "Figures from the warehouse's latest build, NOT published (not published yet" in text
    assert "Built not recorded" in text and "Snapshot date" not in text
    for name in SHEETS[1:]:
        assert any(line.startswith(name) for line in cover), name


def test_headers_are_words_and_shares_percentages(book):
    for name in SHEETS[1:]:
        sheet = book[name]
        headers = [c.value for c in sheet[HEADER_ROW]]
        assert all(h and "_" not in h and h[0].isupper() for h in headers), headers
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    contributions = book["Contributions"]
    share = [c.value for c in contributions[HEADER_ROW]].index("Share") + 1
    money = [c.value for c in contributions[HEADER_ROW]].index("Contribution (£)") + 1
    assert contributions.cell(HEADER_ROW + 1, share).number_format == "0.0%"
    assert contributions.cell(HEADER_ROW + 1, money).number_format.startswith("£#,##0.00")


def test_contributions_equal_the_mart(book, finance_warehouse):
    rows = table(book["Contributions"])
    expected = finance_warehouse.query(
        "select cost_pool, council_code, contribution_gbp, weighted_share"
        " from marts.cost_apportionment where financial_year = '2022-23' order by all"
    )
    got = sorted(
        (r["Cost pool"], r["Council"], Decimal(str(r["Contribution (£)"])).quantize(Decimal("0.01")),
         r["Share"])
        for r in rows
    )  # fmt: skip
    assert got == [(p.replace("_", " ").capitalize(), c, m, pytest.approx(s))
                   for p, c, m, s in expected]  # fmt: skip


def test_summary_totals_reconcile_to_the_pool_budgets(book, finance_warehouse, workbook_path):
    sheet = book["Summary"]
    councils = table(sheet)
    budgets = dict(finance_warehouse.query(
        "select cost_pool, any_value(pool_budget_gbp) from marts.cost_apportionment"
        " where financial_year = '2022-23' group by all"
    ))  # fmt: skip
    totals = labelled_row(sheet, "Total")
    budget_row = labelled_row(sheet, "Pool budget")
    difference = labelled_row(sheet, "Difference")
    assert budget_row[-1] == pytest.approx(float(sum(budgets.values())))
    assert sorted(budget_row[:-1]) == sorted(float(b) for b in budgets.values())
    for c, total in enumerate(totals):
        column = list(councils[0])[c + 1]
        assert total == pytest.approx(sum(r[column] or 0 for r in councils), abs=0.005)
    assert totals == pytest.approx(budget_row, abs=0.005)
    assert difference == pytest.approx([0.0] * len(difference), abs=0.005)
    formulas = openpyxl.load_workbook(workbook_path)["Summary"]
    cells = next(row for row in formulas.iter_rows(HEADER_ROW + 1) if row[0].value == "Total")
    assert all(str(c.value).startswith("=SUM(") for c in cells[1:])


def test_print_setup_landscape_one_page_wide_headers_repeated(book):
    for name in SHEETS[1:]:
        setup = book[name].page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, name
        assert book[name].sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)  # absent = 1 (OOXML)
        assert book[name].print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_no_child_in_the_workbook_only_in_the_restricted_export(book, workbook_path):
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "child_key" in v.lower().replace(" ", "_")
                           for v in row)  # fmt: skip
    fees = table(book["Interagency fees"])
    assert fees and all(isinstance(r["Children"], int) for r in fees)
    restricted = (
        workbook_path.parent / "restricted" / f"{workbook_path.stem}_interagency_recharges.csv"
    )
    with restricted.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and "child_key" in rows[0]
    # child-level rows: as the snapshot's restricted files, no one but owner and group reads
    # them (the file was 0644 in a 0755 folder)
    assert stat.S_IMODE(restricted.stat().st_mode) == 0o640
    assert stat.S_IMODE(restricted.parent.stat().st_mode) == 0o750
    assert sum(int(r["Children"]) for r in fees) == len({(r["council_code"], r["child_key"],
                                                          r["fee_type"]) for r in rows})  # fmt: skip


def test_formula_sheet_names_the_version_drivers_and_weights(book):
    rows = table(book["Formula"])
    drivers = [r for r in rows if r["In force"] == "yes" and r["Part"] == "Driver"]
    assert {r["Formula version"] for r in drivers} == {"test-2019"}
    # 0.5 placement orders + 0.3 ADM decisions + 0.2 children placed = 1
    assert {r["Name"]: r["Weight"] for r in drivers} == {
        "ADM decisions": 0.3, "Children placed": 0.2, "Placement orders": 0.5,
    }  # fmt: skip
    assert {r["Formula version"] for r in rows} == {"test-2019", "test-2022"}
    # test-2022: the fixed base is one driver, counted once, shown with its agreed shares
    later = [r for r in rows if r["Formula version"] == "test-2022" and r["Part"] == "Driver"]
    assert round(sum(r["Weight"] for r in later), 9) == 1
    assert [r["Basis or split"] for r in later if r["Name"] == "Fixed base"] == [
        "agreed shares: AAA 50.0%, BBB 25.0%, CCC 25.0%"
    ]
    assert not [r for r in rows if r["Part"] == "Base share"]


def test_budget_variance_is_for_the_latest_month_with_a_ledger(finance_warehouse, tmp_path):
    """2022-23's last spending or income is in March (the central hub's income); 2023-24 has a
    budget and nothing spent yet: its sheet is April's, the budget to date a twelfth."""
    march = table(openpyxl.load_workbook(export_finance(
        finance_warehouse.database, "2022-23", tmp_path / "a.xlsx"), data_only=True)["Budget variance"])  # fmt: skip
    assert {r["Month"].date() for r in march} == {date(2023, 3, 1)}
    april = table(openpyxl.load_workbook(export_finance(
        finance_warehouse.database, "2023-24", tmp_path / "b.xlsx"), data_only=True)["Budget variance"])  # fmt: skip
    assert {r["Month"].date() for r in april} == {date(2023, 4, 1)}
    assert round(sum(r["Budget to date (£)"] for r in april), 2) == 10000.00


def test_budget_variance_sheet_adds_up_to_each_pools_ledger(book, finance_warehouse):
    """A locally borne pool counts each council's own lines; the £500 of locality income that
    names no council is a row of its own, so each pool's rows add up to its ledger."""
    rows = table(book["Budget variance"])
    apart = [r for r in rows if r["Council"] == "(lines naming no council)"]
    assert [(r["Cost pool"], r["Spent to date (£)"]) for r in apart] == [("Locality hub", -500)]
    pools = dict(finance_warehouse.query(
        "select cost_pool, any_value(pool_actual_ytd_gbp) from marts.budget_variance"
        " where financial_year = '2022-23' and period_month = '2023-03-01' group by 1"))  # fmt: skip
    for pool, actual in pools.items():
        shown = [r for r in rows if r["Cost pool"] == pool.replace("_", " ").capitalize()]
        assert round(sum(r["Spent to date (£)"] for r in shown), 2) == float(actual), pool


def test_a_year_with_no_apportionment_is_refused_in_words(finance_warehouse, tmp_path):
    with pytest.raises(FinanceExportError, match="no cost apportionment for 2031-32"):
        export_finance(finance_warehouse.database, "2031-32", tmp_path / "none.xlsx")


def test_csvs_beside_the_workbook(workbook_path):
    with workbook_path.with_name("finance_contributions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    central = {
        r["council_code"]: r["contribution_gbp"] for r in rows if r["cost_pool"] == "central_hub"
    }
    assert central == {"AAA": "56250.00", "BBB": "33750.00", "CCC": "0.00"}
    for name in ("summary", "budget_variance", "interagency_fees", "formula_comparison", "formula"):
        assert workbook_path.with_name(f"finance_{name}.csv").exists(), name


def test_it_prints_as_a_board_document(workbook_path, tmp_path):
    """LibreOffice (Debian package, installed by .ci/run) renders it: one page for the cover and
    each table (they are short), every table whole: its last column's header is on its page."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: apt-get install libreoffice-calc-nogui "
                    "poppler-utils (.ci/run does this)")  # fmt: skip
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(workbook_path)], check=True, capture_output=True, timeout=180)  # fmt: skip
    pdf = tmp_path / "finance.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    pages = text.split("\f")[:-1]
    assert len(pages) == len(SHEETS)
    book = openpyxl.load_workbook(workbook_path)
    assert "Difference" in pages[1] and "£0.00" in pages[1].split("Difference", 1)[1]
    for page, name in zip(pages, SHEETS, strict=True):
        assert f"{name}" in page and "Page " in page, name
        if name != "Cover":
            last_header = [c.value for c in book[name][HEADER_ROW]][-1]
            assert last_header.split()[0] in page, (name, last_header)


def _width(sheet, column: int) -> float:
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= column <= dimension.max and dimension.width:
            return dimension.width
    return 8.43  # Excel's default


def test_every_value_and_note_has_room_and_headers_sit_over_their_figures(workbook_path):
    """As Excel and LibreOffice show it (neither sizes a row to its wrapped text on opening):
    each text cell's column, times its row's lines, holds the text; the how-to-read note's rows
    hold the note across the table's width; a figure's header is right-aligned over it (not
    left, over the next column's figures); a ledger month reads "March 2023", not "1 Mar 2023"."""
    book = openpyxl.load_workbook(workbook_path)
    for sheet in book.worksheets[1:]:
        columns = range(1, sheet.max_column + 1)
        widths = {c: _width(sheet, c) for c in columns}
        note = sheet.cell(2, 1).value
        note_lines = sum((sheet.row_dimensions[r].height or 15) for r in (2, 3)) / 15
        assert len(note) <= note_lines * sum(widths.values()) * 0.9, sheet.title
        for row in sheet.iter_rows(HEADER_ROW + 1):
            lines = (sheet.row_dimensions[row[0].row].height or 15) / 15
            for cell in row:
                if isinstance(cell.value, str) and not cell.value.startswith("="):
                    room = lines * (widths[cell.column] - 1)
                    assert len(cell.value) <= room, (sheet.title, cell.coordinate, cell.value)
                elif cell.value is not None:
                    header = sheet.cell(HEADER_ROW, cell.column)
                    assert header.alignment.horizontal == "right", (sheet.title, header.value)
    month = book["Budget variance"].cell(HEADER_ROW + 1, 1)
    assert month.number_format == "mmmm yyyy" and month.value.day == 1


def _cover_text(path) -> str:
    rows = openpyxl.load_workbook(path)["Cover"].iter_rows(values_only=True)
    return "\n".join(" ".join(str(v) for v in row if v) for row in rows)


def published_copy(finance_warehouse, tmp_path, submissions: str) -> Path:
    """A copy of the finance warehouse whose build run-1 (2 April 2023 01:00 UTC) was published
    as snapshot snap-1 at 01:05, with these submissions (JSON)."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(finance_warehouse.database, database)
    with duckdb.connect(str(database)) as con:
        ensure_schemas(con)
        con.execute(
            "insert into audit.builds (run_id, built_at) values ('run-1', '2023-04-02 01:00')"
        )
        con.execute("insert into audit.publishes values ('run-1', '2023-04-02 01:05', "
                    "'published', 'snap-1', null, ?, '{}', 1, 1)", [submissions])  # fmt: skip
    return database


def test_the_cover_names_the_snapshot_only_when_the_figures_were_published(
    finance_warehouse, tmp_path
):
    """The export reads the warehouse's latest build. Published: the cover names its snapshot
    and submissions. Refused by the release gate: the cover says the figures are not published,
    and why, rather than naming an older snapshot over figures it does not hold."""
    database = published_copy(
        finance_warehouse, tmp_path, '[{"council_code": "AAA", "submission_id": "s1"}]'
    )
    published = _cover_text(export_finance(database, "2022-23", tmp_path / "a.xlsx"))
    assert "snap-1" in published and "AAA s1" in published and "NOT published" not in published
    assert "stale" not in published

    con = duckdb.connect(str(database))  # AAA's next submission failed: s1 is still in use
    con.execute("delete from audit.current_submissions where council_code = 'AAA'")
    con.execute("insert into audit.current_submissions values "
                "('AAA', 's1', '2023-04-01', true, 'the episodes file is empty')")  # fmt: skip
    con.close()
    stale = _cover_text(export_finance(database, "2022-23", tmp_path / "s.xlsx"))
    assert "AAA s1 (stale: a later submission could not be loaded)" in stale

    con = duckdb.connect(str(database))
    con.execute("insert into audit.builds (run_id, built_at) values ('run-2', '2023-04-03 01:00')")
    con.execute(
        "insert into audit.publishes values ('run-2', '2023-04-03 01:05', 'refused', null,"
        " 'expectation failed: scorecard rows', null, '{}', 1, 0)"
    )
    con.close()
    refused = _cover_text(export_finance(database, "2022-23", tmp_path / "b.xlsx"))
    assert "NOT published (the release gate refused it: expectation failed" in refused
    assert "snap-1" not in refused


def test_the_cover_dates_a_snapshot_by_its_publish_and_an_unpublished_build_as_such(
    finance_warehouse, tmp_path
):
    """Published: "Snapshot date" is when the snapshot was published (not when it was built).
    Built but not published yet (the publish has not run): no snapshot date at all, the
    build's time labelled as a build NOT published, never passed off as a snapshot's date."""
    database = published_copy(finance_warehouse, tmp_path, "[]")
    published = _cover_text(export_finance(database, "2022-23", tmp_path / "a.xlsx"))
    assert "Snapshot date 2 April 2023 01:05 UTC" in published and "Built" not in published

    con = duckdb.connect(str(database))
    con.execute("insert into audit.builds (run_id, built_at) values ('run-2', '2023-04-03 01:00')")
    con.close()
    built = _cover_text(export_finance(database, "2022-23", tmp_path / "b.xlsx"))
    assert "Snapshot date" not in built and "snap-1" not in built
    assert "Figures from the warehouse's latest build, NOT published (not published yet" in built
    assert "Built 3 April 2023 01:00 UTC, NOT published" in built
    written = [line for line in built.splitlines() if line.startswith("Workbook written")]
    assert written and written[0].endswith(" UTC")


def test_a_night_that_withheld_a_council_shows_the_published_funding_figures(
    finance_warehouse, tmp_path
):
    """Officer probe: on a night that withheld KIL the cover named the night's snapshot, but the
    workbook showed the working marts, worked out without KIL (KIL £157,595 where the snapshot
    and the board pack showed £1,676,208.81, and a pot £943,600 short). Publishing carries the
    money marts over whole on such a night; the workbook shows those, and the cover says so."""
    database = published_copy(
        finance_warehouse, tmp_path, '[{"council_code": "AAA", "submission_id": "s1"}]'
    )
    snapshot = tmp_path / "published" / "snapshots" / "snap-1"
    snapshot.mkdir(parents=True)
    shutil.copy(database, snapshot / "raa.duckdb")  # the published figures: the marts as built
    with duckdb.connect(str(snapshot / "raa.duckdb")) as con:
        con.execute("create schema meta")
        con.execute("create table meta.withheld_councils as select 'run-1' as run_id, "
                    "'CCC' as council_code, 'snap-0' as figures_from_snapshot")  # fmt: skip
    with duckdb.connect(str(database)) as con:  # this build's, worked out without CCC
        con.execute("update marts.cost_apportionment set contribution_gbp = 0 "
                    "where council_code = 'CCC'")  # fmt: skip
        con.execute("insert into audit.withheld_councils values "
                    "('CCC', 'run-1', '2023-04-02 01:00', '[]', 'CCC sent a child twice')")  # fmt: skip
    workbook = export_finance(database, "2022-23", tmp_path / "w.xlsx")
    shown = {r["Council"]: r["Total (£)"]
             for r in table(openpyxl.load_workbook(workbook, data_only=True)["Summary"])}  # fmt: skip
    published = dict(finance_warehouse.query(
        "select council_code, sum(contribution_gbp) from marts.cost_apportionment "
        "where financial_year = '2022-23' group by all"))  # fmt: skip
    assert published["CCC"] > 0
    assert shown == pytest.approx({c: float(v) for c, v in published.items()}, abs=0.005)
    cover = _cover_text(workbook)
    assert "Withheld CCC withheld from this build" in cover
    assert "carried over whole from snapshot snap-0" in cover


def test_each_share_is_traced_to_its_driver_counts(book, finance_warehouse):
    """Domain A.4: every figure traceable to its driver counts. The Drivers sheet holds each
    council's counts beside the share they give and the share charged (the Contributions
    sheet's), for every pool split by formula."""
    drivers = table(book["Drivers"])
    with duckdb.connect(str(finance_warehouse.database), read_only=True) as con:
        mart = {(pool, council): (orders, decisions, placed, share) for pool, council, orders,
                decisions, placed, share in con.execute(
            """select cost_pool, council_code, placement_orders_count, adm_decisions_count,
                      children_placed_count, weighted_share
               from marts.cost_apportionment
               where financial_year = '2022-23' and split_method = 'formula'"""
        ).fetchall()}  # fmt: skip
    shown = {(r["Cost pool"], r["Council"]): (r["Placement orders"], r["ADM decisions"],
             r["Children placed"], r["Share charged"]) for r in drivers}  # fmt: skip
    assert len(shown) == len(mart) > 0
    for (pool, council), (orders, decisions, placed, share) in mart.items():
        got = shown[(pool.replace("_", " ").capitalize(), council)]
        assert got[:3] == (orders, decisions, placed) and got[3] == pytest.approx(share)
    contributions = {(r["Cost pool"], r["Council"]): r["Share"]
                     for r in table(book["Contributions"])}  # fmt: skip
    assert all(contributions[key] == pytest.approx(value[3]) for key, value in shown.items())


def test_the_drivers_name_the_years_they_count(finance_warehouse, tmp_path):
    """Finance-board probe: 2026-27's Drivers sheet showed 87 placement orders and 31 approvals,
    and the Formula sheet called approvals "The year itself", but a version with a demand lag
    counts the completed years before (2023-24 to 2025-26, approvals 2025-26): nowhere did the
    workbook say which years, so a count could not be traced. Here 2023-24 under test-2022
    (lag 1): placement orders 2020-21 to 2022-23 (AAA 1 + 2 + 3), approvals 2022-23 (AAA 2)."""
    book = openpyxl.load_workbook(
        export_finance(finance_warehouse.database, "2023-24", tmp_path / "w.xlsx"), data_only=True
    )
    note = book["Drivers"].cell(2, 1).value
    assert "approvals 2022-23; placement orders 2020-21 to 2022-23" in note
    aaa = next(r for r in table(book["Drivers"]) if r["Council"] == "AAA")
    assert (aaa["Placement orders"], aaa["Approvals"]) == (6, 2)
    # the transitional cap, worked in test_finance_marts: AAA's formula share 0.65 against
    # 0.625 last year, every move scaled by 6/19 so that BBB's moves exactly the 5 points
    assert aaa["Last year's share"] == pytest.approx(0.625)
    assert aaa["Cap (share points a year)"] == pytest.approx(0.05)
    assert aaa["Capped"] == "yes" and aaa["Share charged"] == pytest.approx(0.625 + 0.025 * 6 / 19)
    in_force = {r["Name"]: (r["Basis or split"], r["Counted over, for this year"])
                for r in table(book["Formula"]) if r["In force"] == "yes" and r["Part"] == "Driver"}  # fmt: skip
    assert in_force["Approvals"] == ("One year", "2022-23")
    assert in_force["Placement orders"] == ("Rolling 3-year average", "2020-21 to 2022-23")
    assert in_force["Fixed base"][1] is None


def test_the_summary_csv_names_each_pool(workbook_path):
    with (workbook_path.parent / f"{workbook_path.stem}_summary.csv").open() as handle:
        header = next(csv.reader(handle))
    assert header[0] == "council_code" and header[-1] == "total"
    assert all(not name.startswith("pool") for name in header) and "central_hub" in header


def test_a_fee_rate_not_entered_for_the_year_is_named_on_the_cover_and_marked(
    finance_warehouse, tmp_path
):
    """2026-27: the VAA fee is uplifted each April and the seed's latest VAA rate is April 2025's.
    CCC's c5 (placed 1 April 2026) is priced at £39,245.00 for want of the 2026-27 rate: the cover
    says so and where finance enters it; the Interagency fees sheet and CSV mark its row; the
    restricted recharges flag the child. c6 (LA adopters, fixed fee) is not marked. 2022-23's
    workbook names BBB's c2 (VAA, September 2022), priced at April 2019's £31,620.00: the fee was
    uplifted in April 2020, 2021 and 2022 and the seed holds none of those rates (domain A.4 gives
    April 2019's and April 2025's), so that rate is a stand-in too. Before, only a year after the
    seed's latest rate was named."""
    path = export_finance(finance_warehouse.database, "2026-27", tmp_path / "finance.xlsx")
    cover = _cover_text(path)
    assert (
        "Interagency fee rate NOT ENTERED YET: the voluntary agency fee is uplifted each "
        "April and its 2026-27 rate is not entered, so 1 child placed in 2026-27 is priced at the "
        "rate from 1 April 2025, £39,245.00, for now"
    ) in cover
    assert "dbt_project/seeds/finance/interagency_fee_rates.csv" in cover
    assert "effective_from 2026-04-01" in cover
    fees = table(openpyxl.load_workbook(path, data_only=True)["Interagency fees"])
    assert [
        (r["Council"], r["Fee type"], r["Rate not entered yet"], r["Children"]) for r in fees
    ] == [
        ("AAA", "Another LA or RAA", "no", 1),
        ("CCC", "Voluntary agency", "yes", 1),
    ]
    with path.with_name("finance_interagency_fees.csv").open(encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert [(r["council_code"], r["is_fee_rate_awaiting_uplift"]) for r in csv_rows] == [
        ("AAA", "False"), ("CCC", "True"),
    ]  # fmt: skip
    with (tmp_path / "restricted" / "finance_interagency_recharges.csv").open(
        encoding="utf-8"
    ) as f:
        restricted = {r["child_key"]: r for r in csv.DictReader(f)}
    assert {k: (r["fee_rate_gbp"], r["is_fee_rate_awaiting_uplift"]) for k, r in restricted.items()} == {
        "c5": ("39245.00", "True"), "c6": ("27000.00", "False"),
    }  # fmt: skip
    earlier = _cover_text(
        export_finance(finance_warehouse.database, "2022-23", tmp_path / "a.xlsx")
    )
    assert (
        "Interagency fee rate NOT ENTERED YET: the voluntary agency fee is uplifted each "
        "April and its 2022-23 rate is not entered, so 1 child placed in 2022-23 is priced at the "
        "rate from 1 April 2019, £31,620.00, for now"
    ) in earlier


def test_a_year_not_over_by_the_as_of_date_is_said_to_be_in_progress(finance_warehouse, tmp_path):
    """The scenario's data stand at 31 October 2026: the 2026-27 workbook's cover says the year is
    in progress and its part-year figures will change; 2022-23's, a finished year, does not. The
    finance probe found 2026-27's interagency split from April-October fees with nothing saying so."""
    cover = _cover_text(export_finance(finance_warehouse.database, "2026-27", tmp_path / "b.xlsx"))
    assert (
        "Year in progress YEAR IN PROGRESS: the figures stand at 31 October 2026. Spending and "
        "income to date, interagency fees paid so far"
    ) in cover
    assert "will change until 31 March 2027" in cover
    finished = _cover_text(
        export_finance(finance_warehouse.database, "2022-23", tmp_path / "c.xlsx")
    )
    assert "YEAR IN PROGRESS" not in finished


def test_marts_built_before_the_awaiting_uplift_flag_are_refused_in_words(
    finance_warehouse, tmp_path
):
    """A warehouse built by the code before is_fee_rate_awaiting_uplift (export run after a
    deploy, before the night's build): the export says to run the build, no traceback."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(finance_warehouse.database, database)
    con = duckdb.connect(str(database))
    con.execute("alter table marts.interagency_recharges drop column is_fee_rate_awaiting_uplift")
    con.close()
    with pytest.raises(FinanceExportError, match="built by an older version: run `raa run` first"):
        export_finance(database, "2022-23", tmp_path / "old.xlsx")
