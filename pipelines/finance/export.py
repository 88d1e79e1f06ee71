"""Finance export: the year's cost apportionment as a workbook a finance board accepts.

`export_finance(database, "2022-23")` writes `<warehouse>/outbox/finance_2022-23.xlsx`:
- a cover sheet: title, partnership, year, formula version(s) with effective dates, the
  snapshot and date the figures come from, the submissions used, and what each sheet holds;
- one sheet per board table (pipelines/finance/board_tables.py): a title, one line on how to
  read it, headers in words, shares as percentages, money in pounds, a totals row; the summary's
  totals reconcile to the pool budgets (a difference row shows zero);
- print set-up: A4 landscape, one page wide, header rows repeated, page x of y in the footer.

Beside it, one CSV per table (`finance_2022-23_<table>.csv`, column names as in the marts) and,
under `restricted/`, the child-level interagency recharges, which never go in the workbook.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import xlsxwriter

from pipelines.finance.board_tables import STALE_NOTE, BoardTable, pool_budgets, read_tables
from pipelines.publish.layout import SNAPSHOTS
from pipelines.publish.overlay import with_published_marts

YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
FORMATS = {
    # no red: a negative variance is an underspend, good news (the sign says which)
    "money": "£#,##0.00;-£#,##0.00",
    "percent": "0.0%",
    "points": "+0.00%;-0.00%;0.00%",  # a share moving by 0.03 points is not "-0.0%"
    "count": "#,##0",
    "date": "d mmm yyyy",
    "month": "mmmm yyyy",  # a ledger month: "March 2026", not the 1st of it
}
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 3
CODED = ("cost_pool", "split_method", "part", "name")  # shown in words: central_hub -> Central hub
NAMED = ("basis_or_split", "fee_type", "adopter_agency_code")  # codes in WORDS, the rest as is
# Codes whose words are not the code's own (the rest: underscores to spaces, first capital)
WORDS = {
    "adm_decisions": "ADM decisions",
    "rolling_3yr": "Rolling 3-year average",
    "single_year": "One year",  # which one: the Formula sheet's "Counted over"
    "formula": "By formula",
    "owning_council": "By its own council",
    "child_council": "By the child's council",
    "LA_RAA": "Another LA or RAA",
    "LA": "Another LA or RAA",
    "VAA": "Voluntary agency",
    "RAA": "This partnership",
}
A4, INCH_MARGIN = 9, 0.4
LINE, MIN_WIDTH, TEXT_WIDTH = 15, 10, 50  # a row's height per line of text; column widths
# The money marts a withheld night carries over whole (pipelines/publish/snapshot.py
# WHOLE_WHEN_WITHHOLDING), read from the published snapshot; and the restricted marts read there.
PUBLISHED_MONEY_MARTS = ("cost_apportionment", "budget_variance", "formula_comparison")
RESTRICTED_MARTS = ("interagency_recharges",)
RESTRICTED = 0o640  # a child-level file: its owner writes it, their group reads it, no one else
# Where finance enters each April's uplifted fee rate (a row per rate; the next night uses it)
FEE_RATES_SEED = "dbt_project/seeds/finance/interagency_fee_rates.csv"


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
    con = _connect(database)
    try:
        try:
            apportioned = con.execute(
                "select count(*) from marts.cost_apportionment where financial_year = ?", [year]
            ).fetchone()[0]
            if not apportioned:
                raise FinanceExportError(f"no cost apportionment for {year} in {database}")
            tables, pools = read_tables(con, year)
        except duckdb.CatalogException as exc:
            raise FinanceExportError(f"the finance marts are not built yet ({exc})") from exc
        except duckdb.BinderException as exc:  # a column this code reads is newer than the build
            raise FinanceExportError(
                f"the finance marts were built by an older version: run `raa run` first ({exc})"
            ) from exc
        cover = _cover_facts(con, year)
        budgets = pool_budgets(con, year)
        recharges = con.execute(
            "select * from marts.interagency_recharges where financial_year = $year order by all",
            {"year": year},
        )  # fmt: skip
        restricted = ([d[0] for d in recharges.description], recharges.fetchall())
    finally:
        con.close()
    _write_workbook(out, year, cover, tables, [budgets.get(pool, 0.0) for pool in pools.values()])
    for table in tables:
        slug = table.sheet.lower().replace(" ", "_")
        _write_csv(out.with_name(f"{out.stem}_{slug}.csv"),
                   [c.name for c in table.columns], table.rows)  # fmt: skip
    _write_csv(out.parent / "restricted" / f"{out.stem}_interagency_recharges.csv", *restricted,
               mode=RESTRICTED)  # fmt: skip
    return out


def _published_snapshot(con, database: Path) -> Path | None:
    """The snapshot folder the warehouse's latest build was published as (None: not published,
    or its folder is gone)."""
    try:
        published = con.execute(
            """select p.snapshot_id from audit.publishes as p
               where p.status = 'published' and p.run_id = (
                   select run_id from audit.builds order by built_at desc limit 1)
               order by p.attempted_at desc limit 1"""
        ).fetchone()
    except duckdb.CatalogException:
        return None
    folder = database.parent / "published" / SNAPSHOTS / published[0] if published else None
    return folder if folder and (folder / "raa.duckdb").exists() else None


def _connect(database: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse as the export reads it: the working database (audit, reference, star), with
    the finance marts as published when its latest build was published. On a night that
    withheld a council the published money marts are the last published ones, carried over
    whole (every share depends on every council's), while the working marts hold this build's,
    worked out without the withheld council: the workbook must show what its cover names, the
    snapshot the board pack shows too."""
    working = duckdb.connect(str(database), read_only=True)
    snapshot = _published_snapshot(working, database)
    if snapshot is None:
        return working
    working.close()
    return with_published_marts(database, snapshot, (*PUBLISHED_MONEY_MARTS, *RESTRICTED_MARTS))


def _withheld(con) -> list[str]:
    """A cover line when the latest build withheld councils: who, and from which snapshot the
    funding figures (carried over whole) come."""
    try:
        rows = con.execute(
            """select w.council_code, m.figures_from_snapshot
               from audit.withheld_councils as w
               left join snapshot.meta.withheld_councils as m using (run_id, council_code)
               where w.run_id = (select run_id from audit.builds order by built_at desc limit 1)
               order by w.council_code"""
        ).fetchall()
    except duckdb.Error:  # not published (no snapshot attached), or an older warehouse
        return []
    if not rows:
        return []
    codes = ", ".join(code for code, _ in rows)
    source = next((s for _, s in rows if s), None)
    return [
        f"{codes} withheld from this build (its data broke a check: raa status says which). "
        "Every council's share depends on every other's, so the funding figures here are the "
        "last published ones, carried over whole"
        + (f" from snapshot {source}" if source else "")
        + ", as in the published snapshot and the board pack."
    ]


def _cover_facts(con, year: str) -> dict:
    try:
        partnership = con.execute(
            "select council_name from star.dim_council where is_partnership limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        partnership = None
    versions = con.execute(
        """select distinct v.version_id, v.version_name, v.effective_from, v.effective_to
           from marts.cost_apportionment as a
           join reference.formula_versions as v on a.formula_version = v.version_id
           where a.financial_year = $year order by v.effective_from""",
        {"year": year},
    ).fetchall()
    snapshot, when, used, published = _figures_source(con)
    stale = _stale(con)
    return {
        "partnership": partnership[0] if partnership else "the partnership",
        "versions": versions,
        "snapshot": snapshot,
        "snapshot_date": when,
        "published": published,
        "submissions": ", ".join(
            f"{c} {s}" + (STALE_NOTE if (c, s) in stale else "") for c, s in used
        )
        or "none recorded",
        "rates_awaiting_uplift": _rates_awaiting_uplift(con, year),
        "in_progress": _year_in_progress(con, year),
        "withheld": _withheld(con) if published else [],
    }


def _year_in_progress(con, year: str) -> list[str]:
    """A line when the year is not over by the data's as-of date (domain A.3): its spending to
    date, the fees paid so far and any driver counting the year itself are part-year figures."""
    try:
        (as_of,) = con.execute("select as_of_date from intermediate.int_data_as_of").fetchone()
    except duckdb.Error:  # a warehouse built before the as-of model: nothing to say
        return []
    year_end = dt.date(int(year[:4]) + 1, 3, 31)
    if as_of >= year_end:
        return []
    return [
        f"YEAR IN PROGRESS: the figures stand at {as_of:%-d %B %Y}. Spending and income to date, "
        f"interagency fees paid so far and any driver that counts {year} itself (Counted over, on "
        "the Formula sheet) are for part of the year and will change until 31 March "
        f"{year_end.year}."
    ]


def _rates_awaiting_uplift(con, year: str) -> list[str]:
    """A line per fee uplifted each April whose rate for the year finance has not entered yet:
    its children are priced at an earlier year's rate (interagency_recharges'
    is_fee_rate_awaiting_uplift), and the line says where to enter the year's rate."""
    rows = con.execute(
        """select fee_type, is_london, rate_effective_from, fee_rate_gbp,
                  count(distinct (council_code, child_key)) as children
           from marts.interagency_recharges
           where financial_year = $year and is_fee_rate_awaiting_uplift
           group by all order by all""",
        {"year": year},
    ).fetchall()  # fmt: skip
    return [
        f"NOT ENTERED YET: the {WORDS.get(fee, fee).lower()} fee"
        + (" (London)" if london else "")
        + f" is uplifted each April and its {year} rate is not entered, so {children} "
        + ("child placed" if children == 1 else "children placed")
        + f" in {year} {'is' if children == 1 else 'are'} priced at the rate from "
        f"{since:%-d %B %Y}, £{rate:,.2f}, for now (the fee rate and paid-minus-rate in the "
        f"restricted recharges file are provisional). Finance enters the {year} rate as a row "
        f"in {FEE_RATES_SEED} (fee_type {fee}, is_london {str(london).lower()}, effective_from "
        f"{year[:4]}-04-01, uplifted_each_april true); the next night's build uses it."
        for fee, london, since, rate, children in rows
    ]


def _stale(con) -> set[tuple[str, str]]:
    """Submissions still in use although a later one from the council failed."""
    try:
        return set(con.execute(
            "select council_code, submission_id from audit.current_submissions where is_stale"
        ).fetchall())  # fmt: skip
    except duckdb.CatalogException:
        return set()


def _figures_source(con) -> tuple[str, dt.datetime | None, list[tuple[str, str]], bool]:
    """Where the workbook's figures come from: the warehouse's latest build. That is the
    published snapshot when the build was published (with the time it was published);
    otherwise the cover says it was not (the release gate refused it, or it is not published
    yet) and gives the build's time as that, so a board never reads a snapshot's name, or a
    snapshot date, over figures no snapshot holds. The last item: published or not."""
    try:
        build = con.execute(
            "select run_id, built_at from audit.builds order by built_at desc limit 1"
        ).fetchone()
        publish = con.execute(
            """select status, snapshot_id, attempted_at, message, submissions from audit.publishes
               where run_id = ? order by attempted_at desc limit 1""",
            [build[0] if build else None],
        ).fetchone()
    except duckdb.CatalogException:
        build = publish = None
    if publish and publish[0] == "published":
        used = [(s["council_code"], s["submission_id"]) for s in json.loads(publish[4] or "[]")]
        return publish[1], publish[2], used, True
    try:
        in_use = con.execute(
            "select council_code, submission_id from audit.current_submissions order by all"
        ).fetchall()
    except duckdb.CatalogException:
        in_use = []
    if publish:
        why = f"the release gate refused it: {publish[3]}" if publish[3] else "refused"
    else:
        why = "not published yet: no publish is recorded for it"
    return (
        f"the warehouse's latest build, NOT published ({why})",
        build[1] if build else None,
        in_use,
        False,
    )


def _write_workbook(out: Path, year: str, cover: dict, tables: list[BoardTable],
                    budgets: list[float]) -> None:  # fmt: skip
    # text is never read as a formula or a number: a name in the formula file could start with =
    workbook = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False})
    # top-aligned, as wrapped text is: a row made taller by it keeps its figures on its line
    styles = {kind: workbook.add_format({"num_format": f, "valign": "top"})
              for kind, f in FORMATS.items()}  # fmt: skip
    styles["text"] = workbook.add_format({"text_wrap": True, "valign": "top"})
    styles["title"] = workbook.add_format({"bold": True, "font_size": 14})
    styles["note"] = workbook.add_format({"italic": True, "text_wrap": True, "valign": "top"})
    styles["header"] = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True,
                                            "valign": "bottom", "bg_color": "#DDDDDD"})  # fmt: skip
    # a cover line's label beside its first line of text
    styles["label"] = workbook.add_format({"bold": True, "bottom": 1, "valign": "top",
                                           "bg_color": "#DDDDDD"})  # fmt: skip
    # a figure's header sits over it, on the right as the figures are, not over the next column's
    styles["header_figures"] = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True,
                                                    "valign": "bottom", "align": "right",
                                                    "bg_color": "#DDDDDD"})  # fmt: skip
    total = {kind: workbook.add_format({"num_format": f, "bold": True, "top": 1})
             for kind, f in FORMATS.items()}  # fmt: skip
    total["text"] = workbook.add_format({"bold": True, "top": 1})
    try:
        _write_cover(workbook, year, cover, tables, styles)
        for table in tables:
            sheet = workbook.add_worksheet(table.sheet)
            last, totals = _write_table(sheet, table, styles, total)
            if table is tables[0]:
                _write_reconciliation(sheet, budgets, last, totals, total)
            _print_setup(
                sheet, f"{cover['partnership']}: {table.title}, {year}", len(table.columns)
            )
    finally:
        workbook.close()


def _write_cover(workbook, year: str, cover: dict, tables: list[BoardTable], styles) -> None:
    sheet = workbook.add_worksheet("Cover")
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 90, styles["text"])
    sheet.write(0, 0, f"{cover['partnership']}: cost apportionment {year}", styles["title"])
    when = cover["snapshot_date"]  # the publish's time, or the unpublished build's
    if cover["published"]:
        source = [("Figures from snapshot", cover["snapshot"]),
                  ("Snapshot date", f"{when:%-d %B %Y %H:%M} UTC")]  # fmt: skip
    else:  # no snapshot holds these figures: no snapshot date either, the build's time as such
        built = f"{when:%-d %B %Y %H:%M} UTC, NOT published" if when else "not recorded"
        source = [("Figures from", cover["snapshot"]), ("Built", built)]
    facts = [
        ("Financial year", f"{year} (1 April {year[:4]} to 31 March {int(year[:4]) + 1})"),
        *(("Formula version", f"{v[0]}: {v[1]}, effective from {v[2]:%-d %B %Y}"
           + (f" to {v[3]:%-d %B %Y}" if v[3] else "")) for v in cover["versions"]),
        *source,
        ("Council submissions used", cover["submissions"]),
        *(("Year in progress", note) for note in cover.get("in_progress", [])),
        *(("Withheld", note) for note in cover.get("withheld", [])),
        *(("Interagency fee rate", note) for note in cover["rates_awaiting_uplift"]),
        ("Workbook written", f"{dt.datetime.now(dt.UTC):%-d %B %Y %H:%M} UTC"),
    ]  # fmt: skip
    row = 2
    for label, value in facts:
        sheet.set_row(row, LINE * _lines(value, 90))  # wrapped text needs its height
        sheet.write(row, 0, label, styles["label"])
        sheet.write(row, 1, value, styles["text"])
        row += 1
    row += 1
    sheet.write(row, 0, "Sheets", styles["title"])
    for table in tables:
        row += 1
        text = f"{table.title}. {table.how_to_read}"
        sheet.set_row(row, LINE * _lines(text, 90))
        sheet.write(row, 0, table.sheet, styles["label"])
        sheet.write(row, 1, text, styles["text"])
    _print_setup(sheet, f"{cover['partnership']}: cost apportionment {year}", 2, landscape=False)


def _write_table(sheet, table: BoardTable, styles, total) -> tuple[int, dict[int, float]]:
    """Title, how to read, header and rows, then the totals row; returns the totals row and its
    values by column. Each column is as wide as its values (text up to TEXT_WIDTH, wrapped
    beyond), and each row as high as its wrapped text: no value is cut off or written over the
    next row, in Excel or LibreOffice (neither sizes rows to wrapped text on opening)."""
    rows = [[_shown(column, value) for column, value in zip(table.columns, row, strict=True)]
            for row in table.rows]  # fmt: skip
    widths = [_column_width(column, [row[c] for row in rows], first=c == 0,
                            totalled=column.name in table.total_columns)
              for c, column in enumerate(table.columns)]  # fmt: skip
    last_column = len(table.columns) - 1
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last_column, table.title, styles["title"])
    sheet.merge_range(NOTE_ROW, 0, NOTE_ROW + 1, last_column, table.how_to_read, styles["note"])
    sheet.set_row(NOTE_ROW, LINE * _lines(table.how_to_read, sum(widths)))
    sheet.set_row(NOTE_ROW + 1, 6)  # a gap above the header
    header_lines = [_lines(column.header, width, bold=True)
                    for column, width in zip(table.columns, widths, strict=True)]  # fmt: skip
    sheet.set_row(HEADER_ROW, LINE * max(2, *header_lines))
    for c, (column, width) in enumerate(zip(table.columns, widths, strict=True)):
        header = styles["header" if column.kind == "text" else "header_figures"]
        sheet.write(HEADER_ROW, c, column.header, header)
        sheet.set_column(c, c, width, styles.get(column.kind))
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        texts = [(v, w) for v, w in zip(row, widths, strict=True) if isinstance(v, str)]
        high = max((_lines(v, w) for v, w in texts), default=1)
        if high > 1:
            sheet.set_row(r, LINE * high)
        for c, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            _write_cell(sheet, r, c, value, styles.get(column.kind))
    last = HEADER_ROW + len(table.rows) + 1
    totals: dict[int, float] = {}
    if table.total_columns:
        sheet.write(last, 0, "Total", total["text"])
        for c, column in enumerate(table.columns[1:], start=1):
            if column.name in table.total_columns:
                cells = xlsxwriter.utility.xl_range(HEADER_ROW + 1, c, last - 1, c)
                totals[c] = sum(float(row[c] or 0) for row in table.rows)
                sheet.write_formula(last, c, f"=SUM({cells})", total[column.kind], totals[c])
            else:
                sheet.write_blank(last, c, None, total["text"])
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    return last, totals


def _shown(column, value):
    """A cell's value as the sheet shows it: codes in words."""
    if column.name in CODED and isinstance(value, str):
        return WORDS.get(value) or value.replace("_", " ").capitalize()
    if column.name in NAMED and isinstance(value, str):
        return WORDS.get(value, value)
    return value


def _lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines `text` wraps to, word by word, in a column `width` characters wide (a
    bold character taken as 1.1 of one, with a character's margin)."""
    room = max(1.0, width / (1.1 if bold else 1.0) - 1)
    lines, used = 1, 0.0
    for word in str(text).split():
        if used and used + 1 + len(word) > room:
            lines, used = lines + 1 + int(len(word) // room), len(word) % room
        else:
            used += (1 if used else 0) + len(word)
    return lines


def _column_width(column, values: list, first: bool = False, totalled: bool = False) -> float:
    """Wide enough for the column's longest value as shown (text: up to TEXT_WIDTH, then it
    wraps; a totalled column's total too) and for its header's longest word; the first also for
    the labels Total, Pool budget, Difference."""
    header = max(len(word) for word in column.header.split()) * 1.1 + 2
    if column.kind == "text":
        longest = max((len(str(v)) for v in values if v is not None), default=0)
        return min(TEXT_WIDTH, max(MIN_WIDTH + 4 * first, header, longest + 2))
    numbers = [abs(float(v)) for v in values if isinstance(v, int | float | Decimal)]
    top = sum(numbers) if totalled else max(numbers, default=0.0)
    shown = {"money": f"-£{top:,.2f}", "count": f"{top:,.0f}", "percent": "-100.0%",
             "points": "+100.00%", "date": "30 Sep 2026", "month": "September 2026"}  # fmt: skip
    return max(MIN_WIDTH, header, len(shown.get(column.kind, "")) + 2)


def _write_reconciliation(sheet, budgets: list[float], last: int, totals: dict[int, float],
                          total) -> None:  # fmt: skip
    """Under the summary's totals (one column per pool, then all): the pool budgets, and the
    difference (zero when it adds up)."""
    cell = xlsxwriter.utility.xl_rowcol_to_cell
    money = total["money"]
    sheet.write(last + 1, 0, "Pool budget", total["text"])
    sheet.write(last + 2, 0, "Difference", total["text"])
    for c, budget in enumerate([*budgets, sum(budgets)], start=1):
        sheet.write_number(last + 1, c, budget, money)
        sheet.write_formula(last + 2, c, f"={cell(last, c)}-{cell(last + 1, c)}", money,
                            round(totals[c] - budget, 2))  # fmt: skip


def _print_setup(sheet, title: str, columns: int, landscape: bool = True) -> None:
    sheet.set_paper(A4)
    if landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages long as it takes
    sheet.set_margins(left=INCH_MARGIN, right=INCH_MARGIN, top=0.6, bottom=0.6)
    sheet.repeat_rows(HEADER_ROW, HEADER_ROW)
    sheet.set_header(f"&L&8{title.replace('&', '&&')}")
    sheet.set_footer("&L&8&A&R&8Page &P of &N")


def _write_cell(sheet, row: int, col: int, value, style) -> None:
    if value is None:
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), style)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, style)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), style)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", style)
    else:
        sheet.write(row, col, value, style)


def _write_csv(path: Path, columns: list[str], rows: list[tuple], mode: int = 0o644) -> None:
    """`mode`: RESTRICTED for child-level rows (as the snapshot's restricted files: no one
    outside the owner and group reads them), its folder likewise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == RESTRICTED:
        path.parent.chmod(0o750)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.fchmod(fd, mode)  # a file written before keeps its mode otherwise
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
