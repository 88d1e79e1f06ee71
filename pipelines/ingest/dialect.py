"""Map a raw export table onto its canonical table, using the dialect profile.

Renames columns, recodes local values onto canonical codes, trims blanks to missing, and writes
dates in ISO form. A date that does not parse *exactly* in the dialect's format is left as sent,
so the contract rejects it and the council sees its own value.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from data_contracts.profiles import Profile, TableMapping
from data_contracts.tables import TABLES

CARRIED_COLUMNS = ("source_row", "file_name", "part")


def to_canonical(mapping: TableMapping, frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """`frame` holds one table's rows as sent, from one file or from several submissions of the
    same dialect stacked together (a column some files lack is missing in their rows)."""
    table = TABLES[mapping.table]
    out = pd.DataFrame(index=frame.index)
    for column in table.columns:
        source = mapping.source_column(column.name)
        if source is None or source not in frame.columns:
            out[column.name] = pd.Series(pd.NA, index=frame.index, dtype="str")
            continue
        values = frame[source].astype("str").str.strip()
        values = values.mask(values == "")
        if column.name in mapping.recode:
            values = values.replace(mapping.recode[column.name])
        if column.sql_type == "DATE":
            values = normalise_dates(values, profile)
        out[column.name] = values
    for carried in CARRIED_COLUMNS:
        out[carried] = frame[carried].to_numpy()
    return out


def normalise_dates(values: pd.Series, profile: Profile) -> pd.Series:
    """ISO text for dates written exactly in the dialect's format; anything else as sent.

    Excel cells that held real dates arrive as ISO text already and are kept; a text date in
    another shape stays as sent (and fails the contract), unless the dialect is ISO itself.
    """
    text = values.astype("str")
    shaped = text.str.fullmatch(profile.date_pattern).fillna(False)
    parsed = pd.to_datetime(text.where(shaped), format=profile.date_format, errors="coerce")
    # Arrow writes the ISO text in C++; pandas' strftime formats one value at a time.
    days = pa.array(parsed.to_numpy(), from_pandas=True).cast(pa.date32()).cast(pa.string())
    iso = pd.Series(days.to_pandas().to_numpy(), index=values.index, dtype="str")
    return iso.where(shaped & parsed.notna(), values)
