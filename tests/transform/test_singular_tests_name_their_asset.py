"""A singular dbt test reading several models names the one it checks, or dagster-dbt logs it as
an observation with a warning on every night's terminal instead of an asset check."""

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).parents[2] / "dbt_project" / "tests"
SINGULAR = sorted(TESTS.rglob("*.sql"))


@pytest.mark.parametrize("path", SINGULAR, ids=lambda p: p.stem)
def test_a_singular_test_over_several_models_names_its_asset(path):
    text = path.read_text()
    refs = set(re.findall(r"ref\(\s*'([^']+)'", text))
    if len(refs) > 1:
        assert re.search(r"meta=\{'dagster': \{'ref': \{'name': '[^']+'\}\}\}", text), (
            f"{path.name} reads {sorted(refs)}: add "
            "{{ config(meta={'dagster': {'ref': {'name': '<model it checks>'}}}) }}"
        )
