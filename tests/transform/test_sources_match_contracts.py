"""dbt's sources YAML for the canonical tables says what the pandera contracts say: the same
tables, columns (in the stored order) and descriptions (a doc() reference read from docs.md)."""

import re

import pytest
import yaml

from data_contracts.tables import TABLES, stored_columns
from pipelines.settings import DBT_PROJECT_DIR

SOURCES = DBT_PROJECT_DIR / "models" / "staging" / "canonical" / "_canonical__sources.yml"
DOC_REFERENCE = re.compile(r"""^\{\{\s*doc\(["'](\w+)["']\)\s*\}\}$""")


def doc_blocks() -> dict[str, str]:
    text = "\n".join(p.read_text() for p in (DBT_PROJECT_DIR / "models").rglob("*.md"))
    found = re.findall(r"\{%\s*docs\s+(\w+)\s*%\}(.*?)\{%\s*enddocs\s*%\}", text, flags=re.DOTALL)
    return {name: " ".join(body.split()) for name, body in found}


def rendered(description: str | None, blocks: dict[str, str]) -> str:
    text = " ".join((description or "").split())
    reference = DOC_REFERENCE.match(text)
    return blocks[reference.group(1)] if reference else text


def source_tables() -> dict[str, dict]:
    sources = yaml.safe_load(SOURCES.read_text())["sources"]
    canonical = next(s for s in sources if s["name"] == "canonical")
    return {t["name"]: t for t in canonical["tables"] if t["name"] != "councils"}


def test_every_contract_is_a_source_and_nothing_else():
    assert set(source_tables()) == set(TABLES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_columns_and_descriptions_agree(name):
    blocks = doc_blocks()
    table, source = TABLES[name], source_tables()[name]
    assert [c["name"] for c in source["columns"]] == [c for c, _ in stored_columns(table)]
    assert rendered(source.get("description"), blocks) == " ".join(table.description.split())
    contract = {c.name: " ".join(c.description.split()) for c in table.columns}
    for column in source["columns"]:
        if column["name"] in contract:
            assert rendered(column.get("description"), blocks) == contract[column["name"]], (
                f"{name}.{column['name']}"
            )
