"""The partnership board's quarterly pack, from the published snapshot (suppressed as published).

`write_board_pack(published_db, "2025-26-Q2", out_dir)` writes `board_pack_2025-26-Q2.html` and,
printed by headless Chromium, `board_pack_2025-26-Q2.pdf`:
- the scorecard (A1, A10, A2, A3) per council and for the partnership against England, for the
  latest complete three-year window, RAG against the DfE thresholds, and A10's trend;
- the RAA quarterly figures and children waiting; the partnership's decisions (ADM, matches,
  adopter approvals) month by month; the adopter pipeline funnel and timeliness;
  adoption support; contributions per council and budget variance.
Every table and chart has one line on how to read it; the footer names the snapshot, the
submissions it was built from and the formula version. A withheld figure shows * (a count of 1-5,
a mean or share from one, or a count withheld with it so that none can be worked out from a total).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2

from pipelines.finance.board_tables import NO_COUNCIL, NO_COUNCIL_LINES, STALE_NOTE
from pipelines.reports import charts
from pipelines.reports.pdf import print_to_pdf
from pipelines.settings import DBT_PROJECT_DIR

QUARTER = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")
WITHHELD, NONE = "*", "–"
THRESHOLDS = DBT_PROJECT_DIR / "seeds" / "scorecard_thresholds.csv"


class ReportError(ValueError):
    """A quarter that is malformed, not in the snapshot, or not over in the data."""


@dataclass
class Table:
    id: str
    title: str
    how_to_read: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    chart: str = ""


@dataclass
class Pack:
    quarter: str
    quarter_start: date
    quarter_end: date
    partnership: str
    partnership_code: str
    tables: list[Table]
    snapshot: str
    published_at: str
    submissions: str
    formula_versions: str
    not_shown: str = ""
    key: str = ""  # the councils' names behind the codes the tables show


# A partner council's first and last day in the partnership (registry `joined` / `left`).
Membership = dict[str, tuple[date | None, date | None]]


def not_partners(membership: Membership | None, start: date, end: date) -> dict[str, str]:
    """The councils that were not partners on any day from `start` to `end`, and why."""
    gone = {}
    for code, (joined, left) in (membership or {}).items():
        if left is not None and left < start:
            gone[code] = f"left the partnership on {left:%-d %B %Y}"
        elif joined is not None and joined > end:
            gone[code] = f"joined the partnership on {joined:%-d %B %Y}"
    return gone


def quarter_bounds(quarter: str) -> tuple[date, date]:
    match = QUARTER.match(quarter)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ReportError(f"quarter {quarter!r} must look like 2025-26-Q2 (Q1 = April-June)")
    year, q = int(match[1]), int(match[3])
    start_month = 4 + 3 * (q - 1)
    start = date(year + (start_month > 12), (start_month - 1) % 12 + 1, 1)
    end_month = start.month + 2
    end = date(start.year, end_month, 31 if end_month in (3, 12) else 30)
    return start, end


def fmt(value, kind: str, withheld: bool = False) -> str:
    if withheld:
        return WITHHELD
    if value is None:
        return NONE
    if kind == "days":
        return charts.whole(value)
    if kind == "share":
        return f"{float(value):.0%}"
    if kind in ("gbp", "pence"):  # whole pounds, or to the penny
        amount = charts.whole(value) if kind == "gbp" else f"{Decimal(str(value)):,.2f}"
        return f"-£{amount[1:]}" if amount.startswith("-") else f"£{amount}"
    if kind == "count":
        return f"{int(value):,}"
    return str(value)


Cell = tuple[object, bool]  # a mart's value, and whether disclosure control withheld it


def _cells(rows: list[tuple]) -> list[list[Cell]]:
    """Rows selected as value, withheld-flag pairs, paired up."""
    return [[(row[i], bool(row[i + 1])) for i in range(0, len(row), 2)] for row in rows]


def shown(rows: list[list[Cell]], kinds: list[str]) -> list[list[str]]:
    """Rows as the pack shows them: each value formatted for its kind, * where withheld."""
    return [[fmt(value, kind, withheld) for (value, withheld), kind in zip(row, kinds, strict=True)]
            for row in rows]  # fmt: skip


def kinds(columns: list[tuple[str, str]]) -> list[str]:
    return [kind for _, kind in columns]


def fetch(con, table: str, columns: list[tuple[str, str]], where: str, params: list,
          partnership: str, then_by: str = "") -> list[list[Cell]]:  # fmt: skip
    """Rows of `table` (each column with its withheld flag), the partnership's rows last, then
    ordered by `then_by` within a council."""
    present = {c for (c,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?",
        [table]).fetchall()}  # fmt: skip
    select = []
    for column, _ in columns:
        select.append(column)
        select.append(f"{column}_suppressed" if f"{column}_suppressed" in present else "false")
    rows = con.execute(
        f"select {', '.join(select)} from marts.{table} where {where} "
        f"order by council_code = ?, council_code{', ' + then_by if then_by else ''}",
        [*params, partnership],
    ).fetchall()  # fmt: skip
    return _cells(rows)


def latest_thresholds() -> dict[str, tuple[int, str]]:
    """The DfE scorecard thresholds of the latest window that set them (reference data)."""
    latest: dict[str, tuple[int, str]] = {}
    with THRESHOLDS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            known = latest.get(row["indicator"])
            if known is None or row["window_label"] > known[1]:
                latest[row["indicator"]] = (int(row["threshold_days"]), row["window_label"])
    return latest


def rag(days: Cell, threshold: int, england: Cell = (None, False)) -> str:
    """Green: meets the threshold; amber: misses it, no worse than England; red: worse than both.
    Judged on the unrounded means."""
    value, withheld = days
    if withheld or value is None:
        return NONE
    if value <= threshold:
        return "Green"
    england_value, england_withheld = england
    if not england_withheld and england_value is not None and value <= england_value:
        return "Amber"
    return "Red"


def england_windows(con, window_end: date) -> dict[str, str]:
    """The window each England figure beside the scorecard's window comes from ("none" when
    England published none up to it)."""
    labels = con.execute(
        "select any_value(england_a1_window_label), any_value(england_a10_window_label), "
        "any_value(england_a2_window_label) from marts.scorecard_timeliness "
        "where window_years = 3 and window_end = ?", [window_end]
    ).fetchone()  # fmt: skip
    # a non-breaking hyphen: a narrow header column breaks the line before "(2019-22)", not in it
    return {key: (label or "none").replace("-", "\u2011")
            for key, label in zip(("a1", "a10", "a2"), labels, strict=True)}  # fmt: skip


def trend_series(trend: list[tuple], partnership: str, hidden: frozenset[str] = frozenset()
                 ) -> tuple[list[str], dict[str, list]]:  # fmt: skip
    """The A10 trend's window labels and one series per council, in the tables' order (the
    councils by code, then the partnership), then England's: a council keeps its colour,
    marker and place in the legend from one pack to the next, whatever order the rows came in.
    `trend`: (council, window label, days, withheld, England's days, England's window label)
    rows in window order."""
    labels = list(dict.fromkeys(r[1] for r in trend))
    series: dict[str, list] = {}
    for council, label, days, withheld, *_ in sorted(
        trend, key=lambda r: (r[0] == partnership, r[0])
    ):
        if council in hidden:
            continue
        series.setdefault(council, [None] * len(labels))[labels.index(label)] = (
            None if withheld else days
        )
    england = {r[1]: r[4] for r in trend if r[5] == r[1]}  # England's own window only
    if england:
        series["England"] = [england.get(label) for label in labels]
    return labels, series


def scorecard_tables(con, quarter_end: date, partnership: str,
                     hidden: frozenset[str] = frozenset()) -> list[Table]:  # fmt: skip
    window = con.execute(
        "select max(window_end) from marts.scorecard_timeliness "
        "where window_years = 3 and not is_partial and not starts_before_data "
        "and window_end <= ?", [quarter_end]
    ).fetchone()[0]  # fmt: skip
    if window is None:
        return []
    thresholds = latest_thresholds()
    columns = [("council_code", "text"), ("window_label", "text"), ("children_adopted", "count"),
               ("a1_mean_days", "days"), ("a10_mean_days", "days"), ("a2_mean_days", "days"),
               ("a3_share", "share"), ("england_a1_mean_days", "days"),
               ("england_a10_mean_days", "days"), ("england_a2_mean_days", "days")]  # fmt: skip
    cells = fetch(con, "scorecard_timeliness", columns, "window_years = 3 and window_end = ?",
                  [window], partnership)  # fmt: skip
    rows = shown(cells, kinds(columns))
    a1, a2 = thresholds["A1"], thresholds["A2"]
    for row, cell in zip(rows, cells, strict=True):
        row.insert(4, rag(cell[3], a1[0], cell[7]))
        row.insert(7, rag(cell[5], a2[0], cell[9]))
    label = rows[0][1] if rows else ""
    england = england_windows(con, window)
    scorecard = Table(
        "scorecard", f"Adoption scorecard over three years: {label}",
        "Mean days per child adopted in the window (pooled, not a mean of means): A1 entering "
        "care to moving in with the adopters; A10 the same, to moving in with the foster carers "
        "who adopted; A2 placement order to match. A3: share moved in within 14 months of "
        f"entering care. RAG (red, amber, green): green "
        f"meets the DfE threshold (A1 {a1[0]} days, A2 {a2[0]} days, {a1[1]}); amber misses it "
        "but is no worse than England; red is worse than both, judged before rounding (so a "
        "figure shown equal to England's can be red). England: the latest published England figure for a window up to this one (its window "
        "in brackets).",
        ["Council", "Window", "Adopted", "A1 days", "A1 RAG", "A10 days", "A2 days", "A2 RAG",
         "A3 within 14 months", f"England A1 ({england['a1']})",
         f"England A10 ({england['a10']})", f"England A2 ({england['a2']})"],
        rows,
    )  # fmt: skip
    trend = con.execute(
        """select council_code, window_label, a10_mean_days, a10_mean_days_suppressed,
                  england_a10_mean_days, england_a10_window_label
           from marts.scorecard_timeliness
           where window_years = 3 and is_financial_year_window and not is_partial
             and not starts_before_data and window_end <= ?
           order by window_end""",
        [quarter_end],
    ).fetchall()
    labels, series = trend_series(trend, partnership, hidden)
    trend_table = Table(
        "a10_trend", "A10 over the three-year scorecard windows (to 31 March)",
        "Days from entering care to moving in with the adoptive family (foster-carer adoptions "
        "end when the child moved in with the carers); lower is better. England is shown for "
        "the windows it has published. A withheld figure leaves a gap.",
        [], [], charts.line_chart(labels, series, "days"),
    )  # fmt: skip
    return [scorecard, trend_table]


QUARTERLY = [("council_code", "text"), ("adm_decisions", "count"), ("placement_orders", "count"),
             ("matches", "count"), ("children_placed", "count"), ("adoption_orders", "count"),
             ("children_waiting", "count"), ("waiting_18_months_since_entered_care", "count"),
             ("order_to_match_mean_days", "days")]  # fmt: skip


def period(start: date, end: date) -> str:
    """A quarter's dates, for a heading that must stand on its own page."""
    return f"{start:%-d %B} to {end:%-d %B %Y}"


def quarterly_table(con, start: date, end: date, partnership: str) -> Table:
    return Table(
        "raa_quarterly", f"RAA quarterly figures and children waiting, {period(start, end)}",
        f"Activity in the quarter, and children waiting at its end, {end:%-d %B %Y} (placement "
        "order made, not placed, plan live). ADM decisions: the agency decision maker's "
        "decisions that a child should be placed for adoption. RAA16: mean days from placement order to match, for the matches "
        "of the quarter. Every match counts in its quarter, also one that later disrupted.",
        ["Council", "ADM decisions", "Placement orders", "Children matched", "Children placed",
         "Adoption orders", "Children waiting", "Waiting 18+ months in care", "RAA16 days"],
        shown(fetch(con, "raa_quarterly", QUARTERLY, "quarter_start = ?", [start], partnership),
              kinds(QUARTERLY)),
    )  # fmt: skip


# The partnership's panel and ADM decisions, as the boards' reports table them by month.
PANEL = [
    ("adm_decisions", "Adoption is the plan (ADM decisions)"),
    ("matches", "Children matched"),
    ("adopter_approvals", "Adopters approved"),
]


def panel_table(con, start: date, end: date, partnership: str) -> Table:
    """The partnership's decisions month by month (raa_monthly), with the quarter's own figures
    (raa_quarterly, adopter_pipeline), which its months add up to."""
    where, params = "council_code = ? and quarter_start = ?", [partnership, start]
    months = fetch(con, "raa_monthly", [("month_start", "date"), *((m, "count") for m, _ in PANEL)],
                   where, params, partnership, then_by="month_start")  # fmt: skip
    decided = fetch(con, "raa_quarterly", [("adm_decisions", "count"), ("matches", "count")],
                    where, params, partnership) or [[(None, False)] * 2]  # fmt: skip
    approved = fetch(con, "adopter_pipeline", [("approvals", "count")], where, params,
                     partnership) or [[(None, False)]]  # fmt: skip
    columns = [month[1:] for month in months] + [decided[0] + approved[0]]
    rows = [
        [label, *(fmt(column[i][0], "count", column[i][1]) for column in columns)]
        for i, (_, label) in enumerate(PANEL)
    ]
    return Table(
        "panel_decisions", f"The partnership's decisions by month, {period(start, end)}",
        "Decisions made in each month of the quarter, as the panel reports them: ADM decisions "
        "that a child should be placed for adoption, children matched with adopters (every "
        "match, also one that later disrupted), and adopter households approved. The months "
        "add up to the quarter.",
        ["Decision", *(f"{month[0][0]:%B}" for month in months), "Quarter"], rows,
    )  # fmt: skip


LAUNCH = [("council_code", "text"), ("period", "text"), ("period_days", "days"),
          ("matches", "count"), ("adm_decisions", "count"), ("placement_orders", "count"),
          ("adopter_approvals", "count"), ("care_to_match_mean_days", "days"),
          ("order_to_match_mean_days", "days")]  # fmt: skip


def launch_tables(con, partnership: str) -> list[Table]:
    """Before and since the partnership launched; none when the registry gives no launch."""
    rows = fetch(con, "launch_comparison", LAUNCH, "true", [], partnership, then_by="period")
    if not rows:
        return []
    start, end, launched = con.execute(
        "select min(period_start), max(period_end), "
        "min(period_start) filter (where period = 'since launch') from marts.launch_comparison"
    ).fetchone()  # fmt: skip
    for row in rows:
        (period, _), (days, _), (matches, withheld) = row[1], row[2], row[3]
        row[1] = (period.split()[0].capitalize(), False)
        # a rate puts periods of different lengths on one footing; withheld with its count
        row[2] = (None if matches is None else matches * 365.25 / days, withheld)
    return [Table(
        "launch_comparison", "Before and since the partnership launched",
        f"The 12 months before the launch on {launched:%-d %B %Y} (from {start:%-d %B %Y}) "
        f"against the time since, to {end:%-d %B %Y}. The periods differ in length: compare "
        "matches a year. Timeliness takes the match date in lieu of an adoption date: mean "
        "days from entering care, and from the placement order, to the match, over the "
        "period's matches.",
        ["Council", "Period", "Children matched a year", "Children matched", "ADM decisions",
         "Placement orders",
         "Adopters approved", "Entered care to match, days", "Order to match, days"],
        shown(rows, kinds(LAUNCH)),
    )]  # fmt: skip


def adopter_tables(con, start: date, end: date, partnership: str) -> list[Table]:
    stages = [("enquiries", "Enquiries"), ("registrations", "Registrations"),
              ("stage1_starts", "Stage 1 started"), ("stage2_starts", "Stage 2 started"),
              ("approvals", "Approvals"), ("matches", "Households matched")]  # fmt: skip
    columns = [("council_code", "text"), *((stage, "count") for stage, _ in stages),
               ("registration_to_approval_mean_days", "days"),
               ("approved_within_6_months_share", "share"), ("approved_households_waiting", "count")]  # fmt: skip
    cells = fetch(con, "adopter_pipeline", columns, "quarter_start = ?", [start], partnership)
    rows = shown(cells, kinds(columns))
    region = cells[-1][1:7] if cells else []  # the partnership's row, stage by stage
    bars = [(name, None if withheld else float(value or 0))
            for (_, name), (value, withheld) in zip(stages, region, strict=False)]  # fmt: skip
    return [
        Table("adopter_funnel",
              f"Adopter pipeline: the partnership's funnel, {period(start, end)}",
              "Households at each stage in the quarter, from first enquiry to a match with a "
              "child; each bar is labelled with its number. A household matched with siblings "
              "counts once here, where the RAA figures count each child matched.", [], [], charts.bar_chart(bars)),
        Table("adopter_pipeline",
              f"Adopter pipeline and timeliness by council, {period(start, end)}",
              "Households per stage in the quarter; days from registration to approval for those "
              "approved, the share approved within 6 months, and approved households waiting.",
              ["Council", *(n for _, n in stages), "Registration to approval, days",
               "Approved within 6 months", "Approved, waiting"], rows),
    ]  # fmt: skip


def support_table(con, start: date, end: date, partnership: str) -> Table:
    counts = ["support_referrals", "support_assessments", "asf_applications",
              "asf_applications_approved", "letterbox_exchanges"]  # fmt: skip
    money = ["asf_amount_applied_gbp", "asf_amount_approved_gbp"]
    summed = ", ".join(
        f"case when bool_or({c}_suppressed) then null else sum({c}) end as {c}, "
        f"bool_or({c}_suppressed) as {c}_suppressed"
        for c in [*counts, *money]
    )
    rows = con.execute(
        f"""with support_quarter as (
                select council_code, {summed} from marts.adoption_support
                where month_start between ? and ? group by council_code)
            select council_code, false,
                {', '.join(f'{c}, {c}_suppressed' for c in [*counts, *money])}
            from support_quarter order by council_code = ?, council_code""",
        [start, end, partnership],
    ).fetchall()  # fmt: skip
    table = shown(_cells(rows), ["text", *["count"] * len(counts), *["gbp"] * len(money)])
    return Table(
        "adoption_support", f"Adoption support, {period(start, end)}",
        "Referrals and assessments for support, Adoption Support Fund applications (and the "
        "money applied for and approved), and letterbox exchanges, summed over the quarter's "
        "three months. A council's quarter is withheld (*) when any of its months was, so a * "
        "here may stand for more than 5; the partnership's row is its own months' sum.",
        ["Council", "Referrals", "Assessments", "ASF applications", "ASF approved",
         "Letterbox exchanges", "ASF applied for (£)", "ASF approved (£)"],
        table,
    )  # fmt: skip


def finance_tables(con, end: date) -> tuple[list[Table], str]:
    year = f"{end.year - (end.month < 4)}-{(end.year - (end.month < 4) + 1) % 100:02d}"
    versions = ", ".join(v for (v,) in con.execute(
        "select distinct formula_version from marts.cost_apportionment where financial_year = ?",
        [year]).fetchall()) or "none"  # fmt: skip
    contributions = con.execute(
        """select council_code, sum(contribution_gbp) from marts.cost_apportionment
           where financial_year = ? group by all order by council_code""", [year]
    ).fetchall()  # fmt: skip
    month = con.execute(
        "select max(period_month) from marts.budget_variance "
        "where financial_year = ? and period_month <= ?", [year, end]
    ).fetchone()[0]  # fmt: skip
    variance = con.execute(
        """select council_code, sum(budget_ytd_gbp), sum(actual_ytd_gbp), sum(variance_ytd_gbp)
           from marts.budget_variance where financial_year = ? and period_month = ?
           group by all order by council_code""", [year, month]
    ).fetchall()  # fmt: skip
    unassigned = con.execute(
        f"""with shown as (select * from marts.budget_variance
                           where financial_year = ? and period_month = ?),
                no_council as ({NO_COUNCIL_LINES})
            select sum(actual_ytd_gbp) from no_council""", [year, month]
    ).fetchone()[0]  # fmt: skip
    if unassigned:
        variance.append((NO_COUNCIL, None, unassigned, unassigned))
    # to the penny, as apportioned: whole pounds rounded row by row did not add up to the
    # Total row, nor spent minus budget to the variance (-£113,471.50 showed as -£113,472)
    by_council = {c: [fmt(v, "pence")] for c, v in contributions}
    for council, *money in variance:
        by_council.setdefault(council, [NONE]).extend(fmt(m, "pence") for m in money)
    rows = [[c, *(v + [NONE] * (4 - len(v)))] for c, v in by_council.items()]
    if rows:
        rows.append(["Total", *(fmt(sum(vs), "pence") if vs else NONE for vs in (
            [v for _, v in contributions],
            *([m[i] for _, *m in variance if m[i] is not None] for i in range(3)),
        ))])  # fmt: skip
    as_at = f"{month:%B %Y}" if month else "no ledger yet"
    return [Table(
        "finance", f"Finance {year}: contributions and budget variance",
        f"Each council's contribution for the year under formula {versions}, and its share of "
        f"budget and spending to date ({as_at}); a positive variance is an overspend. Ledger "
        "lines naming no council have their own row (a negative amount is income received "
        "centrally, such as interagency fees other agencies paid the partnership).",
        ["Council", "Contribution for the year", "Budget to date", "Spent to date",
         "Variance to date"], rows,
    )], versions  # fmt: skip


def build_pack(published_db: Path, quarter: str, partnership: str, partnership_name: str,
               membership: Membership | None = None,
               names: dict[str, str] | None = None) -> Pack:  # fmt: skip
    """`membership`: the partner councils' days in the partnership; a council that was not a
    partner in the quarter (in the financial year so far, for the finance table) is left out
    of the pack, and its footer says so. `names`: the councils' names, by code."""
    start, end = quarter_bounds(quarter)
    gone = not_partners(membership, start, end)
    gone_this_year = not_partners(membership, date(end.year - (end.month < 4), 4, 1), end)
    with duckdb.connect(str(published_db), read_only=True) as con:
        known, partial_as_of = con.execute(
            "select count(*), max(partial_as_of) from marts.raa_quarterly where quarter_start = ?",
            [start],
        ).fetchone()  # fmt: skip
        if not known:
            raise ReportError(f"quarter {quarter} is not in the snapshot {published_db}")
        if partial_as_of:  # domain A.5: boards never see an unfinished period as finished
            raise ReportError(
                f"quarter {quarter} is not over in the data, which stand at "
                f"{partial_as_of:%d %B %Y}: the pack is for a finished quarter"
            )
        run, snapshot, published = con.execute(
            "select run_id, snapshot_id, published_at from meta.publishes "
            "order by published_at desc limit 1"
        ).fetchone()  # fmt: skip
        submissions = ", ".join(
            f"{c} {s}" + (STALE_NOTE if stale else "") for c, s, stale in con.execute(
                "select council_code, submission_id, is_stale from meta.publish_submissions "
                "where run_id = ? order by council_code", [run]).fetchall()
        )  # fmt: skip
        finance, versions = finance_tables(con, end)
        tables = [*scorecard_tables(con, end, partnership, frozenset(gone)),
                  quarterly_table(con, start, end, partnership),
                  panel_table(con, start, end, partnership),
                  *launch_tables(con, partnership), *adopter_tables(con, start, end, partnership),
                  support_table(con, start, end, partnership), *finance]  # fmt: skip
    for table in tables:
        hidden = gone_this_year if table.id == "finance" else gone
        table.rows = [row for row in table.rows if row[0] not in hidden]
    not_shown = "; ".join(f"{code} ({why})" for code, why in sorted(gone.items()))
    return Pack(quarter, start, end, partnership_name, partnership, tables, snapshot,
                f"{published:%-d %B %Y %H:%M} UTC", submissions, versions,
                f"Not shown, not a partner this quarter: {not_shown}." if not_shown else "",
                council_key(tables, names or {}, partnership))  # fmt: skip


def council_key(tables: list[Table], names: dict[str, str], partnership: str) -> str:
    """Which council each code in the tables is, and what the partnership's row is."""
    shown = {row[0] for table in tables for row in table.rows} & set(names) - {partnership}
    councils = "; ".join(f"{code} {names[code]}" for code in sorted(shown))
    pooled = (f"{partnership}: the partnership, its partner councils pooled. RAA: regional "
              "adoption agency.")  # fmt: skip
    return f"Councils: {councils}. {pooled}" if councils else pooled


def render_html(pack: Pack) -> str:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pipelines.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    return environment.get_template("board_pack.html.j2").render(pack=pack)


def write_board_pack(published_db: Path, quarter: str, out_dir: Path, partnership: str,
                     partnership_name: str, membership: Membership | None = None,
                     names: dict[str, str] | None = None) -> tuple[Path, Path]:  # fmt: skip
    """Write the pack's HTML and PDF into `out_dir`; return their paths."""
    pack = build_pack(published_db, quarter, partnership, partnership_name, membership, names)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / f"board_pack_{quarter}.html"
    html.write_text(render_html(pack), encoding="utf-8")
    pdf = print_to_pdf(html, html.with_suffix(".pdf"))
    return html, pdf
