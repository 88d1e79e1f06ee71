"""Hand-worked adoption journeys for the transform tests.

Every expected figure in test_marts.py is worked out on paper from domain.md Part A; the
arithmetic sits beside each journey below. Day counts are end - start (whole days).

Councils: NTH and ASH are partner councils, REGION the partnership, RAA the agency system.

NTH (all adopted in 2020-21)
  C1  match before the placement order; disabled flag; in-region adopters.
      entered 2019-05-01, decision 2019-10-01, match 2019-12-01, order 2020-01-10,
      moved in 2020-03-01 (A6), adopted 2021-02-01.
      A1 = 2019-05-01 -> 2020-03-01 = 365 (to 2020-05-01, incl. 29 Feb) - 61 (Mar 31 + Apr 30) = 305
      A10 = A1 = 305; A2 = max(2019-12-01 - 2020-01-10 = -40, 0) = 0
      A3: 2019-05-01 + 14 months = 2020-07-01 > 2020-03-01 -> within
  C2  consent-only (no E1/D1), aged 6 at decision, VAA adopters, adoption order 31 March.
      entered 2019-06-01, decision 2019-12-01, match 2020-05-01, moved in 2020-06-01 (A4),
      adopted 2021-03-31 (last day of 2020-21).
      A1 = A10 = 2019-06-01 -> 2020-06-01 = 366 (29 Feb 2020 in the span); A2 excluded
      A3: 2019-06-01 + 14 months = 2020-08-01 > 2020-06-01 -> within
  C3  foster-carer adoption (FOSTER_CARE 1), ethnicity BAFR, LA adopters, order 1 April.
      e1 2018-04-10 S U4; e2 2018-09-01 P U6 (new carer); e3 2019-03-01 L E1 (order);
      e4 2019-08-01 T A5 -> E11 2020-04-01 (first day of 2020-21). decision 2018-12-01,
      match 2019-06-01.
      A1 = 2018-04-10 -> 2019-08-01 = 365 + (20 + 31 + 30 + 31 + 1) = 478
      A10: step back from e4 (RNE T) -> e3 (RNE L) -> e2 (RNE P: stop) = 2018-09-01;
           2018-04-10 -> 2018-09-01 = 20 + 31 + 30 + 31 + 31 + 1 = 144
      A2 = 2019-03-01 -> 2019-06-01 = 31 + 30 + 31 = 92
      A3: 2018-04-10 + 14 months = 2019-06-10 <= 2019-08-01 -> not within
  C6a 14-month edge, leap day: entered 2018-12-31, +14 months = 2020-02-29; moved in
      2020-02-29 (A6) -> NOT within (must be before). CIN N2. Sibling group SG1.
      decision 2019-03-01, order 2019-06-01, match 2020-01-15, adopted 2020-12-01.
      A1 = A10 = 365 (to 2019-12-31) + 31 + 29 = 425
      A2 = 2019-06-01 -> 2020-01-15 = (30+31+31+30+31+30+31) + 14 = 228
  C6b as C6a but moved in 2020-02-28 -> within; A1 = A10 = 424, A2 = 228. Sibling group SG1.
      C6a's ethnicity is REFU (refused): unknown, not "other than WBRI" (A.5). NTH 2020-21
      priority: ethnicity other than WBRI 1 (C3 BAFR), unknown 1 (C6a).

  NTH 2020-21: adopted 5; A1 = (305+366+478+425+424)/5 = 1998/5 = 399.6
               A10 = (305+366+144+425+424)/5 = 1664/5 = 332.8 (C3 shortens A10, not A1)
               A2 over 4 (C2 consent-only out) = (0+92+228+228)/4 = 548/4 = 137.0
               A3 = C1, C2, C6b = 3/5 = 0.6

ASH
  C4  disrupted placement: order 2019-07-01; A6 2019-10-01 disrupted 2020-02-01 (back to U6);
      A6 again 2020-06-01 -> E12 2021-01-15. entered 2019-01-15, decision 2019-04-01,
      matches 2019-09-01 and 2020-05-01 (the later one is the adoption's match).
      A1 = A10 = 2019-01-15 -> 2020-06-01 = 365 + (17+29+31+30+31) = 503 (the first run would
      give 259); A2 = 2019-07-01 -> 2020-05-01 = 305; A3: 2020-03-15 <= 2020-06-01 -> not within
  C5  two periods: 2016-03-01 .. 2016-09-01 (returned home, E4A), then 2017-02-01 ..
      adopted 2019-05-20 (2019-20). order 2018-01-10, match 2018-05-01, moved in 2018-06-01.
      A1 = A10 = 2017-02-01 -> 2018-06-01 = 365 + (28+31+30+31) = 485 (period 1 is ignored)
      A2 = 2018-01-10 -> 2018-05-01 = 22 + 28 + 31 + 30 = 111; A3: 2018-04-01 -> not within
  C7  entered 2020-01-01, decision 2020-03-01, order 2020-05-01, match 2020-08-01,
      moved in 2020-09-01, adopted 2021-04-01 (2021-22).
      A1 = 31+29+31+30+31+30+31+31 = 244; A2 = 31 + 30 + 31 = 92
  C8  waiting: entered 2018-01-01, decision 2018-03-01, order 2018-06-01, never placed.
  C9  reversed: entered 2019-02-01, decision 2019-05-01, order 2019-08-01, plan ceased RD3
      2020-02-15, still in care.

  ASH 2020-21: C4 only -> A1 503.  REGION 2020-21 = (1998 + 503) / 6 = 2501/6 = 416.8333...
  (a mean of the two council means would be (399.6 + 503) / 2 = 451.3).
  Three-year 2018-21: ASH = C4, C5 -> A1 (503+485)/2 = 494.0; REGION 7 children ->
  A1 (2501 + 485)/7 = 2986/7 = 426.571428...; England A10 438 and A2 196 from the seed.
  Three-year 2019-22: ASH = C4, C5, C7 -> A1 (503+485+244)/3 = 1232/3 = 410.666...

RAA quarterly, ASH, quarter 2020-01-01 .. 2020-03-31:
  ADM decisions 1 (C7 2020-03-01); orders 0; matches 0; placed 0; adoption orders 0;
  reversed 1 (C9 2020-02-15); disruptions 1 (C4 2020-02-01).
  Waiting at 2020-03-31 (order made, not placed, plan live): C4 (back in foster care) and C8;
  C9 reversed, C7 has no order yet -> 2.
    days since order: C4 2019-07-01 -> 2020-03-31 = 274; C8 2018-06-01 -> 2020-03-31 =
    365 + 304 = 669; mean 471.5. 18+ months in care: C8 only (C4 441 days). 12+ and 18+
    months since order: C8 only.
  Quarter 2020-04-01 .. 06-30: orders 1 (C7), matches 1 (C4, 305 days), placed 1 (C4);
    waiting at 2020-06-30: C8 and C7 -> 2.
  Quarter 2020-07-01 .. 09-30: matches 1 (C7, 92 days); rolling 12 months (2019-10-01 ..
    2020-09-30): C4 305 and C7 92 -> 198.5.

RAA quarterly, every match counts (A.5), ASH quarter 2019-07-01 .. 09-30:
  C4's first match 2019-09-01 (its placement from 2019-10-01 disrupted 2020-02-01) stays a match
  of this quarter: matches 1, RAA16 = order 2019-07-01 -> 2019-09-01 = 31 + 31 = 62; rolling 12
  months (2018-10-01 .. 2019-09-30): 62. Orders 2 (C4 2019-07-01, C9 2019-08-01). Waiting at
  2019-09-30: C8, C4 (matched, not placed), C9 (plan ceased only in 2020) -> 3. Quarter
  2019-10-01 .. 12-31: children placed 1 (C4's placement that later disrupted).

children_waiting as of 2020-03-31: C2 (decision, consent route, not yet placed), C4, C7
  (decision only), C8. C4: 441 days in care, 365 since decision (2019-04-01), 274 since order.
"""

from __future__ import annotations

COUNCILS = [
    ("NTH", "Northmere", "ssda903", "partner", "North hub", False),
    ("ASH", "Ashbury", "mosaic", "partner", "Ash hub", False),
    ("RAA", "Agency system", "charms", "agency", None, False),
    ("REGION", "Test partnership", "n/a", "partner", None, True),
]

# council, child, sex, birth_month, ethnicity, disability
CHILDREN = [
    ("NTH", "C1", "1", "2018-01-01", "WBRI", "Y"),
    ("NTH", "C2", "2", "2013-05-01", "WBRI", "N"),
    ("NTH", "C3", "1", "2017-01-01", "BAFR", None),
    ("NTH", "C6a", "2", "2018-06-01", "REFU", None),  # ethnicity refused: unknown (A.5)
    ("NTH", "C6b", "1", "2017-02-01", "WBRI", None),
    ("ASH", "C4", "1", "2016-06-01", "WBRI", None),
    ("ASH", "C5", "2", "2015-03-01", "WBRI", None),
    ("ASH", "C7", "1", "2019-11-01", "WBRI", None),
    ("ASH", "C8", "2", "2017-08-01", "WBRI", None),
    ("ASH", "C9", "1", "2018-09-01", "WBRI", None),
]

# council, child, decom, rne, ls, cin, place, dec, rec
EPISODES = [
    ("NTH", "C1", "2019-05-01", "S", "C2", "N1", "U6", "2020-01-10", "X1"),
    ("NTH", "C1", "2020-01-10", "L", "E1", "N1", "U6", "2020-03-01", "X1"),
    ("NTH", "C1", "2020-03-01", "P", "E1", "N1", "A6", "2021-02-01", "E12"),
    ("NTH", "C2", "2019-06-01", "S", "V2", "N1", "U6", "2020-06-01", "X1"),
    ("NTH", "C2", "2020-06-01", "P", "V2", "N1", "A4", "2021-03-31", "E11"),
    ("NTH", "C3", "2018-04-10", "S", "C1", "N1", "U4", "2018-09-01", "X1"),
    ("NTH", "C3", "2018-09-01", "P", "C2", "N1", "U6", "2019-03-01", "X1"),
    ("NTH", "C3", "2019-03-01", "L", "E1", "N1", "U6", "2019-08-01", "X1"),
    ("NTH", "C3", "2019-08-01", "T", "E1", "N1", "A5", "2020-04-01", "E11"),
    ("NTH", "C6a", "2018-12-31", "S", "C2", "N2", "U6", "2019-06-01", "X1"),
    ("NTH", "C6a", "2019-06-01", "L", "E1", "N2", "U6", "2020-02-29", "X1"),
    ("NTH", "C6a", "2020-02-29", "P", "E1", "N2", "A6", "2020-12-01", "E12"),
    ("NTH", "C6b", "2018-12-31", "S", "C2", "N1", "U6", "2019-06-01", "X1"),
    ("NTH", "C6b", "2019-06-01", "L", "E1", "N1", "U6", "2020-02-28", "X1"),
    ("NTH", "C6b", "2020-02-28", "P", "E1", "N1", "A6", "2020-12-01", "E12"),
    ("ASH", "C4", "2019-01-15", "S", "C2", "N1", "U6", "2019-07-01", "X1"),
    ("ASH", "C4", "2019-07-01", "L", "E1", "N1", "U6", "2019-10-01", "X1"),
    ("ASH", "C4", "2019-10-01", "P", "E1", "N1", "A6", "2020-02-01", "X1"),
    ("ASH", "C4", "2020-02-01", "P", "E1", "N1", "U6", "2020-06-01", "X1"),
    ("ASH", "C4", "2020-06-01", "P", "E1", "N1", "A6", "2021-01-15", "E12"),
    ("ASH", "C5", "2016-03-01", "S", "V2", "N1", "U6", "2016-09-01", "E4A"),
    ("ASH", "C5", "2017-02-01", "S", "C2", "N1", "U6", "2018-01-10", "X1"),
    ("ASH", "C5", "2018-01-10", "L", "E1", "N1", "U6", "2018-06-01", "X1"),
    ("ASH", "C5", "2018-06-01", "P", "E1", "N1", "A6", "2019-05-20", "E11"),
    ("ASH", "C7", "2020-01-01", "S", "C2", "N1", "U6", "2020-05-01", "X1"),
    ("ASH", "C7", "2020-05-01", "L", "E1", "N1", "U6", "2020-09-01", "X1"),
    ("ASH", "C7", "2020-09-01", "P", "E1", "N1", "A6", "2021-04-01", "E11"),
    ("ASH", "C8", "2018-01-01", "S", "C2", "N1", "U6", "2018-06-01", "X1"),
    ("ASH", "C8", "2018-06-01", "L", "E1", "N1", "U6", None, None),
    ("ASH", "C9", "2019-02-01", "S", "C2", "N1", "U6", "2019-08-01", "X1"),
    ("ASH", "C9", "2019-08-01", "L", "E1", "N1", "U6", None, None),
]

# council, child, decision_date, ceased_date, reason, age_at_decision_years
DECISIONS = [
    ("NTH", "C1", "2019-10-01", None, None, 1),
    ("NTH", "C2", "2019-12-01", None, None, 6),
    ("NTH", "C3", "2018-12-01", None, None, 1),
    ("NTH", "C6a", "2019-03-01", None, None, 0),
    ("NTH", "C6b", "2019-03-01", None, None, 2),
    ("ASH", "C4", "2019-04-01", None, None, 2),
    ("ASH", "C5", "2017-10-01", None, None, 2),
    ("ASH", "C7", "2020-03-01", None, None, 0),
    ("ASH", "C8", "2018-03-01", None, None, 0),
    ("ASH", "C9", "2019-05-01", "2020-02-15", "RD3", 0),
]

# council, child, decision_date, match_date, foster_carer, agency, household, sibling_group
MATCHES = [
    ("NTH", "C1", "2019-10-01", "2019-12-01", "0", "RAA", "H9", None),
    ("NTH", "C2", "2019-12-01", "2020-05-01", "0", "VAA", None, None),
    ("NTH", "C3", "2018-12-01", "2019-06-01", "1", "LA", None, None),
    ("NTH", "C6a", "2019-03-01", "2020-01-15", "0", "RAA", "H8", "SG1"),
    ("NTH", "C6b", "2019-03-01", "2020-01-15", "0", "RAA", "H8", "SG1"),
    ("ASH", "C4", "2019-04-01", "2019-09-01", "0", "RAA", None, None),
    ("ASH", "C4", "2019-04-01", "2020-05-01", "0", "RAA", None, None),
    ("ASH", "C5", "2017-10-01", "2018-05-01", "0", "RAA", None, None),
    ("ASH", "C7", "2020-03-01", "2020-08-01", "0", "RAA", None, None),
]

HOUSEHOLDS = [
    ("NTH", "H1", "2", "L11", "N"),
    ("NTH", "H2", "2", "L11", "Y"),
    ("NTH", "H3", "1", "L0", "N"),
]

# council, household, event_type, event_date, reason
ADOPTER_EVENTS = [
    ("NTH", "H1", "ENQUIRY", "2020-04-05", None),
    ("NTH", "H1", "REGISTRATION", "2020-04-20", None),
    ("NTH", "H1", "STAGE1", "2020-05-01", None),
    ("NTH", "H1", "STAGE2", "2020-07-01", None),
    ("NTH", "H1", "APPROVAL", "2020-10-10", None),
    ("NTH", "H1", "MATCH", "2020-12-01", None),
    ("NTH", "H2", "REGISTRATION", "2020-01-15", None),
    ("NTH", "H2", "APPROVAL", "2020-11-20", None),
    ("NTH", "H3", "ENQUIRY", "2020-11-01", None),
    ("NTH", "H3", "WITHDRAWAL", "2020-12-01", "changed circumstances"),
]

# council, case, child, type, referral, assessment, closed
# ASH numbers its cases, applications and exchanges as NTH does: the same ids, other records.
SUPPORT_CASES = [
    ("NTH", "S1", "C1", "ADOPTION", "2021-01-05", "2021-01-20", None),
    ("ASH", "S1", "C4", "ADOPTION", "2021-03-02", "2021-03-20", None),
]
# council, application, case, applied_on, applied, decided_on, approved, status
ASF = [
    ("NTH", "F1", "S1", "2021-01-10", "1500.50", "2021-02-03", "1200.25", "APPROVED"),
    ("NTH", "F2", "S1", "2021-01-25", "800.00", "2021-02-10", None, "DECLINED"),
    ("ASH", "F1", "S1", "2021-03-05", "400.00", None, None, "PENDING"),
]
LETTERBOX = [
    ("NTH", "L1", "S1", "2021-01-15", "OUT"),
    ("NTH", "L2", "S1", "2021-01-28", "IN"),
    ("ASH", "L1", "S1", "2021-03-10", "IN"),
]


def insert_rows(con, table: str, columns: str, rows: list[tuple]) -> None:
    """Rows into a canonical table, these columns named, the others null."""
    marks = ", ".join("?" for _ in columns.split(","))
    con.executemany(f"insert into canonical.{table} ({columns}) values ({marks})", rows)


def load(con) -> None:
    """Insert the scenario into an empty canonical schema (columns named, others null)."""

    def insert(table: str, columns: str, rows: list[tuple]) -> None:
        insert_rows(con, table, columns, rows)

    insert("councils", "council_code, council_name, dialect, role, hub, is_partnership", COUNCILS)
    insert("children", "council_code, child_key, sex, birth_month, ethnicity, disability", CHILDREN)
    insert(
        "episodes",
        "council_code, child_key, decom, rne, legal_status, cin, place, dec, rec",
        EPISODES,
    )
    insert(
        "adoption_decisions",
        "council_code, child_key, decision_date, decision_ceased_date, reason_ceased,"
        " age_at_decision_years",
        DECISIONS,
    )
    insert(
        "adoption_matches",
        "council_code, child_key, decision_date, match_date, foster_carer_adoption,"
        " adopter_agency, adopter_household_id, sibling_group_id",
        MATCHES,
    )
    insert(
        "adopter_households",
        "council_code, household_id, number_of_adopters, household_type, early_permanence",
        HOUSEHOLDS,
    )
    insert(
        "adopter_events",
        "council_code, household_id, event_type, event_date, reason",
        ADOPTER_EVENTS,
    )
    insert(
        "support_cases",
        "council_code, case_id, child_key, case_type, referral_date, assessment_date, closed_date",
        SUPPORT_CASES,
    )
    insert(
        "support_fund_applications",
        "council_code, application_id, case_id, application_date, amount_applied_gbp,"
        " decision_date, amount_approved_gbp, status",
        ASF,
    )
    insert(
        "letterbox_exchanges",
        "council_code, exchange_id, case_id, exchange_date, direction",
        LETTERBOX,
    )
