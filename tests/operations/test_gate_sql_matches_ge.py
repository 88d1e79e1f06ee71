"""The release gate decides in DuckDB and runs Great Expectations when something fails: both
must pass and fail exactly the same expectations, edge cases included (bounds, NULL, NaN, empty
and all-NULL columns, pools that do not add up, row counts outside the tolerance)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.publish.expectations import (
    POOLS_FRAME,
    gate_checks,
    ge_failures,
    run_release_gate,
    sql_verdicts,
)

PARTNERS = ["AAA", "BBB"]

SCENARIOS = {
    "passing": {
        "scorecard_timeliness": """
            select * from (values ('AAA', 0.0, 0.5), ('BBB', 3000.0, 1.0), ('REGION', null, 0.0),
                                  ('AAA', 'nan'::double, null)) t(council_code, a1_mean_days, a3_share)""",
        "priority_children": """
            select * from (values ('AAA', null::double), ('BBB', null)) t(council_code, disabled_share)""",
        "raa_quarterly": """
            select 'AAA' as council_code, range * 1.5 as order_to_match_mean_days from range(8)""",
        "placement_sufficiency": """
            select 'AAA' as council_code, 0.5::double as in_region_share where false""",
        "cost_apportionment": """
            select * from (values
                ('2022-23', 'v1', 'core', 'AAA', 0.3333333, 33.33::decimal(14,2), 100.00::decimal(14,2)),
                ('2022-23', 'v1', 'core', 'BBB', 0.6666667, 66.67::decimal(14,2), 100.00::decimal(14,2)),
                (null, 'v1', 'core', 'BBB', 0.5, 1.00::decimal(14,2), 100.00::decimal(14,2))
            ) t(financial_year, formula_version, cost_pool, council_code, weighted_share,
                contribution_gbp, pool_budget_gbp)""",
    },
    "failing": {
        "scorecard_timeliness": """
            select * from (values ('AAA', -0.5, 1.0000001), ('REGION', 3000.5, 0.2),
                                  ('AAA', 10.0, -0.1)) t(council_code, a1_mean_days, a3_share)""",
        "priority_children": """
            select * from (values ('AAA', 2.0), ('BBB', null)) t(council_code, disabled_share)""",
        "raa_quarterly": """
            select * from (values ('AAA', 1.0), ('BBB', 2.0)) t(council_code, order_to_match_mean_days)""",
        "cost_apportionment": """
            select * from (values
                ('2022-23', 'v1', 'core', 'AAA', 0.3, 33.33::decimal(14,2), 100.00::decimal(14,2)),
                ('2022-23', 'v1', 'core', 'BBB', 0.7, 66.68::decimal(14,2), 100.00::decimal(14,2)),
                ('2023-24', 'v1', 'core', 'AAA', 0.50001, 50.00::decimal(14,2), 100.00::decimal(14,2)),
                ('2023-24', 'v1', 'core', 'BBB', 0.5, 50.00::decimal(14,2), 100.00::decimal(14,2)),
                ('2024-25', 'v1', 'core', 'AAA', null, null, null)
            ) t(financial_year, formula_version, cost_pool, council_code, weighted_share,
                contribution_gbp, pool_budget_gbp)""",
    },
}
PREVIOUS = {"scorecard_timeliness": 4, "raa_quarterly": 10, "priority_children": 2}


def _warehouse(tables: dict[str, str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("attach ':memory:' as work")
    con.execute("create schema work.marts")
    for name, sql in tables.items():
        con.execute(f"create table work.marts.{name} as {sql}")
    return con


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_duckdb_and_great_expectations_agree(scenario, tmp_path):
    con = _warehouse(SCENARIOS[scenario])
    marts = sorted(SCENARIOS[scenario])
    columns = {m: [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_catalog = 'work' "
        "and table_name = ? order by ordinal_position", [m]).fetchall()] for m in marts}  # fmt: skip
    checks = gate_checks(columns, PARTNERS, PREVIOUS, 0.5)
    verdicts = sql_verdicts(con, checks, {m: f"work.marts.{m}" for m in marts})
    frames = {m: con.sql(f"select * from work.marts.{m}").df() for m in marts}
    failed_in_ge = ge_failures(frames, checks, None)
    ge_failed = {c for c in checks if any(f.startswith(c.label + " ") for f in failed_in_ge)}
    sql_failed = {c for c, observed in verdicts.items() if observed is not None}
    assert sql_failed == ge_failed, (sorted(c.label for c in sql_failed),
                                     failed_in_ge)  # fmt: skip
    assert len(failed_in_ge) == len(ge_failed)
    if scenario == "passing":
        assert not sql_failed
    else:
        # every kind of expectation fails at least once
        assert {c.kind for c in sql_failed} == {c.kind for c in checks}
        assert {c.column for c in sql_failed if c.frame == POOLS_FRAME} == {
            "share_error", "contribution_gap_pence"}  # fmt: skip


def test_gate_builds_ge_data_docs_only_when_it_fails_or_asked(tmp_path):
    docs = tmp_path / "data_docs"
    passing = _warehouse(SCENARIOS["passing"])
    result = run_release_gate(passing, sorted(SCENARIOS["passing"]), PARTNERS, PREVIOUS, docs)
    assert result.success and not result.data_docs and result.checks > 0
    assert "all" in (docs / "index.html").read_text() and not (docs / "expectations").exists()

    asked = run_release_gate(
        passing, sorted(SCENARIOS["passing"]), PARTNERS, PREVIOUS, docs, data_docs="always"
    )
    assert asked.success and asked.data_docs and (docs / "expectations").is_dir()

    failing = _warehouse(SCENARIOS["failing"])
    refused = run_release_gate(failing, sorted(SCENARIOS["failing"]), PARTNERS, PREVIOUS, docs)
    assert not refused.success and refused.data_docs and (docs / "index.html").exists()
    assert any(f.startswith(f"{POOLS_FRAME}.contribution_gap_pence: ") for f in refused.failures)
    assert any("expect_table_row_count_to_be_between failed (observed 2, expected " in f
               for f in refused.failures)  # fmt: skip
