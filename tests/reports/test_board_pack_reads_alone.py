"""Board-member probe of the pack: each page must read on its own. Page 1 gave "A1 days",
"A10 days" and "A2 days" with no word on what they measure (only A3 was explained), page 2 had
"ADM decisions" unexplained, and the quarter's tables on pages 2-4 were titled "this quarter"
or not dated at all, so a page printed alone did not say which period it covers."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.reports.board_pack import (
    PANEL,
    QUARTERLY,
    adopter_tables,
    council_key,
    panel_table,
    quarterly_table,
    scorecard_tables,
    support_table,
)

START, END = date(2026, 7, 1), date(2026, 9, 30)


def marts() -> duckdb.DuckDBPyConnection:
    """One council and the partnership, in the marts the quarter's tables read."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """create table marts.scorecard_timeliness as select * from (values
           ('AAA', '3 years to Sep 2026', 3, date '2026-09-30', false, false, 10, 500.0, 450.0,
            200.0, 0.4, 486.0, 445.0, 196.0, '2016-19', '2019-22', '2019-22', false, false),
           ('REGION', '3 years to Sep 2026', 3, date '2026-09-30', false, false, 10, 500.0, 450.0,
            200.0, 0.4, 486.0, 445.0, 196.0, '2016-19', '2019-22', '2019-22', false, false))
           t(council_code, window_label, window_years, window_end, is_partial,
             is_financial_year_window, children_adopted, a1_mean_days, a10_mean_days,
             a2_mean_days, a3_share, england_a1_mean_days, england_a10_mean_days,
             england_a2_mean_days, england_a1_window_label, england_a10_window_label,
             england_a2_window_label, a10_mean_days_suppressed, starts_before_data)"""
    )
    counts = ", ".join(f"10 as {c}" for c, _ in QUARTERLY[1:])
    con.execute(
        f"create table marts.raa_quarterly as select c as council_code, date '2026-07-01' as "
        f"quarter_start, {counts} from (values ('AAA'), ('REGION')) t(c)"
    )
    stages = ["enquiries", "registrations", "stage1_starts", "stage2_starts", "approvals",
              "matches", "registration_to_approval_mean_days", "approved_within_6_months_share",
              "approved_households_waiting"]  # fmt: skip
    con.execute(
        "create table marts.adopter_pipeline as select c as council_code, date '2026-07-01' as "
        f"quarter_start, {', '.join(f'10 as {s}' for s in stages)} "
        "from (values ('AAA'), ('REGION')) t(c)"
    )
    support = ["support_referrals", "support_assessments", "asf_applications",
               "asf_applications_approved", "letterbox_exchanges", "asf_amount_applied_gbp",
               "asf_amount_approved_gbp"]  # fmt: skip
    con.execute(
        "create table marts.adoption_support as select c as council_code, date '2026-07-01' as "
        f"month_start, {', '.join(f'10 as {s}, false as {s}_suppressed' for s in support)} "
        "from (values ('AAA'), ('REGION')) t(c)"
    )
    panel = ", ".join(f"1 as {c}, false as {c}_suppressed" for c, _ in PANEL)
    con.execute(
        f"create table marts.raa_monthly as select 'REGION' as council_code, m as month_start, "
        f"date '2026-07-01' as quarter_start, {panel} from (values (date '2026-07-01'), "
        "(date '2026-08-01'), (date '2026-09-01')) t(m)"
    )
    for column in ("adm_decisions", "matches"):
        con.execute(f"alter table marts.raa_quarterly add column {column}_suppressed bool")
    con.execute("alter table marts.adopter_pipeline add column approvals_suppressed bool")
    return con


def test_the_scorecard_says_what_a1_a10_and_a2_measure():
    scorecard, _ = scorecard_tables(marts(), END, "REGION")
    how = scorecard.how_to_read
    assert "A1 entering care to moving in with the adopters" in how
    assert "A10 the same, to moving in with the foster carers who adopted" in how
    assert "A2 placement order to match" in how
    assert "RAG (red, amber, green)" in how


def test_each_table_of_the_quarter_names_its_dates_and_adm_is_spelt_out():
    con = marts()
    quarterly = quarterly_table(con, START, END, "REGION")
    assert quarterly.title.endswith(", 1 July to 30 September 2026")
    assert "children waiting at its end, 30 September 2026" in quarterly.how_to_read
    assert "ADM decisions: the agency decision maker's decisions" in quarterly.how_to_read
    for table in [*adopter_tables(con, START, END, "REGION"),
                  support_table(con, START, END, "REGION"),
                  panel_table(con, START, END, "REGION")]:  # fmt: skip
        assert table.title.endswith(", 1 July to 30 September 2026"), table.title
        assert "this quarter" not in table.title


def test_the_key_spells_out_raa():
    assert "RAA: regional adoption agency." in council_key([], {}, "REGION")
