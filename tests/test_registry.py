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


def test_membership_dates_are_read_and_checked(tmp_path):
    path = tmp_path / "councils.yaml"
    path.write_text(
        "councils:\n  - {code: AAA, name: A, dialect: ssda903, joined: 2021-04-01, left: 2024-03-31}\n"
        "  - {code: BBB, name: B, dialect: ssda903}\n",
        encoding="utf-8",
    )
    aaa, bbb = load_registry(path).councils
    assert (aaa.joined, aaa.left) == (dt.date(2021, 4, 1), dt.date(2024, 3, 31))
    assert [aaa.is_member_on(dt.date(d, 4, 1)) for d in (2020, 2021, 2023, 2024)] == [
        False, True, True, False]  # fmt: skip
    assert bbb.is_member_on(dt.date(1990, 1, 1))
    path.write_text(
        "councils:\n  - {code: AAA, name: A, dialect: ssda903, joined: 2024-04-01, left: 2021-03-31}\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match=r"council AAA left \(2021-03-31\) before it joined"):
        load_registry(path)
