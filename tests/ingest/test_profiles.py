"""Dialect profiles: every shipped profile loads, and YAML's booleans cannot sneak in."""

from __future__ import annotations

import pytest
import yaml

from data_contracts.profiles import ProfileError, _mapping, available_dialects, load_profile
from tests.ingest.helpers import ingest_files


@pytest.mark.parametrize("dialect", sorted(available_dialects()))
def test_every_shipped_profile_loads(dialect):
    profile = load_profile(dialect)
    assert profile.tables and profile.date_format and profile.date_display


def test_unquoted_yes_no_in_a_recode_is_refused():
    raw = yaml.safe_load("columns: {FLAG: disability}\nrecode: {disability: {Yes: Y, No: N}}")
    with pytest.raises(ProfileError, match="quote words like"):
        _mapping("mosaic", "children", raw)


def test_mosaic_local_words_are_recoded(settings, registry, warehouse):
    text = (
        "PERSON_ID,GENDER,DATE_OF_BIRTH,ETHNICITY_CODE,DISABILITY_FLAG\n"
        "P1,Female,2019-02-01,WBRI,Yes\nP2,Male,2019-03-01,WBRI,No\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "ASH", {"people.csv": text})
    assert outcome.rejections.empty
    stored = warehouse.sql("select sex, disability from canonical.children order by sex").fetchall()
    assert stored == [("F", "Y"), ("M", "N")]


def test_iso_dialect_reads_dates_without_leading_zeros_with_a_query(settings, registry, warehouse):
    """2019-2-1 is unambiguous in a yyyy-mm-dd layout: read, with a query (as 1/2/2019 in a
    dd/mm/yyyy one); 2019-02-29 is no real date and is rejected."""
    text = (
        "PERSON_ID,GENDER,DATE_OF_BIRTH,ETHNICITY_CODE,DISABILITY_FLAG\n"
        "P1,Female,2019-2-1,WBRI,Yes\nP2,Male,2019-02-29,WBRI,No\nP3,Male,2020-02-29,WBRI,No\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "ASH", {"people.csv": text})
    bad = outcome.rejections.set_index("source_row")
    assert sorted(bad.index) == [3]
    assert (bad["rule"] == "real_date").all()
    assert bad.loc[3, "offending_value"] == "9999-99-99"  # a date of birth: its shape only
    queried = outcome.warnings.set_index("source_row")["rule"].to_dict()
    assert queried == {2: "date_format_unpadded"}
