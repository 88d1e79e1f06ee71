"""Validate canonical frames against their pandera contracts; split accepted from rejected.

Validation is lazy: every failure of every row is collected. A row that breaks a `reject`
rule is held back (one rejection line per failure); a row that breaks only `query` rules is
kept, and its failures become queries for the council (data_contracts/rules.py decides which).
One call validates one table for a whole batch of submissions, whatever their dialects: each
row carries `part` (its submission in the batch), and keys are unique within a part, so the
contract's fixed cost is paid once per table, not once per council or dialect. Failures are
then told back per dialect, in its own terms.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from data_contracts.checks import (
    MONEY_PATTERN,
    arrow_text,
    dates_parsed_once,
    parse_iso,
    text_series,
    without_midnight,
)
from data_contracts.profiles import Profile, TableMapping
from data_contracts.rules import QUERY, explain
from data_contracts.tables import TABLES
from pipelines.ingest.read import RawTable
from pipelines.ingest.redact import (
    code_like_or_shape,
    protected_sources,
    shape,
    typed_sources,
)
from pipelines.platform.pandera_backend import use_lean_pandera_backend

REJECTION_COLUMNS = [
    "file_name", "canonical_table", "source_row", "source_column", "rule", "dfe_rule",
    "message", "offending_value",
]  # fmt: skip
PART = "part"  # which submission of the batch a row belongs to
# A value of a column no figure needs, off its list or not of its form: the row kept, it blanked
BLANKED = {"code_list": "code_not_on_list_left_blank", "text_length": "value_not_valid_left_blank",
           "text_pattern": "value_not_valid_left_blank"}  # fmt: skip

_CHECK_RULES = (
    (re.compile(r"^isin\("), "code_list"),
    (re.compile(r"^not_nullable$"), "required"),
    (re.compile(r"^str_length\("), "text_length"),
    (re.compile(r"^str_matches\("), "text_pattern"),
    (re.compile(r"uniqueness$"), "duplicate_key"),
)


@dataclass
class ValidationResult:
    table: str
    accepted: pd.DataFrame  # canonical columns + context, each row with its part
    rejections: pd.DataFrame  # REJECTION_COLUMNS + part: rows held back
    queries: pd.DataFrame  # REJECTION_COLUMNS + part: rows kept, the council asked to check
    # The rows held back, as read (canonical columns + context): cross-table rules compare
    # accepted rows with every row sent (DfE 553: has the child a PlacedAdoption row at all?).
    held_back: pd.DataFrame | None = None


def check_to_rule(check: str) -> str:
    for pattern, rule in _CHECK_RULES:
        if pattern.search(check):
            return rule
    return check


@cache
def batch_schema(table_name: str) -> pa.DataFrameSchema:
    """The table's contract with its key made unique per submission (part), not per batch."""
    schema = copy.deepcopy(TABLES[table_name].model.to_schema())
    schema.unique = [PART, *TABLES[table_name].natural_key]
    return schema


@dataclass
class TableInput:
    """One table as the parts of a batch on one dialect sent it."""

    mapping: TableMapping
    raw_frame: pd.DataFrame  # the rows as sent (same index as `frame`), for the messages
    frame: pd.DataFrame  # canonical rows with their part, reference_date and collection_year
    profile: Profile
    # Per row: read from a text file (CSV), not from a workbook's cells; None when not known
    # (then no row is queried for dates written yyyy-mm-dd: _iso_in_text).
    from_text: np.ndarray | None = None


def validate_table(inputs: list[TableInput]) -> list[ValidationResult]:
    """One table's rows from every dialect of the batch, validated in one pandera call (its
    fixed cost, ~50 ms a call, is paid once per table rather than once per dialect); each input
    gets its own result, its failures told in its own dialect's column names and date format."""
    table = TABLES[inputs[0].mapping.table]
    capitalised = [_codes_in_capitals(one, table) for one in inputs]
    # Lines for what was read but asked about (codes in other letters, dates and amounts
    # written otherwise than the dialect writes them).
    read_lines = [
        concat_rejections([lines, _read_but_queried(one, table)])
        for one, (_, lines) in zip(inputs, capitalised, strict=True)
    ]
    inputs = [
        replace(one, frame=frame) for one, (frame, _) in zip(inputs, capitalised, strict=True)
    ]
    bounds = np.cumsum([0, *(len(i.frame) for i in inputs)])
    frame = pd.concat([i.frame for i in inputs], ignore_index=True)
    duplicate = _repeated_rows(frame, [PART, *table.natural_key], [PART, *table.column_names])
    candidates = frame[~duplicate]
    kept = np.flatnonzero(~duplicate)  # each candidate's position in `frame`
    use_lean_pandera_backend()
    try:
        with dates_parsed_once():
            batch_schema(table.name).validate(candidates, lazy=True)
        failures = pd.DataFrame(columns=["index"])
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
        failures = failures[failures["index"].notna()]
    failing_row = failures["index"].astype("int64").to_numpy()
    results = []
    for one, read_in_capitals, start, stop in zip(
        inputs, read_lines, bounds[:-1], bounds[1:], strict=True
    ):
        # This input's rows and failures again, on its own index, as if validated alone.
        first, last = np.searchsorted(kept, [start, stop])
        mine = candidates.iloc[first:last].set_axis(one.frame.index[kept[first:last] - start])
        duplicates = frame.iloc[start:stop][duplicate[start:stop]]
        in_range = (failing_row >= start) & (failing_row < stop)
        mine_failures = failures[in_range].assign(
            index=one.frame.index[failing_row[in_range] - start]
        )
        results.append(_split(one, mine, duplicates, mine_failures, table.name, read_in_capitals))
    return results


def _repeated_rows(frame: pd.DataFrame, key: list[str], columns: list[str]) -> np.ndarray:
    """Per row: the same as an earlier row in every column. Only rows sharing their key with
    another can be: the whole rows are compared among those alone (few: most keys are
    unique), not hashed for every row."""
    shares_key = frame.duplicated(subset=key, keep=False).to_numpy()
    repeated = np.zeros(len(frame), dtype=bool)
    if shares_key.any():
        repeated[shares_key] = frame[shares_key].duplicated(subset=columns, keep="first")
    return repeated


def _codes_in_capitals(one: TableInput, table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The input's rows with each code sent in other letters than the layout's read as the layout
    writes it, and a query line for each: the code is readable, so the row is kept (the severity
    policy), not held back. A canonical code in small letters whose capitals are on the list (RNE
    'p', REC 'x1') is read in capitals (code_read_in_capitals); a dialect's own local code in
    other letters than its profile's (Mosaic 'regional' for REGIONAL, 'female' for Female), which
    the profile's exact recode (dialect.to_canonical) left as sent, is recoded as the profile's
    spelling is (local_code_read_ignoring_case); a local code comes first, as in the recode. Such
    a value is a code of the layout but for its letters' case, so the line names it as sent."""
    frame, lines = one.frame, []
    for column in table.columns:
        if not column.codes or column.name not in frame.columns:
            continue
        off_list = _off_list(frame[column.name], column.codes)
        if not off_list.any():  # most columns: one Arrow pass, no pandas text methods
            continue
        text = frame[column.name].astype("string")
        upper = text.str.upper()
        local = _local_codes_by_capitals(one.mapping.recode.get(column.name, {}))
        as_local = off_list & upper.isin(list(local)).fillna(False).to_numpy(bool)
        canonical = {code.upper(): code for code in column.codes}  # most lists are in capitals
        as_code = off_list & ~as_local & upper.isin(list(canonical)).fillna(False).to_numpy(bool)
        if not (as_local.any() or as_code.any()):
            continue
        frame = frame.copy() if frame is one.frame else frame
        source = one.mapping.source_column(column.name) or column.name
        if as_local.any():
            spelled = upper[as_local].map({key: spelled for key, (spelled, _) in local.items()})
            read = upper[as_local].map({key: code for key, (_, code) in local.items()})
            frame[column.name] = _replaced(frame[column.name], as_local, read)
            lines.append(_case_lines(one, table.name, as_local, source,
                                     "local_code_read_ignoring_case", text, spelled))  # fmt: skip
        if as_code.any():
            read = upper[as_code].map(canonical)
            frame[column.name] = _replaced(frame[column.name], as_code, read)
            # a list spelled in words (leaving reasons) is told as a layout's own spelling is
            capitals = as_code.copy()
            capitals[as_code] = (read == upper[as_code]).to_numpy(bool)
            for fix, rule in ((capitals, "code_read_in_capitals"),
                              (as_code & ~capitals, "local_code_read_ignoring_case")):  # fmt: skip
                if fix.any():
                    lines.append(_case_lines(one, table.name, fix, source, rule, text,
                                             upper[fix].map(canonical)))  # fmt: skip
    return frame, concat_rejections(lines)


def _replaced(values: pd.Series, rows: np.ndarray, read: pd.Series) -> pd.Series:
    """`values` with `rows` replaced by `read` (one value per row, in order), in Arrow: pandas'
    .loc assignment into a text column took most of this check's time."""
    replaced = pc.replace_with_mask(arrow_text(values), pyarrow.array(rows), arrow_text(read))
    return text_series(replaced, like=values)


def _off_list(values: pd.Series, codes: list[str]) -> np.ndarray:
    """Per row: a value is sent and is not one of `codes` as written."""
    sent = arrow_text(values)
    listed = pc.is_in(sent, value_set=pyarrow.array(codes, pyarrow.string()))
    return pc.and_(pc.is_valid(sent), pc.invert(listed)).to_numpy(zero_copy_only=False)


def _local_codes_by_capitals(recode: dict[str, str]) -> dict[str, tuple[str, str]]:
    """A profile's local codes by their capitals: {'REGIONAL': ('REGIONAL', 'RAA'), 'FEMALE':
    ('Female', 'F')}. Two local codes that differ only in case but mean different codes are
    left out: a value in other letters than both cannot be read as either."""
    found: dict[str, set[tuple[str, str]]] = {}
    for spelled, code in recode.items():
        found.setdefault(spelled.upper(), set()).add((spelled, code))
    return {
        key: min(pairs) for key, pairs in found.items() if len({code for _, code in pairs}) == 1
    }


def _case_lines(
    one: TableInput, table: str, fix: np.ndarray, source: str, rule: str,
    text: pd.Series, shown: pd.Series,
) -> pd.DataFrame:  # fmt: skip
    """Query lines for the rows `fix` whose value (`text`, as sent) was read as `shown` (the
    layout's spelling): each message written once per distinct value."""
    sent = text[fix].to_numpy(object)
    codes, distinct = pd.factorize(sent)
    _, first = np.unique(codes, return_index=True)
    shown = shown.to_numpy(object)
    explanation = explain(rule).explanation
    messages = np.array(
        [explanation.format(column=source, value=v, upper=shown[i])
         for v, i in zip(distinct.tolist(), first.tolist(), strict=True)], dtype=object,
    )[codes]  # fmt: skip
    rows = one.frame.loc[fix, ["file_name", "source_row", PART]]  # not every column's rows
    return pd.DataFrame({
        "file_name": rows["file_name"].to_numpy(), "canonical_table": table,
        "source_row": rows["source_row"].to_numpy(), "source_column": source,
        "rule": rule, "dfe_rule": None, "message": messages, "offending_value": sent,
        PART: rows[PART].to_numpy(),
    }, columns=[*REJECTION_COLUMNS, PART])  # fmt: skip


def _read_but_queried(one: TableInput, table) -> pd.DataFrame:
    """A query line for each value read although not written as the dialect writes it, as it is
    unambiguous; the council is asked to fix its export. The line names the column, never a
    date (which may be a date of birth):
    - `date_format_iso`: yyyy-mm-dd in a text file whose dialect writes another format
      (dialect.normalise_dates leaves it as sent, already ISO);
    - `date_format_unpadded`: a day or month without its leading zero (1/3/2020 for 01/03/2020);
    - `date_format_two_digit_year`: a two-digit year (1/3/20), read in the century putting it
      nearest this year;
    - `amount_formatted`: an amount with a £ sign, thousands separators or a decimal comma
      (dialect.read_amounts).
    """
    lines = []
    for column in table.columns:
        source = one.mapping.source_column(column.name)
        if source not in one.raw_frame.columns or not (
            column.sql_type == "DATE" or column.sql_type.startswith("DECIMAL")
        ):
            continue
        sent = pc.utf8_trim_whitespace(arrow_text(one.raw_frame[source]))
        if column.sql_type == "DATE":
            for rule, which in _dates_read_loosely(one, column.name, sent):
                which[which] = parse_iso(one.frame[column.name][which]).notna().to_numpy()  # read
                lines.append(_query_lines(one, table.name, which, source, rule))
        elif column.sql_type.startswith("DECIMAL"):
            read = arrow_text(one.frame[column.name])
            reformatted = pc.and_(
                pc.not_equal(read, sent), pc.match_substring_regex(read, MONEY_PATTERN)
            )
            which = pc.fill_null(reformatted, False).to_numpy(zero_copy_only=False)
            if which.any():
                lines.append(_query_lines(one, table.name, which, source, "amount_formatted"))
    return concat_rejections(lines) if lines else pd.DataFrame(columns=[*REJECTION_COLUMNS, PART])


def _query_lines(one: TableInput, table: str, which: np.ndarray, source: str, rule: str):
    rows = one.frame[which]
    protected, typed = protected_sources(one.mapping), typed_sources(one.mapping)
    message = explain(rule).explanation.format(column=source, date_format=one.profile.date_display)
    return pd.DataFrame({
        "file_name": rows["file_name"].to_numpy(), "canonical_table": table,
        "source_row": rows["source_row"].to_numpy(), "source_column": source,
        "rule": rule, "dfe_rule": None, "message": message,
        "offending_value": _values(one.raw_frame, rows.index, [source], protected, typed).to_numpy(),
        PART: rows[PART].to_numpy(),
    }, columns=[*REJECTION_COLUMNS, PART])  # fmt: skip


def _iso_in_text(one: TableInput, column: str, sent: pyarrow.Array) -> np.ndarray | None:
    """Rows of a text file (CSV) whose date was kept as sent, ISO, in a dialect writing another
    format. Rows read from a workbook are never so: a cell holding a real date reaches this step
    as ISO text (read._cell_text), the same text as a cell typed 2015-02-03, and the reader keeps
    no cell's type; only a text file's dates are certainly written as the council wrote them."""
    if (one.from_text is None or not one.from_text.any()
            or re.fullmatch(one.profile.date_pattern, "2000-01-01")):  # fmt: skip
        return None
    # Kept as sent (with at most a midnight time after it): the ISO text read is what was sent.
    # A date written in the dialect's format was rearranged, so it never is.
    read = arrow_text(one.frame[column])
    as_sent = pc.fill_null(pc.equal(pc.utf8_slice_codeunits(sent, 0, 10), read), False)
    return one.from_text & as_sent.to_numpy(zero_copy_only=False)


def _dates_read_loosely(one: TableInput, column: str, sent: pyarrow.Array) -> list:
    """(rule, rows) for each way the column's dates were read though not written exactly in the
    dialect's format: ISO in a text file, a one-digit day or month, a two-digit year."""
    found = [("date_format_iso", _iso_in_text(one, column, sent))]
    loose = _not_written_exactly(one, sent)
    if loose is not None:
        text, inexact = loose
        patterns = {
            "date_format_unpadded": one.profile.unpadded_date_pattern,
            "date_format_two_digit_year": one.profile.two_digit_year_pattern,
        }
        for rule, pattern in patterns.items():
            if pattern is not None:
                shaped = pc.fill_null(pc.match_substring_regex(text, f"^(?:{pattern})$"), False)
                found.append((rule, pc.and_(shaped, inexact).to_numpy(zero_copy_only=False)))
    return [(rule, which) for rule, which in found if which is not None and which.any()]


def _not_written_exactly(
    one: TableInput, sent: pyarrow.Array
) -> tuple[pyarrow.Array, pyarrow.Array] | None:
    """The dates as sent without a midnight time, and which of them are not exactly in the
    dialect's shape; None when every date is written in full."""
    # Usually every date is: shorter than the format's, or with a time after it, is all that
    # needs the regexes (which cost ~10x these two passes).
    short = pc.less(pc.utf8_length(sent), len(date(2000, 1, 1).strftime(one.profile.date_format)))
    if not pc.any(pc.or_(short, pc.match_substring(sent, "00:00"))).as_py():
        return None
    text = without_midnight(sent)
    exact = pc.fill_null(pc.match_substring_regex(text, f"^(?:{one.profile.date_pattern})$"), False)
    return text, pc.invert(exact)


def _split(
    one: TableInput,
    candidates: pd.DataFrame,
    duplicates: pd.DataFrame,
    failures: pd.DataFrame,
    table: str,
    read_in_capitals: pd.DataFrame,
) -> ValidationResult:
    rejections = [_row_rejections(one.mapping, duplicates, "duplicate_row"), read_in_capitals]
    if len(failures):
        rejections.append(
            _failure_rejections(one.mapping, one.raw_frame, candidates, failures, one.profile)
        )
    found = concat_rejections(rejections)
    # severity looked up once per rule, not once per line (the 104k set has ~180k lines)
    severity = {rule: explain(rule).severity for rule in found["rule"].unique()}
    is_query = found["rule"].map(severity).eq(QUERY)
    held = found[~is_query.to_numpy()]
    rejected = pd.MultiIndex.from_frame(held[[PART, "source_row"]].dropna().astype("int64"))
    keys = pd.MultiIndex.from_frame(candidates[[PART, "source_row"]].astype("int64"))
    # A row held back keeps every line (its queries too) in its rejections; a row that broke
    # only queries is kept and its lines are queries.
    lines = pd.MultiIndex.from_frame(found[[PART, "source_row"]].fillna(-1).astype("int64"))
    of_held_row = lines.isin(rejected) | ~is_query.to_numpy()
    accepted = _blank_invalid_values(
        candidates[~keys.isin(rejected)], found[~of_held_row], one.mapping
    )
    return ValidationResult(
        table,
        accepted,
        found[of_held_row].reset_index(drop=True),
        found[~of_held_row].reset_index(drop=True),
        candidates[keys.isin(rejected)],
    )


def _blank_invalid_values(accepted: pd.DataFrame, queries: pd.DataFrame, mapping) -> pd.DataFrame:
    """The kept rows, each invalid value of a column no figure needs left blank."""
    blanked = queries[queries["rule"].isin(set(BLANKED.values()))]
    if blanked.empty:
        return accepted
    accepted = accepted.copy()
    keys = pd.MultiIndex.from_frame(accepted[[PART, "source_row"]].astype("int64"))
    for source, lines in blanked.groupby("source_column"):
        column = mapping.columns.get(source, source)
        rows = pd.MultiIndex.from_frame(lines[[PART, "source_row"]].astype("int64"))
        accepted.loc[keys.isin(rows), column] = None
    return accepted


def concat_rejections(frames: list[pd.DataFrame]) -> pd.DataFrame:
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return pd.DataFrame(columns=[*REJECTION_COLUMNS, PART])
    return pd.concat(non_empty, ignore_index=True)


def ragged_rejections(raw: RawTable, part: int) -> pd.DataFrame:
    """Rows with too many or too few values, or a value in quotes running over several lines,
    never reach the contract."""
    rows = [
        {
            "file_name": raw.file_name,
            "canonical_table": raw.mapping.table,
            "source_row": r.source_row,
            "source_column": None,
            "rule": "ragged_row" if r.last_line is None else "value_spans_lines",
            "dfe_rule": None,
            "message": (
                explain("ragged_row").explanation.format(value=r.values)
                if r.last_line is None
                else explain("value_spans_lines").explanation.format(
                    first=r.source_row, last=r.last_line
                )
            ),
            "offending_value": None,
            PART: part,
        }
        for r in raw.ragged
    ]
    return pd.DataFrame(rows, columns=[*REJECTION_COLUMNS, PART])


def _row_rejections(mapping: TableMapping, rows: pd.DataFrame, rule: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file_name": rows["file_name"],
            "canonical_table": mapping.table,
            "source_row": rows["source_row"],
            "source_column": None,
            "rule": rule,
            "dfe_rule": explain(rule).dfe_rule,
            "message": explain(rule).explanation,
            "offending_value": None,
            PART: rows[PART],
        },
        columns=[*REJECTION_COLUMNS, PART],
    )


def _failure_rejections(
    mapping: TableMapping,
    raw_frame: pd.DataFrame,
    frame: pd.DataFrame,
    failures: pd.DataFrame,
    profile: Profile,
) -> pd.DataFrame:
    failures = failures[failures["index"].notna()].copy()
    checks = failures["check"].astype(str)
    failures["rule"] = checks.map({c: check_to_rule(c) for c in checks.unique()})
    blankable = [c.name for c in TABLES[mapping.table].columns if c.blank_if_unknown]
    blanked = failures["rule"].isin(list(BLANKED)) & failures["column"].isin(blankable)
    if blanked.any():  # a value both too long and not of its form is blanked once
        failures.loc[blanked, "rule"] = failures.loc[blanked, "rule"].map(BLANKED)
        failures = failures[~(blanked & failures.duplicated(["index", "column", "rule"]))]
    # One line per rule and row for a duplicate key (pandera reports it once per key column) and
    # a dataframe-level check (once per failing row: pipelines/platform/pandera_backend.py).
    # Column checks keep one line per column.
    row_level = failures["schema_context"] == "DataFrameSchema"
    is_key = failures["rule"] == "duplicate_key"
    keys = failures[is_key].drop_duplicates("index").assign(column=None)
    # As the contract on its own key reports it: a wholly blank key (reported as `required`) is
    # no duplicate of another blank one; the batch's `part` column in the key is always filled.
    key_columns = TABLES[mapping.table].natural_key
    keyed = frame.loc[keys["index"].astype(int), key_columns].notna().any(axis=1).to_numpy()
    keys = keys[keyed]
    row_failures = failures[row_level & ~is_key].drop_duplicates(["rule", "index"])
    out = pd.concat(
        [
            _describe(
                mapping,
                raw_frame,
                frame,
                pd.concat([failures[~row_level], keys]),
                profile,
                row_level=False,
            ),
            _describe(
                mapping,
                raw_frame,
                frame,
                row_failures.assign(column=None),
                profile,
                row_level=True,
            ),
        ],
        ignore_index=True,
    )
    return out[[*REJECTION_COLUMNS, PART]]


def _describe(
    mapping: TableMapping,
    raw_frame: pd.DataFrame,
    frame: pd.DataFrame,
    failures: pd.DataFrame,
    profile: Profile,
    *,
    row_level: bool,
) -> pd.DataFrame:
    """One rejection line per failure, with the council's column name and value as sent."""
    if failures.empty:
        return pd.DataFrame(columns=[*REJECTION_COLUMNS, PART])
    key_sources = ", ".join(
        mapping.source_column(c) or c for c in TABLES[mapping.table].natural_key
    )
    failures = failures.reset_index(drop=True)  # group labels are then positions
    # The failing rows' context, looked up once for every group.
    context = frame.loc[failures["index"].astype(int), ["file_name", "source_row", PART]]
    context = {name: context[name].to_numpy() for name in context.columns}
    protected = protected_sources(mapping)
    typed = typed_sources(mapping)
    parts = []
    for (rule, column), group in failures.groupby(["rule", "column"], dropna=False, sort=False):
        index = group["index"].astype(int).to_numpy()
        shown = _shown_columns(rule, column, mapping, row_level)
        values = _values(raw_frame, index, shown, protected, typed)
        # Every column a row rule looked at (DECOM, DEC): the one that broke it may be any.
        label = key_sources if rule == "duplicate_key" else (", ".join(shown) or None)
        rows = {name: found[group.index.to_numpy()] for name, found in context.items()}
        parts.append(_lines(mapping, rows, rule, label, values, profile))
    # One frame for all the groups' lines: a frame per group cost more than the lines did.
    return pd.DataFrame({name: np.concatenate([p[name] for p in parts]) for name in parts[0]})


def _shown_columns(rule: str, column, mapping, row_level: bool) -> list[str]:
    if rule == "duplicate_key":
        return []
    canonical = list(explain(rule).columns_of(mapping.table)) if row_level else [column]
    return [s for s in (mapping.source_column(c) for c in canonical if c) if s]


def _values(
    raw_frame: pd.DataFrame, index, shown: list[str], protected: set[str], typed: set[str]
) -> pd.Series:
    """The values sent in the shown columns: a protected column's by their shape only, another's
    as sent when code-like (redact.code_like_or_shape; numbers and dates in `typed` columns)."""
    present = [s for s in shown if s in raw_frame.columns]
    if not present:
        return pd.Series([None] * len(index), dtype="object")

    def sent(column: str) -> pd.Series:
        values = pd.Series(raw_frame.loc[index, column].to_numpy(), dtype="object")
        if column in protected:
            return shape(values)
        return code_like_or_shape(values, numbers_and_dates=column in typed)

    if len(present) == 1:
        return sent(present[0])
    joined = None
    for s in present:
        part = s + "=" + sent(s).astype("str").fillna("").to_numpy().astype(object)
        joined = part if joined is None else joined + "; " + part
    return pd.Series(joined, dtype="object")


def _lines(mapping, rows: dict, rule, label, values: pd.Series, profile) -> dict[str, np.ndarray]:
    """The lines' columns. Messages are formatted once per distinct value, not once per row.
    `rows` holds the failing rows' file_name, source_row and part."""
    codes, distinct = pd.factorize(values.astype("object"), use_na_sentinel=True)
    distinct_text = ["" if v is None or v is pd.NA else str(v) for v in distinct.tolist()]
    per_value = []
    for text in distinct_text:
        this_rule = rule
        lower_case = rule == "code_list" and text and text.upper() != text
        if lower_case and _upper_is_valid(mapping, label, text):
            this_rule = "code_lower_case"
        message = explain(this_rule).explanation.format(
            column=label or "", value=text, upper=text.upper(), date_format=profile.date_display
        )
        per_value.append((this_rule, message, text or None))
    blank = explain(rule).explanation.format(
        column=label or "", value="", upper="", date_format=profile.date_display
    )
    lookup = pd.DataFrame([*per_value, (rule, blank, None)], columns=["rule", "message", "value"])
    picked = np.where(codes >= 0, codes, len(per_value))
    rules = lookup["rule"].to_numpy()[picked]
    dfe_rules = {r: explain(r).dfe_rule for r in set(rules.tolist())}
    return {
        "file_name": rows["file_name"],
        "canonical_table": np.full(len(rules), mapping.table, dtype=object),
        "source_row": rows["source_row"],
        "source_column": np.full(len(rules), label, dtype=object),
        "rule": rules,
        "dfe_rule": np.array([dfe_rules[r] for r in rules.tolist()], dtype=object),
        "message": lookup["message"].to_numpy()[picked],
        "offending_value": lookup["value"].to_numpy()[picked],
        PART: rows[PART],
    }


def _upper_is_valid(mapping, source: str | None, text: str) -> bool:
    canonical = mapping.columns.get(source) if source else None
    if canonical is None:
        return False
    for column in TABLES[mapping.table].columns:
        if column.name == canonical and column.codes:
            return text.upper() in column.codes
    return False
