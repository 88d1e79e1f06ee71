"""Finance export: the finance marts for one financial year as an XLSX workbook and CSVs.

`export_finance(database, "2022-23")` writes `<warehouse>/outbox/finance_2022-23.xlsx` (one
sheet per finance mart filtered to the year, plus a `formula` sheet with the version(s) and
their drivers and weights) and beside it one CSV per sheet, `finance_2022-23_<sheet>.csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import xlsxwriter

MARTS = ("cost_apportionment", "budget_variance", "interagency_recharges", "formula_comparison")
YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
MONEY_FORMAT = "£#,##0.00"
SHARE_FORMAT = "0.000000"
DATE_FORMAT = "yyyy-mm-dd"

FORMULA_SQL = """
with used as (
    select formula_version, bool_or(is_in_force) as in_force
    from marts.formula_comparison where financial_year = $year group by all
)
select
    versions.version_id as formula_version,
    used.in_force as in_force_for_year,
    versions.version_name,
    versions.effective_from,
    versions.effective_to,
    versions.demand_lag_years,
    cast(versions.transitional_limit as double) as transitional_limit,
    part,
    name,
    weight,
    basis_or_split
from used
inner join reference.formula_versions as versions on used.formula_version = versions.version_id
inner join (
    select version_id, 'driver' as part, driver as name, cast(weight as double) as weight,
        basis as basis_or_split
    from reference.formula_drivers
    union all
    select version_id, 'pool' as part, cost_pool as name, null as weight,
        split_method as basis_or_split
    from reference.formula_pools
) as parts on parts.version_id = versions.version_id
order by not used.in_force, versions.effective_from, part, name
"""


class FinanceExportError(ValueError):
    """The year is malformed or the warehouse has no finance marts for it."""


def export_finance(database: Path, year: str, out: Path | None = None) -> Path:
    """Write the year's finance workbook (and CSVs beside it); return the workbook's path."""
    match = YEAR_PATTERN.match(year)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise FinanceExportError(f"financial year {year!r} must look like 2022-23")
    database = Path(database)
    if not database.exists():
        raise FinanceExportError(f"no warehouse at {database} yet: run `raa run` first")
    out = Path(out) if out else database.parent / "outbox" / f"finance_{year}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = {mart: _fetch(con, f"select * from marts.{mart}", year, mart) for mart in MARTS}
        tables["formula"] = _fetch(con, FORMULA_SQL, year, "formula")
    finally:
        con.close()
    if not tables["cost_apportionment"][1]:
        raise FinanceExportError(f"no cost apportionment for {year} in {database}")
    _write_workbook(out, tables)
    for sheet, (columns, rows) in tables.items():
        _write_csv(out.with_name(f"{out.stem}_{sheet}.csv"), columns, rows)
    return out


def _fetch(con, sql: str, year: str, name: str) -> tuple[list[str], list[tuple]]:
    if name in MARTS:
        order = "order by all"
        sql = f"{sql} where financial_year = $year {order}"
    try:
        result = con.execute(sql, {"year": year})
    except duckdb.CatalogException as exc:
        raise FinanceExportError(f"the finance marts are not built yet ({exc})") from exc
    columns = [d[0] for d in result.description]
    return columns, result.fetchall()


def _write_workbook(out: Path, tables: dict[str, tuple[list[str], list[tuple]]]) -> None:
    workbook = xlsxwriter.Workbook(str(out))
    formats = {
        "money": workbook.add_format({"num_format": MONEY_FORMAT}),
        "share": workbook.add_format({"num_format": SHARE_FORMAT}),
        "date": workbook.add_format({"num_format": DATE_FORMAT}),
        "header": workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True}),
    }
    try:
        for sheet, (columns, rows) in tables.items():
            worksheet = workbook.add_worksheet(sheet[:31])
            worksheet.write_row(0, 0, columns, formats["header"])
            for c, column in enumerate(columns):
                style = _column_format(column, formats)
                worksheet.set_column(c, c, max(12, min(len(column) + 2, 40)), style)
                for r, row in enumerate(rows, start=1):
                    _write_cell(worksheet, r, c, row[c], style)
            worksheet.freeze_panes(1, 0)
            worksheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    finally:
        workbook.close()


def _column_format(column: str, formats: dict):
    if column.endswith("_gbp"):
        return formats["money"]
    if column.endswith(("_share", "share_change", "transition_factor", "weight", "_limit")):
        return formats["share"]
    if column.endswith(("_date", "_month", "effective_from", "effective_to")):
        return formats["date"]
    return None


def _write_cell(worksheet, row: int, col: int, value, style) -> None:
    if value is None:
        worksheet.write_blank(row, col, None, style)
    elif isinstance(value, Decimal):
        worksheet.write_number(row, col, float(value), style)
    elif isinstance(value, dt.datetime):
        worksheet.write_datetime(row, col, value, style)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), style)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, col, value, style)
    else:
        worksheet.write(row, col, value, style)


def _write_csv(path: Path, columns: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
