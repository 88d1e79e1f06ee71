"""A warehouse keeps the pseudonym key its children were first loaded with: a load under another
key is refused before anything is written, and says so without showing either key."""

from __future__ import annotations

import pytest

from pipelines.ingest.pseudonym_key import PseudonymKeyChanged, check_value
from tests.ingest.helpers import GOOD_EPISODES, GOOD_HEADER, ingest_files

FIRST = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
# The next export: one child more, so it is loaded rather than `unchanged`.
NEXT = {
    "h.csv": GOOD_HEADER + "C3,1,03/03/2021,WBRI,,,\n",
    "e.csv": GOOD_EPISODES + "C3,05/09/2021,S,V2,N4,U1,PR1,,,,,,\n",
}


def _stored(con) -> list:
    return con.sql(
        "select submission_id, count(*) from canonical.children group by all order by all"
    ).fetchall()


def test_the_first_load_records_the_key_and_the_same_key_loads_again(settings, registry,
                                                                      warehouse):  # fmt: skip
    assert ingest_files(warehouse, settings, registry, "NTH", FIRST).status == "loaded"
    key = settings.pseudonym_key.get_secret_value()
    recorded = warehouse.sql("select check_value from audit.pseudonym_key").fetchall()
    assert recorded == [(check_value(key),)]
    assert key not in recorded[0][0]
    assert ingest_files(warehouse, settings, registry, "NTH", NEXT, "s2").status == "loaded"
    assert warehouse.sql("select count(*) from audit.pseudonym_key").fetchone()[0] == 1


def test_a_load_under_another_key_is_refused_and_changes_nothing(settings, registry, warehouse):
    ingest_files(warehouse, settings, registry, "NTH", FIRST)
    before = _stored(warehouse), warehouse.sql("select * from audit.submissions").fetchall()
    other = settings.model_copy(update={"pseudonym_key": type(settings.pseudonym_key)("rotated")})
    with pytest.raises(PseudonymKeyChanged) as refused:
        ingest_files(warehouse, other, registry, "NTH", NEXT, "s2")
    after = _stored(warehouse), warehouse.sql("select * from audit.submissions").fetchall()
    assert after == before
    message = str(refused.value)
    assert "RAA_PSEUDONYM_KEY" in message and "raa rebuild" in message
    assert "rotated" not in message and "test-key" not in message


def test_check_values_differ_by_key_and_do_not_show_it():
    assert check_value("k1") == check_value("k1") != check_value("k2")
    assert len(check_value("k1")) == 32 and "k1" not in check_value("k1")
