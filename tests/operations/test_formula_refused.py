"""A funding formula the registry no longer fits (a council joined, the partners' new version
not added yet) is refused, and the night goes on with the last good formula: it stopped every
council's build and publish (newcomer probe), where the README promised it would not."""

from __future__ import annotations

import duckdb

from pipelines.publish.layout import published_database
from pipelines.run import run_pipeline
from pipelines.settings import DEFAULT_COUNCILS_FILE, Settings

NEW_COUNCIL = """
  - code: NEW
    name: Newfield District Council (test)
    dialect: ssda903
    joined: 2026-11-01
"""


def _apportioned(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(published_database(settings.published_dir)), read_only=True) as con:
        return con.execute(
            "select financial_year, council_code, sum(contribution_gbp) "
            "from marts.cost_apportionment group by all order by all"
        ).fetchall()


def test_a_refused_formula_keeps_the_last_good_one_and_the_night_goes_on(copied, monkeypatch):
    before = _apportioned(copied)
    councils = copied.warehouse_dir / "councils.yaml"
    councils.write_text(DEFAULT_COUNCILS_FILE.read_text() + NEW_COUNCIL)
    monkeypatch.setenv("RAA_COUNCILS_FILE", str(councils))
    settings = Settings.from_env()
    said: list[str] = []

    report = run_pipeline(settings, progress=said.append, rebuild=True)

    assert report.built, said
    text = "\n".join(said)
    assert "council NEW joined the partnership on 2026-11-01" in text
    assert "The last good formula" in text and "stays in use tonight" in text
    assert "warehouse built and published" in text
    assert _apportioned(settings) == before  # NEW is in no version yet: pays nothing
