"""The release gate: a Great Expectations suite per mart that must pass before publishing.

Runs on the exact (unsuppressed) marts, in an ephemeral GX context; the HTML Data Docs go to a
local folder beside the published snapshot.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

MEAN_DAYS_RANGE = (0, 3000)
SHARE_TOLERANCE = 1e-6
POOLS_FRAME = "cost_apportionment_pools"


@dataclass
class GateResult:
    success: bool
    failures: list[str] = field(default_factory=list)
    docs_index: Path | None = None
    seconds: float = 0.0


def apportionment_pools(cost_apportionment: pd.DataFrame) -> pd.DataFrame:
    """Per pool, year and formula version: how far the weighted shares are from summing to 1
    and the contributions from summing to the pool budget (in pence)."""
    frame = cost_apportionment.assign(
        weighted_share=pd.to_numeric(cost_apportionment["weighted_share"]),
        contribution_pence=(pd.to_numeric(cost_apportionment["contribution_gbp"]) * 100).round(),
        budget_pence=(pd.to_numeric(cost_apportionment["pool_budget_gbp"]) * 100).round(),
    )
    pools = frame.groupby(["financial_year", "formula_version", "cost_pool"], as_index=False).agg(
        share_sum=("weighted_share", "sum"),
        contribution_pence=("contribution_pence", "sum"),
        budget_pence=("budget_pence", "max"),
    )
    pools["share_error"] = (pools["share_sum"] - 1).abs()
    pools["contribution_gap_pence"] = pools["contribution_pence"] - pools["budget_pence"]
    return pools


def _expectations(
    name: str, frame: pd.DataFrame, partners: list[str], previous_rows: int | None,
    tolerance: float,
) -> list:  # fmt: skip
    import great_expectations as gx

    ex = gx.expectations
    found = []
    if previous_rows:
        found.append(ex.ExpectTableRowCountToBeBetween(
            min_value=math.floor(previous_rows * (1 - tolerance)),
            max_value=math.ceil(previous_rows * (1 + tolerance)),
        ))  # fmt: skip
    for column in frame.columns:
        if column.endswith("_mean_days"):
            low, high = MEAN_DAYS_RANGE
            found.append(ex.ExpectColumnValuesToBeBetween(
                column=column, min_value=low, max_value=high))  # fmt: skip
        elif column.endswith("_share") and name != POOLS_FRAME:
            found.append(ex.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1))
    if name == "scorecard_timeliness":
        found.append(ex.ExpectColumnDistinctValuesToContainSet(
            column="council_code", value_set=partners))  # fmt: skip
    if name == POOLS_FRAME:
        found.append(ex.ExpectColumnValuesToBeBetween(
            column="share_error", min_value=0, max_value=SHARE_TOLERANCE))  # fmt: skip
        found.append(ex.ExpectColumnValuesToBeBetween(
            column="contribution_gap_pence", min_value=0, max_value=0))  # fmt: skip
    return found


def _context(docs_dir: Path):
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


def run_release_gate(
    frames: dict[str, pd.DataFrame],
    partners: list[str],
    previous_rows: dict[str, int],
    docs_dir: Path,
    tolerance: float = 0.5,
) -> GateResult:
    """Validate every mart; write Data Docs to `docs_dir`; success only if all pass."""
    import great_expectations as gx

    started = time.perf_counter()
    frames = dict(frames)
    if "cost_apportionment" in frames:
        frames[POOLS_FRAME] = apportionment_pools(frames["cost_apportionment"])
    context = _context(docs_dir)
    source = context.data_sources.add_pandas("marts")
    failures: list[str] = []
    for name, frame in sorted(frames.items()):
        expectations = _expectations(name, frame, partners, previous_rows.get(name), tolerance)
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
                failures.append(f"{name}{'.' + column if column else ''}: {config.type} "
                                f"failed (observed {observed})")  # fmt: skip
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.build_data_docs(site_names=["release_gate"])
    return GateResult(
        success=not failures,
        failures=failures,
        docs_index=docs_dir / "index.html",
        seconds=time.perf_counter() - started,
    )
