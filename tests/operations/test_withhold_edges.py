"""Withholding at its edges: two councils at once, and a first publish with nothing to carry.
(In a file of their own so that pytest-xdist runs them beside test_withhold.py's.)"""

from __future__ import annotations

import shutil

import duckdb

from pipelines.publish.layout import published_database
from tests.operations.withholding import WITHHELD, break_council, build


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


def test_withholding_on_the_first_publish_leaves_the_council_out(copied, region):
    """No earlier snapshot to carry figures from: the council's rows are left out (none carried),
    the others are published, and the record says no snapshot supplied its figures."""
    for snapshot in copied.published_dir.glob("*"):
        if snapshot.is_symlink() or snapshot.is_file():
            snapshot.unlink()
    for folder in ("snapshots", "data_docs"):
        shutil.rmtree(copied.published_dir / folder, ignore_errors=True)
    break_council(copied, WITHHELD)
    result = build(copied)
    assert result.success
    with duckdb.connect(str(published_database(copied.published_dir)), read_only=True) as new:
        councils = {c for (c,) in new.execute(
            "select distinct council_code from marts.scorecard_timeliness").fetchall()}  # fmt: skip
        carried = new.execute(
            "select count(*) from marts.scorecard_timeliness where is_withheld"
        ).fetchone()[0]  # fmt: skip
        record = new.execute(
            "select council_code, figures_from_snapshot, rows_carried_over "
            "from meta.withheld_councils"
        ).fetchall()  # fmt: skip
        contributions = {c for (c,) in new.execute(
            "select distinct council_code from marts.cost_apportionment").fetchall()}  # fmt: skip
    assert carried == 0
    assert councils == {"NTH", "ASH", "FEN", "REGION"}
    assert record == [(WITHHELD, None, 0)]
    assert WITHHELD not in contributions
