"""Counts published over periods that overlap without nesting (a council's adoption orders by
month, by quarter, in rolling 12-month and 3-year windows, by year, since the launch): a
withheld cell must not be the sum and difference of shown ones.

A unit's count over the days [s, e) is R(e) - R(s), R being its running total from the first
day of the data. Each shown cell is therefore an edge between its two days, and a withheld cell
can be worked out exactly when its two days are joined by a path of shown edges (the interval
sums are the incidence matrix of that graph). For each joined withheld cell the cheapest set
of shown cells whose withholding parts its days (a minimum cut) is withheld: months before
quarters before years and scorecard windows, so that the headline figures stay.

A council's withheld cell whose partnership cell is shown as 0 is known to be 0 (counts are
never negative): its two days are one, as if it were shown (known_zeros).

The partnership's row is the sum of its councils' (across councils, disclosure.py protects
each period on its own). Both together could still give away a secondary cell (one on the
demo), though no count of 1-5: tests/operations/test_publish.py checks the demo's snapshot by
linear algebra.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from pipelines.publish.catalogue import LINKED_COUNTS, Cells, DisclosureRule

# What withholding a cell costs the figures' users: a month least, a yearly figure or a scorecard
# window most, the partnership's own rows ten times a council's; a larger count a little more.
CUT_COST = {"raa_monthly": 1, "adoption_support": 1, "raa_quarterly": 2, "adopter_pipeline": 2,
            "launch_comparison": 4, "placement_sufficiency": 8, "priority_children": 8,
            "scorecard_timeliness": 16}  # fmt: skip
PARTNERSHIP_COST = 10


def data_days(frames: dict[str, pd.DataFrame]) -> tuple[np.datetime64, np.datetime64] | None:
    """The first day of the data and the day after its as-of date: raa_monthly has a row for
    every month in between, so every count outside them is known to be 0."""
    months = frames.get("raa_monthly")
    if months is None or months.empty:
        return None
    last = pd.to_datetime(months["partial_as_of"]).fillna(pd.to_datetime(months["month_end"]))
    first = pd.to_datetime(months["month_start"]).min()
    return np.datetime64(first, "D"), np.datetime64(last.max(), "D") + 1


def period_days(frame: pd.DataFrame, rule: DisclosureRule, months_earlier: int = 0):
    """Each row's first day and the day after its last, as datetime64[D] (NaT where unknown)."""
    first, last = rule.period
    if first == "financial_year":
        year = pd.to_numeric(frame[first].astype("string").str[:4], errors="coerce")
        start = pd.to_datetime(year.astype("Int64").astype("string") + "-04-01", errors="coerce")
        end = start + pd.DateOffset(years=1)
    else:
        start = pd.to_datetime(frame[first])
        end = pd.to_datetime(frame[last]) + pd.Timedelta(days=1)
    if months_earlier:
        start = start - pd.DateOffset(months=months_earlier)
    return start.to_numpy("datetime64[D]"), end.to_numpy("datetime64[D]")


@dataclass(frozen=True)
class Family:
    """The cells of one LINKED_COUNTS family: each one's mart, column and row, unit, first day
    and day after (within the data's days) and what withholding it costs; `blocks` says where
    in the marts they are, for whether each is withheld now."""

    cells: pd.DataFrame
    blocks: tuple[tuple[str, str, np.ndarray], ...]

    def withheld(self, hidden: dict[str, pd.DataFrame]) -> np.ndarray:
        return np.concatenate([hidden[mart][column].to_numpy(bool)[rows]
                               for mart, column, rows in self.blocks])  # fmt: skip


def family_cells(family: tuple[Cells, ...], frames: dict[str, pd.DataFrame],
                 rules: dict[str, DisclosureRule], total_code: str, days) -> Family | None:  # fmt: skip
    """`days`: data_days(frames)."""
    parts, blocks = [], []
    for cells in family:
        frame = frames.get(cells.mart)
        rule = rules[cells.mart]
        if cells.period:
            rule = replace(rule, period=cells.period)
        if frame is None or cells.column not in frame or not rule.period:
            continue
        start, end = period_days(frame, rule, cells.months_earlier)
        if days is not None:
            start, end = np.maximum(start, days[0]), np.minimum(end, days[1])
        # A period outside the data counts nothing, which everyone knows: not a cell to protect.
        rows = np.flatnonzero(~np.isnat(start) & (start < end))
        value = pd.to_numeric(frame[cells.column], errors="coerce").fillna(0).to_numpy(float)
        unit = frame["council_code"].to_numpy()[rows]
        parts.append(pd.DataFrame({
            "mart": cells.mart, "column": cells.column, "row": rows, "unit": unit,
            "start": start[rows], "end": end[rows], "near": cells.near, "value": value[rows],
            "is_total": unit == total_code,
            "cost": CUT_COST[cells.mart] * np.where(unit == total_code, PARTNERSHIP_COST, 1)
            + value[rows] / 1000,
        }))  # fmt: skip
        blocks.append((cells.mart, cells.column, rows))
    if not parts:
        return None
    return Family(pd.concat(parts, ignore_index=True), tuple(blocks))


def _min_cut(cells: np.ndarray, ends: np.ndarray, capacity: np.ndarray, source: int,
             target: int, nodes: int) -> np.ndarray:  # fmt: skip
    """The cells (of `cells`, edges `ends` between local days) whose removal parts source from
    target at the least capacity; none when they are already apart."""
    both = np.concatenate([ends, ends[:, ::-1]])
    graph = csr_matrix((np.tile(capacity, 2), (both[:, 0], both[:, 1])), shape=(nodes, nodes))
    flow = maximum_flow(graph, source, target)
    if flow.flow_value == 0:
        return cells[:0]
    residual = graph - flow.flow
    residual.data = (residual.data > 0).astype(np.int32)
    residual.eliminate_zeros()
    side = np.zeros(nodes, bool)
    side[breadth_first_order(residual, source, directed=True, return_predecessors=False)] = True
    return cells[side[ends[:, 0]] != side[ends[:, 1]]]


def _cut_component(cells: np.ndarray, ends: np.ndarray, capacity: np.ndarray,
                   joined: np.ndarray) -> list[int]:  # fmt: skip
    """Within one unit's joined days: for each joined withheld cell (`joined`: its local
    days) still joined after the cuts before it, the cheapest cut of the shown cells between."""
    withheld: list[int] = []
    alive = np.ones(len(cells), bool)
    nodes = int(ends.max()) + 1
    while len(joined):
        source, target = joined[0].tolist()
        cut = _min_cut(cells[alive], ends[alive], capacity[alive], source, target, nodes)
        alive &= ~np.isin(cells, cut)
        withheld += cut.tolist()
        graph = coo_matrix((np.ones(int(alive.sum())), (ends[alive, 0], ends[alive, 1])),
                           shape=(nodes, nodes))  # fmt: skip
        component = connected_components(graph, directed=False)[1]
        joined = joined[1:][component[joined[1:, 0]] == component[joined[1:, 1]]]
    return withheld


def cells_to_withhold(cells: pd.DataFrame) -> list[int]:
    """The shown cells (positions in `cells`) to withhold so that no withheld cell's first day
    and day after are joined by shown cells of the same unit: for each joined one in turn, the
    cheapest cut between them (a minimum cut, each cell costing its `cost`)."""
    unit = pd.factorize(cells["unit"])[0]
    day = pd.factorize(pd.concat([cells["start"], cells["end"]]))[0]
    days = int(day.max()) + 1
    ends = np.column_stack([unit * days + day[: len(cells)], unit * days + day[len(cells) :]])
    hidden = cells["hidden"].to_numpy(bool)
    known = cells["known"].to_numpy(bool) if "known" in cells else np.zeros(len(cells), bool)
    if known.any():  # a known cell's two days are one: its running totals differ by what it is
        nodes = int(ends.max()) + 1
        same = coo_matrix((np.ones(int(known.sum())), (ends[known, 0], ends[known, 1])),
                          shape=(nodes, nodes))  # fmt: skip
        ends = connected_components(same, directed=False)[1][ends]
        # a withheld cell between days known cells join is known too: nothing to protect
        hidden = hidden & ~known & (ends[:, 0] != ends[:, 1])
    # Integers for the flow; a cut a thousandth of a cost cheaper is no cheaper.
    capacity = np.rint(cells["cost"].to_numpy(float) * 1000).astype(np.int32)
    shown = np.flatnonzero(~hidden & (ends[:, 0] != ends[:, 1]))  # a loop joins nothing
    nodes = int(ends.max()) + 1
    graph = coo_matrix((np.ones(len(shown)), (ends[shown, 0], ends[shown, 1])),
                       shape=(nodes, nodes))  # fmt: skip
    component = connected_components(graph, directed=False)[1]
    joined = np.flatnonzero(hidden & (component[ends[:, 0]] == component[ends[:, 1]]))
    withheld: list[int] = []
    # Each unit's days are apart from every other's: cut within one component at a time.
    for part in np.unique(component[ends[joined, 0]]).tolist():
        members = shown[component[ends[shown, 0]] == part]
        local, index = np.unique(ends[members], return_inverse=True)
        to_cut = joined[component[ends[joined, 0]] == part]
        withheld += _cut_component(members, index.reshape(-1, 2), capacity[members],
                                   np.searchsorted(local, ends[to_cut]))  # fmt: skip
    return withheld


def family_days(family: tuple[Cells, ...], frames: dict[str, pd.DataFrame]):
    """data_days, for a family counted over the scorecard's adoption cohorts starting on its
    published `data_from` (no adoption order is before it, as anyone reading it knows): else
    the windows that start before it hide the zeros they hold, and unwind from them."""
    days = data_days(frames)
    scorecard = frames.get("scorecard_timeliness")
    if days is None or scorecard is None or "data_from" not in scorecard:
        return days
    if not any(cells.mart == "scorecard_timeliness" for cells in family):
        return days
    first = pd.to_datetime(scorecard["data_from"]).min()
    return days if pd.isna(first) else (max(days[0], np.datetime64(first, "D")), days[1])


def linked_families(frames: dict[str, pd.DataFrame], rules: dict[str, DisclosureRule],
                    total_code: str) -> list[Family]:  # fmt: skip
    families = (family_cells(f, frames, rules, total_code, family_days(f, frames))
                for f in LINKED_COUNTS.values())  # fmt: skip
    return [family for family in families if family is not None]


def known_zeros(cells: pd.DataFrame) -> np.ndarray:
    """Withheld council cells anyone can tell are 0: the partnership's cell of the same mart,
    column and period is shown as 0, and counts are never negative."""
    zero = cells["is_total"] & ~cells["hidden"] & (cells["value"] == 0)
    period = ["mart", "column", "start", "end"]
    zero_periods = cells.loc[zero, period].drop_duplicates()
    is_zero = cells[period].merge(zero_periods, how="left", indicator=True)["_merge"] == "both"
    return (cells["hidden"] & ~cells["is_total"]).to_numpy(bool) & is_zero.to_numpy(bool)


def secondary_across_periods(families: list[Family], hidden: dict[str, pd.DataFrame]) -> bool:
    """Withhold what the families' overlapping periods would give away; whether anything was."""
    changed = False
    for family in families:
        withheld = family.withheld(hidden)
        if not withheld.any():
            continue
        cells = family.cells.assign(hidden=withheld)
        cut = family.cells.iloc[cells_to_withhold(cells.assign(known=known_zeros(cells)))]
        for (mart, column), rows in cut.groupby(["mart", "column"])["row"]:
            hidden[mart].loc[rows.to_numpy(), column] = True
            changed = True
    return changed
