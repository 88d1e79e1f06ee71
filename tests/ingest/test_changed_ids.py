"""A council's next export whose child ids mostly differ from those in use (a case system
renumbering, a spreadsheet removing leading zeros) is loaded with a query saying so; a normal
year's turnover is not queried."""

from __future__ import annotations

from pipelines.ingest.continuity import RULE, changed_ids_queries
from tests.ingest.helpers import EPISODES, HEADER, ingest_files


def _export(ids: list[str]) -> dict[str, str]:
    return {
        "header.csv": HEADER + "".join(f"{i},1,01/02/2019,WBRI,,,\n" for i in ids),
        "episodes.csv": EPISODES + "".join(f"{i},01/07/2021,S,V2,N4,U1,PR1,,,,,,\n" for i in ids),
    }


PADDED = [f"00{n:04d}" for n in range(1, 26)]  # 25 children, ids with leading zeros


def test_ids_that_lost_their_leading_zeros_are_loaded_and_queried(settings, registry,
                                                                  warehouse):  # fmt: skip
    assert ingest_files(warehouse, settings, registry, "NTH", _export(PADDED)).status == "loaded"
    stripped = [i.lstrip("0") for i in PADDED]
    outcome = ingest_files(warehouse, settings, registry, "NTH", _export(stripped), "s2")
    assert outcome.status == "loaded"
    (message,) = changed_ids_queries(outcome)
    assert message.startswith("None of the 25 children in the submission in use (s1)")
    assert "25 ids are new" in message
    stored = warehouse.sql(
        "select rule, source_row, source_column from audit.warnings where submission_id = 's2'"
    ).fetchall()
    assert (RULE, None, "CHILD") in stored
    in_use = warehouse.sql("select distinct submission_id from canonical.children").fetchall()
    assert in_use == [("s2",)]  # loaded all the same: its own figures are right
    report = (settings.outbox_dir / "NTH" / "s2" / "validation_report.html").read_text()
    assert "Please check:</strong> None of the 25 children" in report
    assert RULE in (settings.outbox_dir / "NTH" / "s2" / "warnings.csv").read_text()


def test_a_years_turnover_is_not_queried(settings, registry, warehouse):
    ingest_files(warehouse, settings, registry, "NTH", _export(PADDED))
    # 13 of 25 still looked after (52 %), 12 new: more than half kept
    next_year = [*PADDED[12:], *(f"00{n:04d}" for n in range(100, 112))]
    outcome = ingest_files(warehouse, settings, registry, "NTH", _export(next_year), "s2")
    assert outcome.status == "loaded" and changed_ids_queries(outcome) == []


def test_just_under_half_kept_is_queried(settings, registry, warehouse):
    ingest_files(warehouse, settings, registry, "NTH", _export(PADDED))
    outcome = ingest_files(warehouse, settings, registry, "NTH",
                           _export([*PADDED[13:], "X1", "X2"]), "s2")  # fmt: skip
    (message,) = changed_ids_queries(outcome)
    assert message.startswith("Only 12 of the 25 children") and "2 ids are new" in message


def test_too_few_children_in_use_to_tell(settings, registry, warehouse):
    few = PADDED[:19]
    ingest_files(warehouse, settings, registry, "NTH", _export(few))
    outcome = ingest_files(warehouse, settings, registry, "NTH",
                           _export([i.lstrip("0") for i in few]), "s2")  # fmt: skip
    assert changed_ids_queries(outcome) == []


def test_a_first_submission_and_another_council_are_not_compared(settings, registry,
                                                                 warehouse):  # fmt: skip
    first = ingest_files(warehouse, settings, registry, "NTH", _export(PADDED))
    other = ingest_files(warehouse, settings, registry, "KIL",
                         _export([i.lstrip("0") for i in PADDED]))  # fmt: skip
    assert changed_ids_queries(first) == [] and changed_ids_queries(other) == []


def test_the_report_counts_the_query_against_the_whole_submission(settings, registry, warehouse):
    ingest_files(warehouse, settings, registry, "NTH", _export(PADDED))
    ingest_files(warehouse, settings, registry, "NTH", _export([i.lstrip("0") for i in PADDED]),
                 "s2")  # fmt: skip
    report = (settings.outbox_dir / "NTH" / "s2" / "validation_report.html").read_text()
    kept = report.split("<h2>Rows to check (kept)</h2>")[1]
    assert f"<td>{RULE}</td><td></td><td>whole submission</td>" in kept  # not "1" row
