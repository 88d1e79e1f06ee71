"""The council registry's partnership entry: its launch date."""

import datetime as dt

import pytest

from pipelines.registry import RegistryError, load_registry

COUNCILS = """
councils:
  - {code: AAA, name: Council A, dialect: ssda903}
"""


def registry_with(tmp_path, partnership: str):
    path = tmp_path / "councils.yaml"
    path.write_text(partnership + COUNCILS, encoding="utf-8")
    return load_registry(path)


def test_launch_date_is_read(tmp_path):
    registry = registry_with(tmp_path, "partnership: {code: REGION, name: P, launched: 2020-11-01}")
    assert registry.partnership_launched == dt.date(2020, 11, 1)


def test_launch_date_is_optional(tmp_path):
    assert (
        registry_with(tmp_path, "partnership: {code: REGION, name: P}").partnership_launched is None
    )


def test_unreadable_launch_date_names_the_fix(tmp_path):
    with pytest.raises(RegistryError, match="'launched: 1/11/2020' is not a date; write it as"):
        registry_with(tmp_path, "partnership: {code: REGION, name: P, launched: 1/11/2020}")
