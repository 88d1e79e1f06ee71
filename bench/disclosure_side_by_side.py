"""Publishing's disclosure control, side by side: every aggregate mart's suppression flags worked
out each mart alone (as before stop 39) and all together with the counts published over
overlapping periods (as publishing does now), on the same frames, alternating, five pairs.

    python -m bench.disclosure_side_by_side bench/cache/work/national/warehouse
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import duckdb

from pipelines.publish.catalogue import AGGREGATE_MARTS
from pipelines.publish.disclosure import marts_suppression_flags, suppression_flags

TOTAL = "REGION"


def main(warehouse_dir: Path, pairs: int = 5) -> None:
    with duckdb.connect(str(warehouse_dir / "raa.duckdb"), read_only=True) as con:
        frames = {m: con.sql(f"select * from marts.{m} order by all").df() for m in AGGREGATE_MARTS}
    alone, together = [], []
    for _ in range(pairs):
        started = time.perf_counter()
        for mart, frame in frames.items():
            suppression_flags(frame, AGGREGATE_MARTS[mart], TOTAL)
        alone.append(time.perf_counter() - started)
        started = time.perf_counter()
        marts_suppression_flags(frames, TOTAL)
        together.append(time.perf_counter() - started)
    print(f"{warehouse_dir}: each mart alone {statistics.median(alone):.2f} s, with overlapping "
          f"periods {statistics.median(together):.2f} s (medians of {pairs})")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]))
