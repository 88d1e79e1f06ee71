"""Whether a submission that was read and checked row by row can be used as a whole.

Rows are judged one by one (data_contracts/rules.py), but some failures are the export's, not
the rows': every row of a file rejected (dates saved in another form, a code set of another
year), most rows dated after the export date (a mistyped reference_date), or a table the
return in use has rows of sent empty, not at all or far smaller (a file cut short in transfer,
an export of some children only: an export holds every child's whole history, so its tables do
not shrink like that from one night to the next). Loading such a
submission would replace a council's good data with a fraction of it, so it is refused whole:
its council keeps what it had, flagged stale, and the report lists every row and reason.
"""

from __future__ import annotations

import pandas as pd

from data_contracts.submission_meta import META_FILE

# Below this many rows, a file rejected whole is as likely a few bad rows as a bad export.
MIN_ROWS = 10
# A table with at least SHRINK_MIN_ROWS rows in use that comes with fewer than this share of
# them was cut short or exported for part of the caseload (a council that means it says so in
# submission.yaml: fewer_rows_expected).
SHRINK_MIN_ROWS = 100
KEPT_AT_LEAST = 0.75
SAY_IT_IS_MEANT = (
    f"if it really is so now (records archived or moved to another system), add the line "
    f"'fewer_rows_expected: true' to {META_FILE} and send it again"
)


def why_unusable(
    file_loads: pd.DataFrame,
    rejections: pd.DataFrame,
    reference_date,
    rows_in_use: dict[str, int] | None = None,
    table_names: dict[str, str] | None = None,
    fewer_rows_expected: bool = False,
) -> str | None:
    """The council's reason, or None when the submission can be used. `rows_in_use`: rows per
    table of the submission it would replace; `table_names`: each table as the council's layout
    names it (Profile.table_names); `fewer_rows_expected`: the council's note says a smaller
    table is meant to be."""
    reasons = []
    if not fewer_rows_expected:
        reasons += _shrunk_tables(file_loads, rows_in_use or {}, table_names or {})
    lost = file_loads[
        (file_loads["rows_received"] >= MIN_ROWS) & (file_loads["rows_accepted"] == 0)
    ]
    for file_name, rows in zip(lost["file_name"], lost["rows_received"], strict=True):
        reasons.append(
            f"Every one of the {rows:,} rows of {file_name} was held back "
            f"({_commonest(rejections[rejections['file_name'] == file_name])}), so the file "
            "cannot have been exported as the layout expects."
        )
    received = int(file_loads["rows_received"].sum())
    future = rejections[rejections["rule"] == "no_future_dates"]
    dated_after = len(future.drop_duplicates(["file_name", "source_row"]))
    if received >= MIN_ROWS and dated_after * 2 > received:
        reasons.append(
            f"{dated_after:,} of the {received:,} rows are dated after the export date, "
            f"{reference_date:%d/%m/%Y}: check the reference_date in {META_FILE}."
        )
    return " ".join(reasons) or None


def _shrunk_tables(
    file_loads: pd.DataFrame, rows_in_use: dict[str, int], table_names: dict[str, str]
) -> list[str]:
    """A reason for each table the return in use has rows of that this one sends with its
    header only, not at all, or with fewer than KEPT_AT_LEAST of those rows: loading it would
    remove the missing children from every figure and shift the council's costs to the others."""
    reasons = []
    received_by_table = file_loads.groupby("canonical_table")["rows_received"].sum()
    for table, rows in sorted(rows_in_use.items()):
        received = int(received_by_table.get(table, 0))
        name = table_names.get(table, table)
        if rows >= MIN_ROWS and received == 0:
            reasons.append(
                f"The return in use has {rows:,} rows of the {name} table; this one has none "
                "(a file with its header only, or no file for the table). Loading it would "
                f"remove them from every figure: send the table, or, {SAY_IT_IS_MEANT}."
            )
        elif rows >= SHRINK_MIN_ROWS and 0 < received < rows * KEPT_AT_LEAST:
            reasons.append(
                f"The return in use has {rows:,} rows of the {name} table; this one has "
                f"{received:,}, {1 - received / rows:.0%} fewer. An export holds every child's "
                "whole history, so a table does not shrink like that from one export to the "
                "next: the file may have been cut short in transfer, or exported for some of "
                "your children only, and loading it would remove the others from every figure. "
                f"Send the whole export again, or, {SAY_IT_IS_MEANT}."
            )
    return reasons


def nothing_loaded(file_loads: pd.DataFrame) -> pd.DataFrame:
    """Every file of a refused submission: nothing loaded, each row held back."""
    read = file_loads["status"] != "ignored"
    return file_loads.assign(
        rows_accepted=file_loads["rows_accepted"].where(~read, 0),
        rows_rejected=file_loads["rows_rejected"].where(~read, file_loads["rows_received"]),
        status=file_loads["status"].where(~read, "not_loaded"),
        message=file_loads["message"].where(~read, "held back: the submission could not be used"),
    )


def _commonest(rejections: pd.DataFrame) -> str:
    if rejections.empty:
        return "no reason recorded"
    rule = rejections["rule"].mode().iloc[0]
    example = rejections.loc[rejections["rule"] == rule, "message"].iloc[0]
    return f"most often: {example.rstrip('.')}"
