"""The board pack from the demo region's published snapshot: `raa report board` writes HTML and
PDF; the HTML opens in headless Chromium with no console error (screenshot kept); the PDF has a
page per two or three sections and no table cut across pages; every figure equals its mart."""

from __future__ import annotations

import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.publish.layout import published_database
from pipelines.reports.board_pack import PANEL, fmt
from pipelines.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "board"


class Tables(HTMLParser):
    """Every <table data-table=...> of the page as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.titles: dict[str, str] = {}  # each table's heading (the <h2> above it)
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._title: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._title = []
        elif tag == "table":
            self._table = dict(attrs)["data-table"]
            self.tables[self._table] = []
            self.titles[self._table] = "".join(self._title or []).strip()
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "h2" and self._title is not None:
            self._title = ["".join(self._title)]
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._title is not None and self._table is None:
            self._title.append(data)


@pytest.fixture(scope="module")
def quarter(region) -> tuple[str, date]:
    """The latest quarter that has ended in the snapshot."""
    with duckdb.connect(str(published_database(region.settings.published_dir)),
                        read_only=True) as con:  # fmt: skip
        start, year, q = con.execute(
            "select quarter_start, financial_year, financial_quarter from marts.raa_quarterly "
            "where quarter_end < current_date order by quarter_start desc limit 1"
        ).fetchone()  # fmt: skip
    return f"{year}-Q{q}", start


@pytest.fixture(scope="module")
def pack(region, quarter, tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("board")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAA_WAREHOUSE_DIR", str(region.settings.warehouse_dir))
        env.setenv("RAA_LANDING_DIR", str(region.settings.landing_dir))
        assert main(["report", "board", "--quarter", quarter[0], "--out", str(out)]) == 0
    html, pdf = out / f"board_pack_{quarter[0]}.html", out / f"board_pack_{quarter[0]}.pdf"
    assert html.exists() and pdf.exists()
    return html, pdf


def test_the_html_opens_in_chromium_without_errors(pack, browser):
    html, _ = pack
    browser.get(html.as_uri())
    sections = browser.find_elements("css selector", "section")
    assert len(sections) >= 7
    assert browser.find_elements("css selector", "svg.chart")
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1400, browser.execute_script("return document.body.scrollHeight") + 200)
    browser.save_screenshot(str(ARTIFACTS / "board_pack.png"))
    text = browser.find_element("tag name", "body").text
    assert "How to read:" in text and "Snapshot " in text and "Funding formula version" in text
    # nothing is fetched at view time: no external reference in the page
    assert "http" not in html.read_text().replace("http://www.w3.org/2000/svg", "")


def test_the_pdf_pages_hold_each_table_whole(pack):
    html, pdf = pack
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")[:-1]  # fmt: skip
    assert 3 <= len(pages) <= 8, len(pages)
    # every page says whose pack it is and which page (a page read or copied on its own)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page, number
        assert f"board pack {html.stem.removeprefix('board_pack_')}" in page, number
    # the scorecard's trend stays under it on page 1 (the * explained above takes two lines)
    assert "A10 over the three-year" in pages[0]
    # the footer's publish date reads as the pack's other dates do: 7 December, not 07
    published = " ".join(pages[-1].split()).split("published ", 1)[1]
    assert not published.startswith("0"), published
    tables = Tables()
    tables.feed(html.read_text())
    for name, rows in tables.tables.items():
        first, last = rows[1][0], rows[-1][0]  # the first council and the last row
        # the page under the table's heading holds its first and its last row
        heading = " ".join(tables.titles[name].split()[:4])
        (page,) = [p for p in pages if heading in " ".join(p.split())]
        assert has_row(page, first) and has_row(page, last), f"{name} is cut"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(ARTIFACTS / "page")],
                   check=True)  # fmt: skip


def has_row(page: str, label: str) -> bool:
    words = label.split()
    return any(line.split()[: len(words)] == words for line in page.splitlines())


def rows_of(pack, name: str) -> list[list[str]]:
    tables = Tables()
    tables.feed(pack[0].read_text())
    return tables.tables[name][1:]


def test_every_figure_equals_its_mart(region, pack, quarter):
    database = published_database(region.settings.published_dir)
    with duckdb.connect(str(database), read_only=True) as con:
        quarterly = con.execute(
            """select council_code, adm_decisions, placement_orders, matches, children_placed,
                      adoption_orders, children_waiting, waiting_18_months_since_entered_care,
                      order_to_match_mean_days, matches_suppressed, order_to_match_mean_days_suppressed
               from marts.raa_quarterly where quarter_start = ?
               order by council_code = 'REGION', council_code""", [quarter[1]]
        ).fetchall()  # fmt: skip
        funnel = con.execute(
            "select enquiries, approvals from marts.adopter_pipeline "
            "where quarter_start = ? and council_code = 'REGION'", [quarter[1]]
        ).fetchone()  # fmt: skip
        launch = con.execute(
            """select council_code, matches, matches_suppressed, order_to_match_mean_days,
                      order_to_match_mean_days_suppressed
               from marts.launch_comparison order by council_code = 'REGION', council_code, period"""
        ).fetchall()  # fmt: skip
        months = {column: con.execute(
            f"select {column}, {column}_suppressed from marts.raa_monthly"
            " where council_code = 'REGION' and quarter_start = ? order by month_start",
            [quarter[1]]).fetchall() for column, _ in PANEL}  # fmt: skip
        # the quarter's own figures, which its months add up to
        adm, adm_withheld, matched, matched_withheld, approved, approved_withheld = con.execute(
            """select q.adm_decisions, q.adm_decisions_suppressed, q.matches,
                      q.matches_suppressed, a.approvals, a.approvals_suppressed
               from marts.raa_quarterly as q join marts.adopter_pipeline as a using
                 (council_code, quarter_start)
               where quarter_start = ? and council_code = 'REGION'""", [quarter[1]]
        ).fetchone()  # fmt: skip
        contributions = dict(con.execute(
            """select council_code, sum(contribution_gbp) from marts.cost_apportionment
               where financial_year = ? group by all""", [quarter[0][:7]]
        ).fetchall())  # fmt: skip
    shown = rows_of(pack, "raa_quarterly")
    assert [r[0] for r in shown] == [r[0] for r in quarterly]
    for got, row in zip(shown, quarterly, strict=True):
        assert got[3] == fmt(row[3], "count", row[9])
        assert got[6] == fmt(row[6], "count")  # children waiting, as published
        assert got[8] == fmt(row[8], "days", row[10])
    pipeline = {r[0]: r for r in rows_of(pack, "adopter_pipeline")}
    assert pipeline["REGION"][1] == fmt(funnel[0], "count")
    assert pipeline["REGION"][5] == fmt(funnel[1], "count")
    shown_launch = rows_of(pack, "launch_comparison")
    assert [r[0] for r in shown_launch] == [r[0] for r in launch]
    for got, row in zip(shown_launch, launch, strict=True):
        assert got[3] == fmt(row[1], "count", row[2])
        assert got[8] == fmt(row[3], "days", row[4])
    panel = rows_of(pack, "panel_decisions")
    assert [r[0] for r in panel] == [label for _, label in PANEL]
    quarter_figures = [(adm, adm_withheld), (matched, matched_withheld),
                       (approved, approved_withheld)]  # fmt: skip
    for got, (column, _), figure in zip(panel, PANEL, quarter_figures, strict=True):
        assert got[1:4] == [fmt(value, "count", withheld) for value, withheld in months[column]]
        assert got[4] == fmt(figure[0], "count", figure[1])
    finance = {r[0]: r[1] for r in rows_of(pack, "finance")}
    finance.pop("(lines naming no council)", None)  # spending only: no contribution
    assert finance.pop("Total") == fmt(sum(contributions.values()), "pence")
    assert finance == {c: fmt(v, "pence") for c, v in contributions.items()}


def test_the_scorecard_rags_a1_and_a2_against_england_and_names_englands_windows(region, pack):
    """Amber (misses the threshold, no worse than England) is reachable for A1 as for A2: each
    RAG is judged against the England figure shown beside it, whose window heads its column."""
    from pipelines.reports.board_pack import latest_thresholds, rag

    tables = Tables()
    tables.feed(pack[0].read_text())
    header, *rows = tables.tables["scorecard"]
    header = [h.replace("\u2011", "-") for h in header]  # England's windows: non-breaking hyphens
    window = rows[0][1]
    with duckdb.connect(str(published_database(region.settings.published_dir)),
                        read_only=True) as con:  # fmt: skip
        marts = {r[0]: r[1:] for r in con.execute(
            """select council_code, a1_mean_days, a2_mean_days, england_a1_mean_days,
                      england_a2_mean_days, england_a1_window_label, england_a2_window_label
               from marts.scorecard_timeliness where window_years = 3 and window_label = ?""",
            [window]).fetchall()}  # fmt: skip
    a1_window, a2_window = next(iter(marts.values()))[4:6]
    assert f"England A1 ({a1_window})" in header and f"England A2 ({a2_window})" in header
    thresholds = latest_thresholds()
    # a figure shown equal to England's may be red (196.49 beside 196): the reader is told
    assert "judged before rounding (so a figure shown equal to England" in pack[0].read_text()
    for row in rows:
        a1, a2, england_a1, england_a2, *_ = marts[row[0]]
        assert row[4] == rag((a1, False), thresholds["A1"][0], (england_a1, False)), row
        assert row[7] == rag((a2, False), thresholds["A2"][0], (england_a2, False)), row


def test_a_malformed_or_unknown_quarter_is_one_line(region, capsys, monkeypatch):
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(region.settings.warehouse_dir))
    assert main(["report", "board", "--quarter", "2025-Q2"]) == 2
    assert main(["report", "board", "--quarter", "1999-00-Q1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("raa report: quarter '2025-Q2' must look like 2025-26-Q2")
    assert err[1].startswith("raa report: quarter 1999-00-Q1 is not in the snapshot")


def test_a_quarter_not_over_in_the_data_is_refused(region, capsys, monkeypatch):
    """The demo's data stand at 31 October 2026: 2026-27 Q3 (to 31 December) is not over, and a
    board must never see it as a finished quarter (domain A.5)."""
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(region.settings.warehouse_dir))
    with duckdb.connect(str(published_database(region.settings.published_dir)),
                        read_only=True) as con:  # fmt: skip
        year, q, as_of = con.execute(
            "select financial_year, financial_quarter, partial_as_of from marts.raa_quarterly "
            "where is_partial order by quarter_start limit 1"
        ).fetchone()  # fmt: skip
    assert main(["report", "board", "--quarter", f"{year}-Q{q}"]) == 2
    err = capsys.readouterr().err
    assert f"is not over in the data, which stand at {as_of:%d %B %Y}" in err


def test_the_dagster_asset_writes_the_pack_for_the_latest_ended_quarter(region, quarter, tmp_path):
    import dagster as dg

    from pipelines.defs.reports import board_pack
    from pipelines.defs.resources import WarehouseResource

    result = dg.materialize(
        [board_pack],
        resources={"warehouse": WarehouseResource(
            warehouse_dir=str(region.settings.warehouse_dir),
            landing_dir=str(region.settings.landing_dir))},
    )  # fmt: skip
    assert result.success
    (materialised,) = result.asset_materializations_for_node("board_pack")
    assert materialised.metadata["quarter"].value == quarter[0]
    assert Path(materialised.metadata["pdf"].value).exists()


def test_rag_is_judged_on_the_unrounded_mean():
    from pipelines.reports.board_pack import rag

    assert rag((426.0, False), 426) == "Green"
    assert rag((426.4, False), 426) == "Red"  # shown as 426, still over the threshold
    assert rag((430.0, False), 426, (430.2, False)) == "Amber"
    assert rag((430.0, False), 426, (None, True)) == "Red"  # England withheld: no amber
    assert rag((None, True), 426) == "–"


def finance_marts(contributions: str, variances: str) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding only the two finance marts the pack reads, from SQL rows:
    (financial_year, formula_version, council_code, contribution_gbp) and (financial_year,
    period_month, cost_pool, council_code, budget, actual and variance to date, pool actual)."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(f"""create table marts.cost_apportionment as select * from (values {contributions})
        t(financial_year, formula_version, council_code, contribution_gbp)""")
    con.execute(f"""create table marts.budget_variance as select * from (values {variances})
        t(financial_year, period_month, cost_pool, council_code, budget_ytd_gbp, actual_ytd_gbp,
          variance_ytd_gbp, pool_actual_ytd_gbp)""")
    return con


def test_finance_spending_adds_up_with_lines_naming_no_council():
    """A locally borne pool spent £1,000 to date: £600 on AAA's lines, £300 on BBB's and £100 on
    lines naming no council. The pack shows that £100 on its own row, so the spending column
    adds up to the pool's £1,000."""
    from pipelines.reports.board_pack import finance_tables

    con = finance_marts(
        "('2022-23', 'v1', 'AAA', 700.0), ('2022-23', 'v1', 'BBB', 300.0)",
        "('2022-23', date '2022-06-01', 'locality', 'AAA', 500.0, 600.0, 100.0, 1000.0),"
        " ('2022-23', date '2022-06-01', 'locality', 'BBB', 250.0, 300.0, 50.0, 1000.0)",
    )
    (table,), _ = finance_tables(con, date(2022, 6, 30))
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["(lines naming no council)"] == ["–", "–", "£100.00", "£100.00"]
    assert rows["Total"] == ["£1,000.00", "£750.00", "£1,000.00", "£250.00"]
    assert set(rows) == {"AAA", "BBB", "(lines naming no council)", "Total"}


def test_negative_money_reads_minus_pounds():
    assert fmt(-27262.4, "gbp") == "-£27,262" and fmt(27262.5, "gbp") == "£27,263"


def test_each_series_of_a_chart_has_its_own_marker_and_gridlines_fall_on_round_values():
    import re

    from pipelines.reports.charts import MARKERS, line_chart

    assert len(set(MARKERS)) == len(MARKERS) == 8
    svg = line_chart(["2019-22", "2020-23"], {"A": [504.0, 420.0], "B": [380.0, None]}, "days")
    ticks = [int(t.replace(",", "")) for t in re.findall(r'text-anchor="end">([\d,]+)<', svg)]
    assert ticks == [0, 100, 200, 300, 400, 500, 600]


def test_a_council_not_a_partner_in_the_quarter_is_left_out_and_named(region, quarter):
    """ASH left before the financial year of the quarter: none of the pack's tables or charts
    shows it (the finance table keeps a council that was a partner earlier in the year), and
    the footer says why; FEN, a partner throughout, stays."""
    from datetime import timedelta

    from pipelines.reports.board_pack import build_pack, render_html

    snapshot = published_database(region.settings.published_dir)
    start = quarter[1]
    left = date(start.year - (start.month < 4), 4, 1) - timedelta(days=1)
    membership = {"ASH": (None, left), "FEN": (None, None)}
    pack = build_pack(snapshot, quarter[0], "REGION", "Demo", membership)
    councils = {row[0] for table in pack.tables for row in table.rows}
    assert "ASH" not in councils and "FEN" in councils
    assert pack.not_shown == (
        f"Not shown, not a partner this quarter: ASH (left the partnership on {left:%-d %B %Y})."
    )
    page = render_html(pack)
    assert pack.not_shown in page and ">ASH<" not in page


def test_the_pack_names_the_councils_behind_its_codes(region, pack):
    """Board members read council codes in every table: the footer names each council shown
    (from the registry) and says what the partnership's row is (page 1 has no room left)."""
    from pipelines.registry import load_registry

    names = load_registry(region.settings.councils_file).names()
    html, pdf = pack
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout  # fmt: skip
    text = " ".join(pages.split("\f")[-2].split())  # the last page
    shown = {row[0] for rows in rows_by_table(html).values() for row in rows[1:]} & set(names)
    assert shown
    for code in shown - {"REGION"}:
        assert f"{code} {names[code]}" in text, code
    assert "REGION: the partnership, its partner councils pooled." in text


def rows_by_table(html: Path) -> dict[str, list[list[str]]]:
    tables = Tables()
    tables.feed(html.read_text())
    return tables.tables


def test_the_trend_keeps_each_councils_colour_and_legend_place_whatever_the_row_order():
    """Councils by code, then the partnership, then England: the order of the tables, the same
    in every quarter's pack (it followed the rows' order, so a council's colour and marker
    changed between packs, and the partnership sat between two councils in the legend)."""
    from pipelines.reports.board_pack import trend_series

    rows = [("REGION", "2018-21", 430.0, False, 438.0, "2018-21"),
            ("BBB", "2018-21", 410.0, False, 438.0, "2018-21"),
            ("AAA", "2018-21", None, True, 438.0, "2018-21"),
            ("BBB", "2019-22", 420.0, False, 445.0, "2019-22"),
            ("AAA", "2019-22", 400.0, False, 445.0, "2019-22"),
            ("REGION", "2019-22", 415.0, False, 445.0, "2019-22")]  # fmt: skip
    labels, series = trend_series(rows, "REGION")
    assert labels == ["2018-21", "2019-22"]
    assert list(series) == ["AAA", "BBB", "REGION", "England"]
    assert series["AAA"] == [None, 400.0] and series["England"] == [438.0, 445.0]
    assert list(trend_series(list(reversed(rows[:3])) + rows[3:], "REGION")[1]) == list(series)
    assert list(trend_series(rows, "REGION", frozenset({"BBB"}))[1]) == ["AAA", "REGION", "England"]


def test_a_star_is_explained_as_published_including_counts_over_5():
    """Disclosure control withholds a second count beside a 1-5 one so that neither can be
    worked out from the total, and a council's support quarter when any of its months was:
    a * may stand for more than 5 (ASF approvals 45 + 43 + * + * = 150), and the pack says so
    rather than calling every * a count of 1 to 5."""
    import duckdb

    from pipelines.reports.board_pack import Pack, render_html, support_table

    con = duckdb.connect()
    con.execute("create schema marts")
    columns = ["support_referrals", "support_assessments", "asf_applications",
               "asf_applications_approved", "letterbox_exchanges", "asf_amount_applied_gbp",
               "asf_amount_approved_gbp"]  # fmt: skip
    con.execute(
        "create table marts.adoption_support as select * from (values "
        "('AAA', date '2026-07-01', 20, false), ('AAA', date '2026-08-01', null, true), "
        "('BBB', date '2026-07-01', 9, false), ('BBB', date '2026-08-01', 8, false), "
        "('REGION', date '2026-07-01', 29, false), ('REGION', date '2026-08-01', 11, false)) "
        "t(council_code, month_start, support_referrals, support_referrals_suppressed)"
    )
    for column in columns[1:]:
        con.execute(f"alter table marts.adoption_support add column {column} integer default 1")
        con.execute(f"alter table marts.adoption_support add column {column}_suppressed "
                    "boolean default false")  # fmt: skip
    table = support_table(con, date(2026, 7, 1), date(2026, 9, 30), "REGION")
    assert [row[:2] for row in table.rows] == [["AAA", "*"], ["BBB", "17"], ["REGION", "40"]]
    assert "withheld (*) when any of its months was" in table.how_to_read
    assert "may stand for more than 5" in table.how_to_read
    pack = Pack("2026-27-Q2", date(2026, 7, 1), date(2026, 9, 30), "Demo", "REGION", [table],
                "snap", "7 December 2026 00:13 UTC", "AAA s1", "v1")  # fmt: skip
    page = " ".join(render_html(pack).split())
    assert "a count of 1 to 5, a mean or share worked out from one, or another count" in page
    assert "(so a * may stand for more than 5)" in page


def test_the_finance_table_adds_up_as_shown():
    """Money to the penny, as apportioned: each column's Total is the sum of the figures above
    it as shown, and spent minus budget is the variance shown. In whole pounds AAA's and BBB's
    variances of £0.50 each showed as £1 and £1 over a Total of £1, and -£113,471.50 showed as
    -£113,472 under a spent minus budget of -£113,471."""
    from decimal import Decimal

    from pipelines.reports.board_pack import finance_tables

    con = finance_marts(
        "('2026-27', 'v1', 'AAA', 700.25), ('2026-27', 'v1', 'BBB', 300.25)",
        "('2026-27', date '2026-09-01', 'hub', 'AAA', 350.00, 350.50, 0.50, 501.00),"
        " ('2026-27', date '2026-09-01', 'hub', 'BBB', 150.00, 150.50, 0.50, 501.00),"
        " ('2026-27', date '2026-09-01', 'fees', 'AAA', 0.00, 0.00, 0.00, -113972.00)",
    )
    (table,), _ = finance_tables(con, date(2026, 9, 30))

    def money(text: str) -> Decimal:
        return Decimal(text.replace("£", "").replace(",", "")) if text != "–" else Decimal(0)

    *rows, total = table.rows
    assert total[0] == "Total"
    for column in range(1, 5):
        assert money(total[column]) == sum(money(row[column]) for row in rows), column
    assert money(total[3]) - money(total[2]) == money(total[4]) == Decimal("-113971.00")
    assert {row[0]: row[4] for row in rows} == {
        "AAA": "£0.50",
        "BBB": "£0.50",
        "(lines naming no council)": "-£113,972.00",
    }
