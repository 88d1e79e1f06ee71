"""The published snapshot explains itself: comments on every table and column, the same in the
Parquet metadata, a catalogue with each table's grain and sources, and the README's example
queries run against it."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from pipelines.publish.catalogue import CHILD_LEVEL_MARTS, GRAIN
from pipelines.settings import PROJECT_ROOT


@pytest.fixture
def snapshot(region):
    with duckdb.connect(str(region.settings.published_dir / "raa.duckdb"), read_only=True) as con:
        yield con


def test_every_table_and_column_has_its_description(snapshot):
    tables = snapshot.execute(
        "select schema_name || '.' || table_name, comment from duckdb_tables()"
    ).fetchall()
    assert len(tables) >= 14
    assert [name for name, comment in tables if not comment] == []
    undescribed = snapshot.execute(
        "select table_name || '.' || column_name from duckdb_columns() "
        "where schema_name in ('marts', 'meta') and (comment is null or comment = '')"
    ).fetchall()
    assert undescribed == []
    # the dbt description, word for word
    (comment,) = snapshot.execute(
        "select comment from duckdb_columns() where table_name = 'scorecard_timeliness' "
        "and column_name = 'is_partial'"
    ).fetchone()
    assert comment.startswith("The window ends after the as-of date")


def test_parquet_files_carry_the_same_descriptions(region, snapshot):
    folder = region.settings.published_dir / "parquet"
    files = sorted(folder.glob("*.parquet"))
    assert files
    for path in files:
        meta = {bytes(key).decode(): bytes(value).decode() for key, value in snapshot.execute(
            "select key, value from parquet_kv_metadata(?)", [str(path)]
        ).fetchall()}  # fmt: skip
        columns = json.loads(meta["column_descriptions"])
        names = [c for (c,) in snapshot.execute(
            "select name from parquet_schema(?) where num_children is null", [str(path)]
        ).fetchall()]  # fmt: skip
        assert meta["description"], path.name
        assert set(names) <= set(columns), path.name


def test_catalogue_lists_every_table_with_a_grain_that_holds(region, snapshot):
    rows = snapshot.execute(
        "select table_name, location, grain, rows, source_submissions from meta.catalogue"
    ).fetchall()
    marts = {name.removeprefix("marts."): rest for name, *rest in rows if name.startswith("marts.")}
    assert set(marts) == set(GRAIN)
    submissions = snapshot.execute(
        "select count(*) from meta.publish_submissions where run_id = "
        "(select run_id from meta.publishes order by published_at desc limit 1)"
    ).fetchone()[0]
    for name, (location, grain, count, sources) in marts.items():
        assert len(sources.split(", ")) == submissions
        path = region.settings.published_dir / location
        with duckdb.connect(str(path), read_only=True) as con:
            total, distinct = con.execute(
                f"select count(*), count(distinct ({grain})) from marts.{name}"
            ).fetchone()
        assert total == count and distinct == total, f"{name} is not unique on {grain}"
        assert (location != "raa.duckdb") == (name in CHILD_LEVEL_MARTS)


def test_meta_tables_have_a_grain_that_holds(snapshot):
    rows = snapshot.execute(
        "select table_name, grain from meta.catalogue where table_name like 'meta.%'"
    ).fetchall()
    assert {name for name, _ in rows} == {
        "meta.publishes", "meta.publish_submissions", "meta.publish_tables",
        "meta.withheld_councils",
    }  # fmt: skip
    for name, grain in rows:
        total, distinct = snapshot.execute(
            f"select count(*), count(distinct ({grain})) from {name}"
        ).fetchone()
        assert distinct == total, f"{name} is not unique on {grain}"


def test_suppression_flags_say_how_a_withheld_cell_differs_from_zero(snapshot):
    """Households, applications and exchanges are counted as well as children: the flags speak
    of counts, and say what a zero and a null with the flag false are."""
    comments = dict(snapshot.execute(
        "select table_name || '.' || column_name, comment from duckdb_columns() "
        "where schema_name = 'marts' and suffix(column_name, '_suppressed')"
    ).fetchall())  # fmt: skip
    assert comments
    assert not [name for name, text in comments.items() if "6 children" in text]
    count = comments["adopter_pipeline.enquiries_suppressed"]
    assert "a count of 1 to 5" in count and "0 is shown as 0" in count
    mean = comments["scorecard_timeliness.a2_mean_days_suppressed"]
    assert "(a2_children)" in mean and "nothing to work it out from" in mean


def readme_queries() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("### For analysts: the snapshot describes itself", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
    return [q.strip() for block in blocks for q in block.split(";") if q.strip()]


def test_readme_example_queries_run_against_the_snapshot(snapshot):
    queries = readme_queries()
    assert len(queries) >= 5
    for query in queries:
        assert snapshot.execute(query).fetchall(), query
