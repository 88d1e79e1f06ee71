"""A tiny hand-worked partnership for the funding-formula tests.

Three partner councils AAA, BBB, CCC (and the agency's own system RAA, which takes no share).
The upstream star facts and journey events the finance models read are created directly as tables, so the
finance models are tested on exactly these rows, independent of the journey-building models.

Formula (FORMULA below):
  test-2019  2019-04-01 .. 2022-09-30, demand in the year itself (lag 0), no cap
             placement_orders 0.5, adm_decisions 0.3, children_placed 0.2 (single year)
  test-2022  2022-10-01 .. open, demand in the completed years before (lag 1), cap 0.05
             base share 0.2 (AAA 0.5, BBB 0.25, CCC 0.25), placement_orders 0.5 (rolling 3 yr),
             approvals 0.3 (single year)
  Year 2022-23 STRADDLES the two (test-2022 starts 1 Oct 2022): the version in force on
  1 April 2022 (test-2019) apportions the whole year.

Demand (event counts AAA/BBB/CCC by financial year):
  placement_orders  2019-20: 1/0/1   2020-21: 1/1/0   2021-22: 2/2/2   2022-23: 3/1/0
  adm_decisions                                       2021-22: 1/1/1   2022-23: 2/2/0
  children_placed                                     2021-22: 1/1/1   2022-23: 1/1/0
  approvals                                           2021-22: 1/1/2   2022-23: 2/0/0
Budgets: central_hub 2021-22 £100,000.01, 2022-23 £90,000.00, 2023-24 £120,000.00;
  locality_hub 2022-23 AAA £50,000, BBB £30,000, CCC £20,000 (and the agency's own £10,000,
  which no partner bears); interagency_fees 2022-23 £60,000, 2026-27 £40,000.
The data stand at AS_OF, 31 October 2026: 2026-27 is a year in progress.
Interagency placements: c1 (LA, June 2022), c2 (VAA, Sept 2022), c3 (VAA, Nov 2018), and either
  side of 1 April 2026 (no 2026-27 VAA rate in the seed): c4 (VAA, 31 Mar 2026), c5 (VAA,
  1 Apr 2026, fee paid May 2026), c6 (LA, 1 Apr 2026).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

AS_OF = dt.date(2026, 10, 31)

FORMULA = {
    "versions": [
        {
            "id": "test-2019",
            "effective_from": "2019-04-01",
            "effective_to": "2022-09-30",
            "demand_lag_years": 0,
            "pools": {
                "central_hub": "formula",
                "locality_hub": "owning_council",
                "interagency_fees": "child_council",
            },
            "drivers": {
                "placement_orders": {"weight": 0.5, "basis": "single_year"},
                "adm_decisions": {"weight": 0.3, "basis": "single_year"},
                "children_placed": {"weight": 0.2, "basis": "single_year"},
            },
        },
        {
            "id": "test-2022",
            "effective_from": "2022-10-01",
            "demand_lag_years": 1,
            "transitional_limit": 0.05,
            "pools": {
                "central_hub": "formula",
                "locality_hub": "owning_council",
                "interagency_fees": "child_council",
            },
            "base_share": {"weight": 0.2, "shares": {"AAA": 0.5, "BBB": 0.25, "CCC": 0.25}},
            "drivers": {
                "placement_orders": {"weight": 0.5, "basis": "rolling_3yr"},
                "approvals": {"weight": 0.3, "basis": "single_year"},
            },
        },
    ]
}

D = dt.date


def _ledger() -> list[tuple]:
    rows = [
        # entry_id, council, period_month, pool, type, amount, child_key, fee_type
        ("B1", None, D(2021, 4, 1), "central_hub", "BUDGET", "100000.01", None, None),
        ("B2", None, D(2022, 4, 1), "central_hub", "BUDGET", "90000.00", None, None),
        ("B3", None, D(2023, 4, 1), "central_hub", "BUDGET", "120000.00", None, None),
        # AAA's locality budget set in two lines in one month (a grain must tell them apart)
        ("L1", "AAA", D(2022, 4, 1), "locality_hub", "BUDGET", "30000.00", None, None),
        ("L1b", "AAA", D(2022, 4, 1), "locality_hub", "BUDGET", "20000.00", None, None),
        ("L2", "BBB", D(2022, 4, 1), "locality_hub", "BUDGET", "30000.00", None, None),
        ("L3", "CCC", D(2022, 4, 1), "locality_hub", "BUDGET", "20000.00", None, None),
        # the agency's own locality budget: no partner's to bear (domain A.4)
        ("L4", "RAA", D(2022, 4, 1), "locality_hub", "BUDGET", "10000.00", None, None),
        ("I1", None, D(2022, 4, 1), "interagency_fees", "BUDGET", "60000.00", None, None),
        # central hub 2022-23: spend 95,000.00 less income 1,999.99 = 93,000.01 (over by 3,000.01)
        ("S1", None, D(2022, 4, 1), "central_hub", "SPEND", "40000.00", None, None),
        ("S2", None, D(2022, 9, 1), "central_hub", "SPEND", "55000.00", None, None),
        ("S3", None, D(2023, 3, 1), "central_hub", "INCOME", "1999.99", None, None),
        # locality hubs 2022-23: AAA 52,000 (over 2,000); BBB 30,000 - 1,000 = 29,000 (under 1,000)
        ("S4", "AAA", D(2022, 5, 1), "locality_hub", "SPEND", "26000.00", None, None),
        ("S5", "AAA", D(2022, 11, 1), "locality_hub", "SPEND", "26000.00", None, None),
        ("S6", "BBB", D(2022, 6, 1), "locality_hub", "SPEND", "30000.00", None, None),
        ("S7", "BBB", D(2022, 7, 1), "locality_hub", "INCOME", "1000.00", None, None),
        # income to the locality pool that names no council: no council's own (shown apart)
        ("S8", None, D(2022, 10, 1), "locality_hub", "INCOME", "500.00", None, None),
        # interagency fees 2022-23: paid for AAA's c1 (LA) and BBB's c2 (VAA); received for x9
        ("F1", "AAA", D(2022, 6, 1), "interagency_fees", "SPEND", "27000.00", "c1", "LA_RAA"),
        ("F2", "BBB", D(2022, 9, 1), "interagency_fees", "SPEND", "31620.00", "c2", "VAA"),
        ("F3", "AAA", D(2022, 8, 1), "interagency_fees", "INCOME", "27000.00", "x9", "LA_RAA"),
        ("F4", "CCC", D(2018, 12, 1), "interagency_fees", "SPEND", "27000.00", "c3", "VAA"),
        # 2026-27: the seed's latest VAA rate is April 2025's; the 2026-27 uplift is not entered
        ("I2", None, D(2026, 4, 1), "interagency_fees", "BUDGET", "40000.00", None, None),
        ("F5", "CCC", D(2026, 5, 1), "interagency_fees", "SPEND", "39245.00", "c5", "VAA"),
    ]
    return [(*r[:5], Decimal(r[5]), *r[6:]) for r in rows]


def _journeys() -> list[tuple]:
    # council, child, placement_order_date, moved_in_date, adopter_agency_code
    po = [
        ("AAA", "p1", D(2019, 6, 1)), ("CCC", "p2", D(2019, 6, 1)),
        ("AAA", "p3", D(2020, 6, 1)), ("BBB", "p4", D(2020, 6, 1)),
        ("AAA", "p5", D(2021, 6, 1)), ("AAA", "p6", D(2021, 7, 1)),
        ("BBB", "p7", D(2021, 6, 1)), ("BBB", "p8", D(2021, 7, 1)),
        ("CCC", "p9", D(2021, 6, 1)), ("CCC", "p10", D(2021, 7, 1)),
        ("AAA", "p11", D(2022, 5, 1)), ("AAA", "p12", D(2022, 6, 1)),
        ("AAA", "p13", D(2022, 7, 1)), ("BBB", "p14", D(2022, 5, 1)),
        ("RAA", "p15", D(2022, 5, 1)),  # the agency's own row: never counted
    ]  # fmt: skip
    rows = [(c, k, d, None, None) for c, k, d in po]
    rows += [
        ("AAA", "m1", None, D(2021, 12, 1), "RAA"),
        ("BBB", "m2", None, D(2021, 12, 1), "RAA"),
        ("CCC", "m3", None, D(2021, 12, 1), "RAA"),
        ("CCC", "c3", None, D(2018, 11, 1), "VAA"),  # before April 2019: one fee for any agency
        ("AAA", "c1", None, D(2022, 6, 15), "LA"),
        ("BBB", "c2", None, D(2022, 9, 1), "VAA"),
        # either side of 1 April 2026, the first April with no VAA rate in the seed
        ("CCC", "c4", None, D(2026, 3, 31), "VAA"),
        ("CCC", "c5", None, D(2026, 4, 1), "VAA"),
        ("AAA", "c6", None, D(2026, 4, 1), "LA"),  # the LA/RAA fee is fixed: never awaiting
    ]
    return rows


def _decisions() -> list[tuple]:
    return [
        ("AAA", "d1", D(2021, 5, 1)), ("BBB", "d2", D(2021, 5, 1)), ("CCC", "d3", D(2021, 5, 1)),
        ("AAA", "d4", D(2022, 5, 1)), ("AAA", "d5", D(2022, 6, 1)),
        ("BBB", "d6", D(2022, 5, 1)), ("BBB", "d7", D(2022, 6, 1)),
    ]  # fmt: skip


def _journey_events() -> list[tuple]:
    """int_journey_events' rows for the drivers: every placement order, placement start and
    ADM decision above (council, child, event_date, event_type)."""
    events = [(c, k, order, "placement_order") for c, k, order, _, _ in _journeys() if order]
    events += [(c, k, moved_in, "placed") for c, k, _, moved_in, _ in _journeys() if moved_in]
    return events + [(c, k, decided, "adm_decision") for c, k, decided in _decisions()]


def _approvals() -> list[tuple]:
    return [
        ("AAA", "h1", "APPROVAL", D(2021, 9, 1)), ("BBB", "h2", "APPROVAL", D(2021, 9, 1)),
        ("CCC", "h3", "APPROVAL", D(2021, 9, 1)), ("CCC", "h4", "APPROVAL", D(2021, 10, 1)),
        ("AAA", "h5", "APPROVAL", D(2022, 9, 1)), ("AAA", "h6", "APPROVAL", D(2022, 10, 1)),
        ("AAA", "h7", "STAGE2", D(2022, 10, 1)),  # not an approval
        ("RAA", "h8", "APPROVAL", D(2022, 10, 1)),  # the agency takes no share
    ]  # fmt: skip


def create_upstream(con: duckdb.DuckDBPyConnection, relations: dict[str, str]) -> None:
    """Create the star relations the finance models read, filled with the scenario rows."""
    schemas = {name.rsplit(".", 1)[0] for name in relations.values()}
    for schema in schemas:
        con.execute(f"create schema if not exists {schema}")
    ddl = {
        "fct_finance_ledger": "entry_id varchar, council_code varchar, period_month date,"
        " cost_pool varchar, entry_type varchar, amount_gbp decimal(14,2), child_key varchar,"
        " fee_type varchar, financial_year varchar",
        "fct_adoption_journeys": "council_code varchar, child_key varchar,"
        " placement_order_date date, moved_in_date date, adopter_agency_code varchar",
        "int_journey_events": "council_code varchar, child_key varchar, event_date date,"
        " event_type varchar",
        "fct_adopter_events": "council_code varchar, household_id varchar, event_type varchar,"
        " event_date date",
        "fct_support_cases": "council_code varchar, case_id varchar, child_key varchar,"
        " referral_date date",
        "dim_placing_agency": "adopter_agency_code varchar, is_interagency boolean,"
        " interagency_fee_type varchar",
        "int_data_as_of": "as_of_date date, as_of_source varchar",
    }
    for name, columns in ddl.items():
        con.execute(f"create or replace table {relations[name]} ({columns})")
    con.execute(f"insert into {relations['int_data_as_of']} values (?, 'scenario')", [AS_OF])
    ledger = [
        (
            *row,
            f"{row[2].year - (row[2].month < 4)}-{(row[2].year - (row[2].month < 4) + 1) % 100:02d}",
        )
        for row in _ledger()
    ]
    con.executemany(
        f"insert into {relations['fct_finance_ledger']} values (?,?,?,?,?,?,?,?,?)", ledger
    )
    con.executemany(
        f"insert into {relations['fct_adoption_journeys']} values (?,?,?,?,?)", _journeys()
    )
    con.executemany(
        f"insert into {relations['int_journey_events']} values (?,?,?,?)", _journey_events()
    )
    con.executemany(f"insert into {relations['fct_adopter_events']} values (?,?,?,?)", _approvals())
    con.executemany(
        f"insert into {relations['dim_placing_agency']} values (?,?,?)",
        [("RAA", False, None), ("LA", True, "LA_RAA"), ("VAA", True, "VAA")],
    )
