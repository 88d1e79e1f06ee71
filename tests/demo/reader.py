"""Read a demo submission back with its dialect profile (independently of the ingest code)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from data_contracts.profiles import Profile, TableMapping, load_profile
from data_contracts.tables import TABLES


def recognise(headers: list[str], profile: Profile) -> TableMapping:
    present = set(headers)
    complete = [m for m in profile.tables.values() if m.required_headers <= present]
    assert complete, f"no table of {profile.dialect} has the headers {headers}"
    best = max(len(m.required_headers) for m in complete)
    winners = [m for m in complete if len(m.required_headers) == best]
    assert len(winners) == 1, f"ambiguous headers {headers}"
    return winners[0]


def raw_tables(folder: Path, profile: Profile) -> list[tuple[TableMapping, pd.DataFrame]]:
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            frames = [pd.read_csv(path, dtype=str, keep_default_na=False)]
        elif path.suffix == ".xlsx":
            frames = list(pd.read_excel(path, sheet_name=None, dtype=str).values())
        else:
            continue
        for frame in frames:
            frame = frame.astype(object).where(frame.notna() & (frame != ""), None)
            out.append((recognise(list(frame.columns), profile), frame))
    return out


def _iso(value, fmt: str):
    if value is None:
        return None
    try:
        return datetime.strptime(value, fmt).date().isoformat()
    except ValueError:
        return value


def to_canonical(mapping: TableMapping, frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    table = TABLES[mapping.table]
    dates = {c.name for c in table.columns if c.sql_type == "DATE"}
    out = pd.DataFrame(index=frame.index)
    for source, canonical in mapping.columns.items():
        values = frame[source] if source in frame else pd.Series(None, index=frame.index)
        if canonical in mapping.recode:
            values = values.map(lambda v, r=mapping.recode[canonical]: r.get(v, v))
        if canonical in dates:
            values = values.map(lambda v: _iso(v, profile.date_format))
        out[canonical] = values.astype(object)
    for column in table.column_names:  # columns this dialect does not send arrive empty
        if column not in out:
            out[column] = None
    return out[table.column_names]


def read_submission(folder: Path, dialect: str) -> dict[str, pd.DataFrame]:
    profile = load_profile(dialect)
    tables: dict[str, pd.DataFrame] = {}
    for mapping, frame in raw_tables(folder, profile):
        assert mapping.table not in tables, f"{mapping.table} sent twice in {folder}"
        tables[mapping.table] = to_canonical(mapping, frame, profile)
    return tables
