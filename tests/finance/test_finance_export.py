"""The finance export: an XLSX workbook that opens, is formatted for finance, and holds exactly
the marts' figures for the year, with the same tables as CSVs beside it."""

from __future__ import annotations

import csv
from decimal import Decimal

import openpyxl
import pytest

from pipelines.finance.export import MARTS, FinanceExportError, export_finance


@pytest.fixture(scope="module")
def workbook_path(finance_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "finance.xlsx"
    return export_finance(finance_warehouse.database, "2022-23", out)


def test_workbook_opens_with_a_sheet_per_mart_and_the_formula(workbook_path):
    book = openpyxl.load_workbook(workbook_path)
    assert book.sheetnames == [*MARTS, "formula"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None


def test_sheet_values_equal_the_mart(workbook_path, finance_warehouse):
    sheet = openpyxl.load_workbook(workbook_path)["cost_apportionment"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    expected = finance_warehouse.query(
        "select cost_pool, council_code, contribution_gbp, weighted_share"
        " from marts.cost_apportionment where financial_year = '2022-23' order by all"
    )
    got = sorted(
        (r["cost_pool"], r["council_code"], r["contribution_gbp"], r["weighted_share"])
        for r in rows
    )
    assert [(p, c, Decimal(str(m)).quantize(Decimal("0.01")), s) for p, c, m, s in got] == [
        (p, c, m, pytest.approx(s)) for p, c, m, s in expected
    ]
    money = header.index("contribution_gbp") + 1
    assert sheet.cell(2, money).number_format == "£#,##0.00"
    assert {r["financial_year"] for r in rows} == {"2022-23"}


def test_formula_sheet_names_the_version_drivers_and_weights(workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)["formula"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    in_force = [r for r in rows if r["in_force_for_year"] and r["part"] == "driver"]
    assert {r["formula_version"] for r in in_force} == {"test-2019"}
    # 0.5 placement orders + 0.3 ADM decisions + 0.2 children placed = 1
    assert {r["name"]: r["weight"] for r in in_force} == {
        "adm_decisions": 0.3, "children_placed": 0.2, "placement_orders": 0.5,
    }  # fmt: skip
    assert {r["formula_version"] for r in rows} == {"test-2019", "test-2022"}


def test_csvs_beside_the_workbook(workbook_path):
    for sheet in [*MARTS, "formula"]:
        path = workbook_path.with_name(f"{workbook_path.stem}_{sheet}.csv")
        assert path.exists(), path
    with workbook_path.with_name("finance_cost_apportionment.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    central = {
        r["council_code"]: r["contribution_gbp"] for r in rows if r["cost_pool"] == "central_hub"
    }
    assert central == {"AAA": "56250.00", "BBB": "33750.00", "CCC": "0.00"}


def test_bad_year_is_refused(finance_warehouse, tmp_path):
    with pytest.raises(FinanceExportError, match="must look like 2022-23"):
        export_finance(finance_warehouse.database, "2022-24", tmp_path / "x.xlsx")
    with pytest.raises(FinanceExportError, match="no cost apportionment for 2030-31"):
        export_finance(finance_warehouse.database, "2030-31", tmp_path / "x.xlsx")
