"""Statistical disclosure control for the published aggregate marts.

Counts of 1 to 5 are withheld (primary suppression), and so are means and shares based on them.
Where a withheld cell could be worked out from a total (the partnership row of the same window,
or a total column in the same row), the next smallest cell is withheld too (secondary
suppression), repeated until nothing more can be derived. The internal warehouse keeps exact
values; only the published copy is suppressed.
"""

from __future__ import annotations

import pandas as pd

from pipelines.publish.catalogue import DisclosureRule

SMALLEST_SHOWN = 6  # counts 1..5 are withheld; 0 is shown
ROW_FLAG = "suppressed"


def flag_name(column: str) -> str:
    return f"{column}_suppressed"


def _is_small(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return (numbers >= 1) & (numbers < SMALLEST_SHOWN)


def _hide_one_more(frame: pd.DataFrame, hidden: pd.DataFrame, column: str, rows) -> bool:
    """Withhold the smallest visible cell among `rows` of `column` (a positive one first)."""
    visible = [r for r in rows if not hidden.at[r, column]]
    if not visible:
        return False
    values = pd.to_numeric(frame.loc[visible, column], errors="coerce").fillna(0)
    positive = values[values > 0]
    chosen = (positive if len(positive) else values).idxmin()
    hidden.at[chosen, column] = True
    return True


def _secondary_within_rows(frame, hidden, rule: DisclosureRule) -> bool:
    changed = False
    for total, parts in rule.row_totals.items():
        for row in frame.index:
            if hidden.at[row, total] or sum(hidden.at[row, p] for p in parts) != 1:
                continue
            others = [p for p in parts if not hidden.at[row, p]]
            values = pd.to_numeric(frame.loc[row, others], errors="coerce").fillna(0)
            positive = values[values > 0]
            target = (positive if len(positive) else values).idxmin() if others else total
            hidden.at[row, target] = True
            changed = True
    return changed


def _secondary_across_councils(frame, hidden, rule: DisclosureRule, total_code: str) -> bool:
    if not rule.cell_group or "council_code" not in frame:
        return False
    changed = False
    for _, group in frame.groupby(list(rule.cell_group), dropna=False, sort=False):
        is_total = group["council_code"] == total_code
        if not is_total.any():
            continue
        councils = list(group.index[~is_total])
        total_rows = list(group.index[is_total])
        for column in rule.counts:
            if all(hidden.at[r, column] for r in total_rows):
                continue
            if sum(hidden.at[r, column] for r in councils) != 1:
                continue
            if not _hide_one_more(frame, hidden, column, councils):
                for r in total_rows:
                    hidden.at[r, column] = True
            changed = True
    return changed


def suppression_flags(frame: pd.DataFrame, rule: DisclosureRule, total_code: str) -> pd.DataFrame:
    """One boolean column `<column>_suppressed` per protected column, plus `suppressed` for the
    row; same index as `frame`."""
    frame = frame.reset_index(drop=True)
    hidden = pd.DataFrame({c: _is_small(frame[c]) for c in rule.counts}, index=frame.index)
    for _ in range(20):
        within = _secondary_within_rows(frame, hidden, rule)
        across = _secondary_across_councils(frame, hidden, rule, total_code)
        if not (within or across):
            break
    for column, bases in rule.derived.items():
        hidden[column] = hidden[list(bases)].any(axis=1)
    flags = hidden[list(rule.protected)].astype(bool)
    flags.columns = [flag_name(c) for c in flags.columns]
    flags[ROW_FLAG] = flags.any(axis=1)
    return flags


def suppressed_select_sql(table: str, flags_view: str, rule: DisclosureRule) -> str:
    """SQL that returns `table` (with a `_row` number) with withheld cells set to NULL and the
    flags appended, in the original row order."""
    replaced = ", ".join(
        f"case when f.{flag_name(c)} then null else t.{c} end as {c}" for c in rule.protected
    )
    return (
        f"select t.* exclude (_row) replace ({replaced}), f.* exclude (_row) "
        f"from {table} as t join {flags_view} as f using (_row) order by t._row"
    )
