"""The contracts' date rules (data_contracts.checks): no date after the submission's reference
date, and each date column parsed once while a frame is validated."""

import pandas as pd

from data_contracts import checks
from data_contracts.checks import dates_parsed_once, not_after_reference, parse_iso


def test_no_date_may_be_later_than_its_own_submissions_reference_date():
    # Two submissions in one frame (a batch validates them together), each with its own date.
    first, second = "2025-03-31", "2026-03-31"
    frame = pd.DataFrame(
        {
            "reference_date": [first, first, second, second, first, second],
            "decom": ["2025-03-31", "2025-04-01", "2025-04-01", "2026-04-01", None, "2025-02-31"],
        },
        dtype="str",
    )
    # On the day: fine; a day later: future for the first submission, not for the second;
    # missing or not a real date: another rule's business (required, real_date).
    assert not_after_reference(frame, "decom").tolist() == [True, False, True, False, True, True]


def test_each_date_column_is_parsed_once_while_a_frame_is_validated(monkeypatch):
    parsed = []
    parse = checks._parsed_values
    monkeypatch.setattr(checks, "_parsed_values", lambda s: parsed.append(s.name) or parse(s))
    frame = pd.DataFrame(
        {"decom": ["2020-01-31", "2020-02-30", None], "dec": ["2020-02-01", None, "2020-1-5"]},
        dtype="str",
    )
    alone = [parse_iso(frame[c]) for c in ("decom", "dec", "decom")]
    assert parsed == ["decom", "dec", "decom"]  # outside the block: every call parses

    parsed.clear()
    with dates_parsed_once():
        reused = [parse_iso(frame[c]) for c in ("decom", "dec", "decom")]
        subset = parse_iso(frame["decom"].dropna())  # other values: parsed on their own
    assert parsed == ["decom", "dec", "decom"]
    for before, now in zip(alone, reused, strict=True):
        pd.testing.assert_series_equal(before, now)
    assert reused[0].isna().tolist() == [False, True, True]  # 30 February is no date
    assert subset.index.tolist() == [0, 1]
