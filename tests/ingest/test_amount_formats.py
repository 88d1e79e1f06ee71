"""Amounts as accounting formats and other case systems write them: GBP for £, brackets for a
minus sign (Excel's Accounting format, saved into a CSV as shown). Read, with a query; a minus
is then held back for what it is (ledger amounts are positive), and what is still no amount is
held back as before."""

from __future__ import annotations

from tests.ingest.helpers import assert_accounted
from tests.ingest.test_bad_input import load_ledger


def test_gbp_and_bracketed_amounts_are_read_with_a_query(settings, registry, warehouse):
    sent = ["GBP 10", "10.50 GBP", "gbp5", '"(£1,234.50)"', "(20.00)", "-£3", "(--1)", "GBP"]
    outcome, stored = load_ledger(warehouse, settings, registry, sent)
    assert stored == ["5.00", "10.00", "10.50"]
    queried = outcome.warnings[outcome.warnings["rule"] == "amount_formatted"]
    assert sorted(queried["source_row"]) == [2, 3, 4]  # kept rows; the minus ones are held back
    assert "brackets for a minus" in queried["message"].iloc[0]
    rules = outcome.rejections.groupby("source_row")["rule"].agg(set).to_dict()
    # (£1,234.50), (20.00) and -£3 read as minus amounts and held back as such, not as "no
    # amount"; (--1) and a bare GBP are no amount
    assert all("amount_not_negative" in rules[row] for row in (5, 6, 7))
    assert all("money" not in rules[row] for row in (5, 6, 7))
    assert "money" in rules[8] and "money" in rules[9]
    assert_accounted(outcome)


def test_plain_amounts_are_neither_changed_nor_queried(settings, registry, warehouse):
    outcome, stored = load_ledger(warehouse, settings, registry, ["10", "2.5", "0.01"])
    assert stored == ["0.01", "2.50", "10.00"]
    assert outcome.warnings.empty and outcome.rejections.empty
