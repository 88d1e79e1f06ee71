"""The benchmark's 104k section splits the first load into a night's fixed cost and the data's."""

from bench.measure import Sample
from bench.report import fixed_cost


def _samples(*walls: float, report: dict | None = None) -> list[Sample]:
    return [Sample(wall=w, cpu=w, peak_mb=100.0, ok=True, report=report or {}) for w in walls]


def test_fixed_cost_splits_the_first_load_by_medians_against_the_floor():
    peer = {
        "run": _samples(21.0, 20.0, 25.0),
        "unchanged": _samples(12.0, 13.0, 11.0),
        # the floor's own SQL time, not its process's, is what the ratios divide by
        "floor": _samples(9.0, 9.0, 9.0, report={"sql_wall": 1.0}),
    }
    text = " ".join(fixed_cost(peer))
    assert "first load's 21.0 s (21.0x the floor)" in text
    assert "12.0 s (12.0x) is what any build costs before its data" in text
    assert "data adds is 9.0 s (9.0x the floor)" in text


def test_fixed_cost_is_left_out_when_a_measurement_is_missing():
    assert fixed_cost({"run": _samples(20.0), "floor": _samples(1.0)}) == []
