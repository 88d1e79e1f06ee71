"""Whether a submission that was read and checked row by row can be used as a whole.

Rows are judged one by one (data_contracts/rules.py), but some failures are the export's, not
the rows': every row of a file rejected (dates saved in another form, a code set of another
year), most rows dated after the export date (a mistyped reference_date), or a table the
return in use has rows of sent empty or not at all. Loading such a
submission would replace a council's good data with a fraction of it, so it is refused whole:
its council keeps what it had, flagged stale, and the report lists every row and reason.
"""

from __future__ import annotations

import pandas as pd

from data_contracts.submission_meta import META_FILE

# Below this many rows, a file rejected whole is as likely a few bad rows as a bad export.
MIN_ROWS = 10


def why_unusable(
    file_loads: pd.DataFrame,
    rejections: pd.DataFrame,
    reference_date,
    rows_in_use: dict[str, int] | None = None,
    table_names: dict[str, str] | None = None,
) -> str | None:
    """The council's reason, or None when the submission can be used. `rows_in_use`: rows per
    table of the submission it would replace; `table_names`: each table as the council's layout
    names it (Profile.table_names)."""
    reasons = []
    received_by_table = file_loads.groupby("canonical_table")["rows_received"].sum()
    for table, rows in sorted((rows_in_use or {}).items()):
        if rows >= MIN_ROWS and received_by_table.get(table, 0) == 0:
            reasons.append(
                f"The return in use has {rows:,} rows of the {(table_names or {}).get(table, table)} "
                "table; this one has none "
                "(a file with its header only, or no file for the table). Loading it would "
                "remove them from every figure: send the table, or tell the data team if it is "
                "really empty now."
            )
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
