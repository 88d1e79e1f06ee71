"""The finance marts on the hand-worked scenario (tests/finance/scenario.py): every expected
figure below is worked on paper in the comment beside it."""

from __future__ import annotations


def test_finance_models_build_and_their_tests_pass(finance_warehouse):
    assert finance_warehouse.success, finance_warehouse.failures
    assert finance_warehouse.failures == []
