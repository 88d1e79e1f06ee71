"""The board pack as a Dagster asset, downstream of the published snapshot. Not in the nightly
build (printing needs Chromium on the machine that runs it): launch the `write_board_pack` job, or
materialise the asset, from the UI, with the quarter in its config (default: the latest ended)."""

from datetime import date

import dagster as dg
import duckdb

from pipelines.defs.publish import PUBLISH_GROUP, PUBLISHED_SNAPSHOT
from pipelines.defs.resources import WarehouseResource
from pipelines.publish.layout import published_database
from pipelines.reports.board_pack import ReportError, write_board_pack
from pipelines.reports.pdf import PdfError

BOARD_PACK_JOB = "write_board_pack"


class BoardPackConfig(dg.Config):
    quarter: str = ""  # e.g. 2025-26-Q2; empty = the latest quarter over in the data


def latest_ended_quarter(snapshot, today: date) -> str:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        found = con.execute(
            "select financial_year || '-Q' || financial_quarter from marts.raa_quarterly "
            "where quarter_end < ? and not is_partial order by quarter_start desc limit 1",
            [today],
        ).fetchone()  # fmt: skip
    if found is None:
        raise ReportError("the snapshot has no quarter that has ended yet")
    return found[0]


@dg.asset(
    deps=[PUBLISHED_SNAPSHOT],
    group_name=PUBLISH_GROUP,
    description="The partnership board's quarterly pack (HTML and PDF) from the published "
    "snapshot: scorecard against England with RAG, RAA quarterly figures, adopter pipeline, "
    "support and finance. Written to `$RAA_WAREHOUSE_DIR/reports/`.",
)
def board_pack(context: dg.AssetExecutionContext, config: BoardPackConfig,
               warehouse: WarehouseResource) -> dg.MaterializeResult:  # fmt: skip
    settings = warehouse.settings()
    registry = warehouse.registry()
    snapshot = published_database(settings.published_dir)
    try:
        quarter = config.quarter or latest_ended_quarter(snapshot, date.today())
        html, pdf = write_board_pack(snapshot, quarter, settings.warehouse_dir / "reports",
                                     registry.partnership_code, registry.partnership_name,
                                     registry.membership(), registry.names())  # fmt: skip
    except (ReportError, PdfError, duckdb.IOException) as problem:
        raise dg.Failure(description=str(problem), allow_retries=False) from problem
    context.log.info(f"board pack {quarter}: {html.name}, {pdf.name}")
    return dg.MaterializeResult(metadata={
        "quarter": quarter, "html": dg.MetadataValue.path(str(html)),
        "pdf": dg.MetadataValue.path(str(pdf)),
    })  # fmt: skip
