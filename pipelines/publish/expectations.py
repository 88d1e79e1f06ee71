"""The release gate: expectations per mart that must all pass before publishing.

The expectations are declared once (`gate_checks`) and evaluated two ways over the exact
(unsuppressed) marts:

- in DuckDB, one query per mart straight over the working warehouse (`sql_verdicts`): this
  decides every night and takes well under a second;
- as a Great Expectations suite in an ephemeral GX context (`ge_failures`), with HTML Data Docs
  in a local folder beside the published snapshot. Importing GX alone takes several seconds, so
  this runs when the gate fails (the Data Docs then show what failed, and the failure messages
  are GX's) or on every run when RAA_DATA_DOCS=always. Otherwise `data_docs/index.html` is a
  short page listing the expectations that passed.

Both follow GX's rules: bounds inclusive, missing values (NULL, NaN) ignored by value
expectations; tests/operations/test_gate_sql_matches_ge.py keeps the two in step.
"""

from __future__ import annotations

import html
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

MEAN_DAYS_RANGE = (0, 3000)
SHARE_TOLERANCE = 1e-6
POOLS_FRAME = "cost_apportionment_pools"
DATA_DOCS_MODES = ("on_failure", "always")

ROW_COUNT = "expect_table_row_count_to_be_between"
BETWEEN = "expect_column_values_to_be_between"
CONTAINS = "expect_column_distinct_values_to_contain_set"

# The per-pool sums of cost_apportionment: the gate's one definition of them (the DuckDB gate
# and, through `apportionment_pools`, the Great Expectations suite both read it).
POOLS_SQL = """
    select financial_year, formula_version, cost_pool,
           abs(coalesce(fsum(cast(weighted_share as double)), 0) - 1) as share_error,
           coalesce(sum(round(cast(contribution_gbp as double) * 100)), 0)
             - max(round(cast(pool_budget_gbp as double) * 100)) as contribution_gap_pence
    from {source}
    where financial_year is not null and formula_version is not null and cost_pool is not null
    group by all
"""


@dataclass(frozen=True)
class Check:
    """One expectation on one frame (a mart, or the apportionment pools)."""

    frame: str
    kind: str
    column: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    value_set: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.frame}{'.' + self.column if self.column else ''}: {self.kind}"


@dataclass
class GateResult:
    success: bool
    failures: list[str] = field(default_factory=list)
    docs_index: Path | None = None
    seconds: float = 0.0
    checks: int = 0
    data_docs: bool = False  # whether the GX Data Docs were built


def apportionment_pools(cost_apportionment: pd.DataFrame) -> pd.DataFrame:
    """Per pool, year and formula version: how far the weighted shares are from summing to 1
    and the contributions from summing to the pool budget (in pence). The Great Expectations
    suite reads this frame; it is the very POOLS_SQL the DuckDB gate decides on."""
    with duckdb.connect() as con:
        con.register("cost_apportionment", cost_apportionment)
        return con.execute(POOLS_SQL.format(source="cost_apportionment")).df()


def gate_checks(
    columns: dict[str, Sequence[str]], partners: list[str], previous_rows: dict[str, int],
    tolerance: float,
) -> list[Check]:  # fmt: skip
    """Every expectation, from each mart's columns: `columns` maps mart -> column names."""
    found = []
    frames = dict(columns)
    if "cost_apportionment" in frames:
        frames[POOLS_FRAME] = ("share_error", "contribution_gap_pence")
    for name, names in sorted(frames.items()):
        previous = previous_rows.get(name)
        if previous:
            found.append(Check(name, ROW_COUNT, min_value=math.floor(previous * (1 - tolerance)),
                               max_value=math.ceil(previous * (1 + tolerance))))  # fmt: skip
        for column in names:
            if column.endswith("_mean_days"):
                found.append(Check(name, BETWEEN, column, *MEAN_DAYS_RANGE))
            elif column.endswith("_share") and name != POOLS_FRAME:
                found.append(Check(name, BETWEEN, column, 0, 1))
        if name == "scorecard_timeliness":
            found.append(Check(name, CONTAINS, "council_code", value_set=tuple(partners)))
        if name == POOLS_FRAME:
            found.append(Check(name, BETWEEN, "share_error", 0, SHARE_TOLERANCE))
            found.append(Check(name, BETWEEN, "contribution_gap_pence", 0, 0))
    return found


def _expected(kind: str, low: float | None, high: float | None) -> str:
    """What a failed range check wanted, for the refusal's message: a row count's bounds come
    from the last publish and RAA_ROW_COUNT_TOLERANCE (operator probe: it said only 'observed')."""
    if low is None and high is None:
        return ""
    bounds = f"{low:g} to {high:g}" if low is not None and high is not None else (
        f"at least {low:g}" if low is not None else f"at most {high:g}")  # fmt: skip
    if kind == ROW_COUNT:
        return (f", expected {bounds} rows: the last publish's within RAA_ROW_COUNT_TOLERANCE; "
                "after a deliberate change, set it higher for one night")  # fmt: skip
    return f", expected {bounds}"


def _sql_term(check: Check) -> str:
    """An aggregate over the frame: NULL when the check passes, else what was observed."""
    if check.kind == ROW_COUNT:
        low, high = check.min_value, check.max_value
        return (f"case when count(*) between {low} and {high} then null "
                f"else cast(count(*) as varchar) end")  # fmt: skip
    column = f'"{check.column}"'
    if check.kind == BETWEEN:
        bounds = []
        if check.min_value is not None:
            bounds.append(f"{column} < {check.min_value}")
        if check.max_value is not None:
            bounds.append(f"{column} > {check.max_value}")
        # GX counts NULL and NaN as missing, not unexpected (DuckDB's NaN sorts above all).
        unexpected = f"{column} is not null and not isnan({column}) and ({' or '.join(bounds)})"
        return (f"case when count(*) filter (where {unexpected}) = 0 then null else "
                f"cast(list({column} order by {column}) filter (where {unexpected})"
                f"[1:20] as varchar) end")  # fmt: skip
    if check.kind == CONTAINS:  # the distinct values; compared with the set in `_verdict`
        return f"list(distinct cast({column} as varchar))"
    raise ValueError(f"no SQL for {check.kind}")


def sql_verdicts(
    con: duckdb.DuckDBPyConnection, checks: list[Check], source: dict[str, str]
) -> dict[Check, str | None]:
    """Each check -> None when it passes, else what was observed; one query per frame.
    `source` maps each mart to the relation to read (e.g. `work.marts.<name>`)."""
    verdicts: dict[Check, str | None] = {}
    by_frame: dict[str, list[Check]] = {}
    for check in checks:
        by_frame.setdefault(check.frame, []).append(check)
    for frame, found in by_frame.items():
        if frame == POOLS_FRAME:
            relation = f"({POOLS_SQL.format(source=source['cost_apportionment'])})"
        else:
            relation = source[frame]
        terms = ", ".join(_sql_term(c) for c in found)
        row = con.execute(f"select {terms} from {relation}").fetchone()
        verdicts.update((c, _verdict(c, value)) for c, value in zip(found, row, strict=True))
    return verdicts


def _verdict(check: Check, observed) -> str | None:
    if check.kind == CONTAINS:
        missing = sorted(set(check.value_set) - set(observed or []))
        return f"{sorted(observed or [])}, missing {missing}" if missing else None
    return observed


def _expectation(check: Check):
    import great_expectations as gx

    ex = gx.expectations
    if check.kind == ROW_COUNT:
        return ex.ExpectTableRowCountToBeBetween(min_value=check.min_value,
                                                 max_value=check.max_value)  # fmt: skip
    if check.kind == BETWEEN:
        return ex.ExpectColumnValuesToBeBetween(column=check.column, min_value=check.min_value,
                                                max_value=check.max_value)  # fmt: skip
    if check.kind == CONTAINS:
        return ex.ExpectColumnDistinctValuesToContainSet(column=check.column,
                                                         value_set=list(check.value_set))  # fmt: skip
    raise ValueError(f"no expectation for {check.kind}")


def _context(docs_dir: Path | None):
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    if docs_dir is not None:
        context.add_data_docs_site(
            "release_gate",
            {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )  # fmt: skip
    return context


def ge_failures(
    frames: dict[str, pd.DataFrame], checks: list[Check], docs_dir: Path | None
) -> list[str]:
    """Run the checks as a GX suite per frame; with `docs_dir`, write the Data Docs there."""
    import great_expectations as gx

    frames = dict(frames)
    if "cost_apportionment" in frames:
        frames[POOLS_FRAME] = apportionment_pools(frames["cost_apportionment"])
    context = _context(docs_dir)
    source = context.data_sources.add_pandas("marts")
    failures: list[str] = []
    for name, frame in sorted(frames.items()):
        expectations = [_expectation(c) for c in checks if c.frame == name]
        if not expectations:
            continue
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        result = validation.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
        for outcome in result.results:
            if not outcome.success:
                config = outcome.expectation_config
                column = config.kwargs.get("column")
                observed = outcome.result.get(
                    "observed_value", outcome.result.get("partial_unexpected_list")
                )
                expected = _expected(config.type, config.kwargs.get("min_value"),
                                     config.kwargs.get("max_value"))  # fmt: skip
                failures.append(f"{name}{'.' + column if column else ''}: {config.type} "
                                f"failed (observed {observed}{expected})")  # fmt: skip
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context.build_data_docs(site_names=["release_gate"])
    return failures


def _write_summary(docs_dir: Path, checks: list[Check]) -> None:
    """The page Data Docs would show when everything passed: the expectations, all passed."""
    shutil.rmtree(docs_dir, ignore_errors=True)
    docs_dir.mkdir(parents=True)
    rows = "\n".join(f"<tr><td>{html.escape(c.label)}</td><td>passed</td></tr>" for c in checks)
    (docs_dir / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Release gate</title></head>"
        f"<body><h1>Release gate: all {len(checks)} expectations passed</h1>"
        "<p>Great Expectations Data Docs are built when the gate fails, or on every run with "
        "RAA_DATA_DOCS=always.</p>"
        f"<table><tr><th>expectation</th><th>result</th></tr>\n{rows}\n</table></body></html>\n",
        encoding="utf-8",
    )


def run_release_gate(
    con: duckdb.DuckDBPyConnection,
    marts: list[str],
    partners: list[str],
    previous_rows: dict[str, int],
    docs_dir: Path,
    tolerance: float = 0.5,
    data_docs: str = "on_failure",
    catalog: str = "work",
) -> GateResult:
    """Validate every mart of `<catalog>.marts`; success only if all pass. GX (and its Data
    Docs in `docs_dir`) runs when something failed, or always with data_docs='always'."""
    if data_docs not in DATA_DOCS_MODES:
        raise ValueError(f"data_docs must be one of {DATA_DOCS_MODES}, not {data_docs!r}")
    started = time.perf_counter()
    source = {m: f'{catalog}.marts."{m}"' for m in marts}
    columns: dict[str, list[str]] = {m: [] for m in marts}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = 'marts' order by table_name, ordinal_position",
        [catalog],
    ).fetchall():
        if table in columns:
            columns[table].append(column)
    checks = gate_checks(columns, partners, previous_rows, tolerance)
    verdicts = sql_verdicts(con, checks, source)
    failures = [f"{c.label} failed (observed {v}{_expected(c.kind, c.min_value, c.max_value)})"
                for c, v in verdicts.items() if v is not None]  # fmt: skip
    built = bool(failures) or data_docs == "always"
    if built:
        wanted = {c.frame for c in checks} | ({"cost_apportionment"} & set(marts))
        frames = {m: con.sql(f"select * from {source[m]}").df() for m in marts if m in wanted}
        shutil.rmtree(docs_dir, ignore_errors=True)
        found = ge_failures(frames, checks, docs_dir)
        # GX's messages when it agrees something failed; a check only DuckDB caught still fails.
        failures = found or failures
    else:
        _write_summary(docs_dir, checks)
    return GateResult(
        success=not failures,
        failures=failures,
        docs_index=docs_dir / "index.html",
        seconds=time.perf_counter() - started,
        checks=len(checks),
        data_docs=built,
    )
