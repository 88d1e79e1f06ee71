"""The contract for submission.yaml: what it accepts, and every problem named at once."""

from __future__ import annotations

from datetime import date

from data_contracts.submission_meta import read_meta


def test_settings_left_empty_are_not_stated():
    meta, problems = read_meta(b"reference_date:\ncollection_year: ''\n")
    assert problems == [] and meta.reference_date is None and meta.collection_year is None


def test_a_year_may_be_written_as_the_collection_names_it():
    for written in (b"2024", b"2024-25", b"'2024/2025'"):
        meta, problems = read_meta(b"collection_year: " + written)
        assert problems == [] and meta.collection_year == 2024, written


def test_every_problem_is_named_at_once():
    meta, problems = read_meta(b"reference_date: 31/10/2026\ncollection_year: 2024-26\nx: 1\n")
    assert meta.reference_date is None
    assert len(problems) == 3
    assert any("'99/99/9999' is not a valid export date" in p for p in problems)
    assert any("2024 is followed by 2025" in p for p in problems)
    assert any("'x' is not a setting" in p for p in problems)


def test_a_good_note():
    meta, problems = read_meta(b"reference_date: 2026-10-31\ncollection_year: 2025\n")
    assert problems == [] and meta.reference_date == date(2026, 10, 31)
