"""Statistical disclosure control for the published aggregate marts.

Counts of 1 to 5 are withheld (primary suppression), and so are means and shares based on them.
Where a withheld cell could be worked out from a total (the partnership row of the same window,
a total column in the same row, or a longer period's figure another mart publishes: a council's
quarter for its months, its year for its quarters), the next smallest cell is withheld too
(secondary suppression), repeated until nothing more can be derived. Counts that several marts
publish over overlapping periods are protected across them (overlapping_periods.py). The
internal warehouse keeps exact values; only the published copy is suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipelines.publish.catalogue import AGGREGATE_MARTS, DisclosureRule
from pipelines.publish.overlapping_periods import linked_families, secondary_across_periods

SMALLEST_SHOWN = 6  # counts 1..5 are withheld; 0 is shown
ROW_FLAG = "suppressed"


def flag_name(column: str) -> str:
    return f"{column}_suppressed"


def _is_small(values: pd.Series) -> pd.Series:
    """A count of 1-5; a null one (not known, e.g. sibling groups a council does not record)
    is not."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return (numbers >= 1) & (numbers < SMALLEST_SHOWN)


def _numbers(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as floats, NULL or non-numeric as 0."""
    return np.column_stack(
        [pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy(float) for c in columns]
    )


def _smallest(values: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per row, the position of the smallest candidate value, a positive one first; the first
    such position on ties; -1 where a row has no candidate."""
    positive = candidates & (values > 0)
    chosen = np.where(positive.any(axis=1)[:, None], positive, candidates)
    position = np.where(chosen, values, np.inf).argmin(axis=1)
    return np.where(chosen.any(axis=1), position, -1)


def _secondary_within_rows(frame, hidden, rule: DisclosureRule) -> bool:
    """Where exactly one part of a visible row total is withheld, withhold the smallest other
    part (a positive one first) too. Rows are independent, so each total is done for all rows
    at once."""
    changed = False
    for total, parts in rule.row_totals.items():
        parts = list(parts)
        parts_hidden = hidden[parts].to_numpy(bool)
        due = ~hidden[total].to_numpy(bool) & (parts_hidden.sum(axis=1) == 1)
        if not due.any():
            continue
        rows = hidden.index[due]
        target = _smallest(_numbers(frame.loc[rows], parts), ~parts_hidden[due])
        for position, part in enumerate(parts):
            hidden.loc[rows[target == position], part] = True
        hidden.loc[rows[target == -1], total] = True
        changed = True
    return changed


def _secondary_across_councils(frame, hidden, rule: DisclosureRule, total_code: str) -> bool:
    """Where exactly one council cell of a cell group is withheld and the partnership total is
    shown, withhold the smallest other visible council cell (a positive one first; the
    earliest row on ties), or the total when no council cell is left. Groups and columns are
    independent, so each column is done for all groups at once.

    The total is not always the sum of the council rows: a council that joined or left during
    the period counts in the partnership only for its days as a partner. The difference is then
    a count nobody is shown, but anyone can work it out (total minus the councils): when it is
    small (1-5) and no council cell is withheld, it is treated as one withheld cell."""
    if not rule.cell_group or "council_code" not in frame:
        return False
    group = frame.groupby(list(rule.cell_group), dropna=False, sort=False).ngroup().to_numpy()
    is_total = (frame["council_code"] == total_code).fillna(False).to_numpy(bool)
    groups = group.max() + 1 if len(group) else 0
    totals = np.bincount(group[is_total], minlength=groups)
    has_total = totals > 0
    changed = False
    for column in rule.counts:
        shown = ~hidden[column].to_numpy(bool)
        values = pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(float)
        total_shown = np.bincount(group[is_total & shown], minlength=groups) > 0
        councils_hidden = np.bincount(group[~is_total & ~shown], minlength=groups)
        difference = np.abs(
            np.bincount(group[is_total], weights=values[is_total], minlength=groups)
            - np.bincount(group[~is_total], weights=values[~is_total], minlength=groups)
        )
        small_difference = (totals == 1) & (difference >= 1) & (difference < SMALLEST_SHOWN)
        withheld = (councils_hidden == 1) | ((councils_hidden == 0) & small_difference)
        due = has_total & total_shown & withheld
        if not due.any():
            continue
        changed = True
        first = _smallest_of_groups(group, values, ~is_total & shown & due[group], groups)
        hidden.loc[hidden.index[first], column] = True
        no_council_left = due.copy()
        no_council_left[group[first]] = False
        hidden.loc[hidden.index[is_total & no_council_left[group]], column] = True
    return changed


def _secondary_within_periods(frame, hidden, rule: DisclosureRule) -> bool:
    """Where exactly one of a unit's cells in a longer period (a council's months of a quarter)
    is withheld, withhold the smallest other visible one (a positive one first; the earliest row
    on ties): the period's total is published in another mart, suppressed on its own, so it is
    taken as known."""
    if not rule.period_group or "council_code" not in frame:
        return False
    keys = ["council_code", rule.period_group]
    group = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    groups = group.max() + 1 if len(group) else 0
    changed = False
    for column in rule.period_counts or rule.counts:
        shown = ~hidden[column].to_numpy(bool)
        due = np.bincount(group[~shown], minlength=groups) == 1
        if not due.any():
            continue
        values = pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(float)
        first = _smallest_of_groups(group, values, shown & due[group], groups)
        if len(first):
            hidden.loc[hidden.index[first], column] = True
            changed = True
    return changed


def _smallest_of_groups(group, values, candidates, groups: int) -> np.ndarray:
    """Per group with a candidate row, the row of its smallest candidate value (a positive one
    first; the earliest row on ties)."""
    positive = candidates & (values > 0)
    group_has_positive = np.bincount(group[positive], minlength=groups) > 0
    candidates = candidates & (positive | ~group_has_positive[group])
    order = np.lexsort((np.arange(len(group)), values, group))
    first = order[candidates[order]]
    return first[np.r_[True, group[first][1:] != group[first][:-1]]] if len(first) else first


def _secondary_within_mart(frame, hidden, rule: DisclosureRule, total_code: str) -> None:
    """The rules within one mart, repeated until nothing more can be derived."""
    for _ in range(20):
        within = _secondary_within_rows(frame, hidden, rule)
        across = _secondary_across_councils(frame, hidden, rule, total_code)
        periods = _secondary_within_periods(frame, hidden, rule)
        if not (within or across or periods):
            return


def _primary(frame: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    return pd.DataFrame({c: _is_small(frame[c]) for c in rule.counts}, index=frame.index)


def _flags(hidden: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    for column, bases in rule.derived.items():
        hidden[column] = hidden[list(bases)].any(axis=1)
    flags = hidden[list(rule.protected)].astype(bool)
    flags.columns = [flag_name(c) for c in flags.columns]
    flags[ROW_FLAG] = flags.any(axis=1)
    return flags


def suppression_flags(frame: pd.DataFrame, rule: DisclosureRule, total_code: str) -> pd.DataFrame:
    """One boolean column `<column>_suppressed` per protected column, plus `suppressed` for the
    row; same index as `frame`. One mart on its own: the snapshot uses marts_suppression_flags."""
    frame = frame.reset_index(drop=True)
    hidden = _primary(frame, rule)
    _secondary_within_mart(frame, hidden, rule, total_code)
    return _flags(hidden, rule)


def marts_suppression_flags(frames: dict[str, pd.DataFrame], total_code: str
                            ) -> dict[str, pd.DataFrame]:  # fmt: skip
    """suppression_flags for every aggregate mart in `frames` at once: also protected are the
    counts that several of them publish over overlapping periods (LINKED_COUNTS), repeated
    with each mart's own rules until neither withholds anything more."""
    frames = {name: frame.reset_index(drop=True) for name, frame in frames.items()}
    rules = {name: AGGREGATE_MARTS[name] for name in frames}
    hidden = {name: _primary(frame, rules[name]) for name, frame in frames.items()}
    families = linked_families(frames, rules, total_code)
    while True:
        for name, frame in frames.items():
            _secondary_within_mart(frame, hidden[name], rules[name], total_code)
        if not secondary_across_periods(families, hidden):
            return {name: _flags(hidden[name], rules[name]) for name in frames}


def suppressed_select_sql(
    table: str, flags_view: str, rule: DisclosureRule, left_out: Sequence[str] = ()
) -> str:
    """SQL that returns `table` (with a `_row` number) with withheld cells set to NULL and the
    flags appended, in the original row order, without the columns `left_out`."""
    replaced = ", ".join(
        f"case when f.{flag_name(c)} then null else t.{c} end as {c}" for c in rule.protected
    )
    excluded = ", ".join(["_row", *(f'"{c}"' for c in left_out)])
    return (
        f"select t.* exclude ({excluded}) replace ({replaced}), f.* exclude (_row) "
        f"from {table} as t join {flags_view} as f using (_row) order by t._row"
    )
