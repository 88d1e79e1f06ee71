"""Withholding two councils at once. (In a file of its own so that pytest-xdist runs its night
beside test_withhold.py's.)"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.publish.layout import published_database
from tests.operations.withholding import WITHHELD, break_council, build

pytestmark = pytest.mark.slow


def test_two_councils_breaking_tests_are_both_withheld(copied, region):
    """KIL and ASH each send a child twice: the failing rows name two councils, both are
    withheld, every other council is published."""
    break_council(copied, WITHHELD)
    break_council(copied, "ASH")
    result = build(copied)
    assert result.success
    with duckdb.connect(str(copied.database), read_only=True) as con:
        held = dict(con.execute(
            "select council_code, failing_tests from audit.withheld_councils").fetchall())  # fmt: skip
    assert set(held) == {"ASH", WITHHELD}
    assert "unique_dim_child_child_id" in held[WITHHELD] and held["ASH"] == held[WITHHELD]
    with duckdb.connect(str(published_database(copied.published_dir)), read_only=True) as new:
        flags = dict(new.execute(
            "select council_code, bool_and(is_withheld) from marts.scorecard_timeliness group by 1"
        ).fetchall())  # fmt: skip
    assert flags == {"ASH": True, WITHHELD: True, "NTH": False, "FEN": False, "REGION": False}
