"""The funding formula file: the shipped demo loads, and every kind of broken formula is refused
with a message that names the problem."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.finance.formula import FormulaError, load_formula, parse_formula
from pipelines.finance.formula import write_formula_tables as write_tables
from pipelines.registry import Council, Registry, load_registry
from pipelines.settings import PROJECT_ROOT


def test_shipped_formula_loads_against_shipped_registry():
    registry = load_registry(PROJECT_ROOT / "config" / "councils.yaml")
    formula = load_formula(PROJECT_ROOT / "config" / "funding_formula.yaml", registry)
    ids = [v.version_id for v in formula.versions]
    assert ids == ["2019-original", "2022-revised"]
    assert formula.version_for_year("2021-22").version_id == "2019-original"
    assert formula.version_for_year("2022-23").version_id == "2022-revised"
    assert formula.version_for_year("2018-19") is None
    # the agency's own case system (role agency) takes no share
    assert "RAA" not in formula.get("2022-revised").partners
    for version in formula.versions:
        assert sum(d.weight for d in version.drivers) + version.base_weight == 1


def test_valid_formula_parses(valid_formula, registry):
    formula = parse_formula(valid_formula, registry)
    v2022 = formula.get("v2022")
    assert v2022.effective_to is None
    assert v2022.base_weight == Decimal("0.1")
    assert v2022.partners == ("AAA", "BBB", "CCC")
    assert v2022.drivers[0].window_years == 3
    assert formula.get("v2019").covers(dt.date(2022, 3, 31))


def test_equal_base_share_is_one_over_partners(valid_formula, registry):
    valid_formula["versions"][1]["base_share"]["shares"] = "equal"
    shares = parse_formula(valid_formula, registry).get("v2022").base_shares
    assert shares == pytest.approx({"AAA": 1 / 3, "BBB": 1 / 3, "CCC": 1 / 3})


def refused(raw, registry) -> str:
    with pytest.raises(FormulaError) as info:
        parse_formula(raw, registry, source="test.yaml")
    return str(info.value)


def test_weights_not_summing_to_one(valid_formula, registry):
    valid_formula["versions"][0]["drivers"]["adm_decisions"]["weight"] = 0.4
    message = refused(valid_formula, registry)
    assert "version 'v2019': driver weights sum to 0.9, not 1" in message


def test_weights_plus_base_share_not_summing_to_one(valid_formula, registry):
    valid_formula["versions"][1]["base_share"]["weight"] = 0.2  # 0.6 + 0.3 + 0.2 = 1.1
    assert "driver weights plus base share sum to 1.1, not 1" in refused(valid_formula, registry)


def test_overlapping_date_ranges(valid_formula, registry):
    valid_formula["versions"][1]["effective_from"] = "2022-03-01"
    message = refused(valid_formula, registry)
    assert "'v2019' (2019-04-01..2022-03-31) and 'v2022' (from 2022-03-01)" in message
    assert "overlapping effective date ranges" in message


def test_a_gap_over_a_first_of_april_is_refused(valid_formula, registry):
    """v2019 ends 31 March 2022, v2022 would start 1 October 2022: 2022-23 would have no
    version in force on its 1 April, and its budgets no one to apportion them."""
    valid_formula["versions"][1]["effective_from"] = "2022-10-01"
    assert "no version is in force on 01 April 2022, between 'v2019'" in refused(
        valid_formula, registry
    )


def test_a_gap_between_first_aprils_is_allowed(valid_formula, registry):
    valid_formula["versions"][0]["effective_to"] = "2022-04-30"
    valid_formula["versions"][1]["effective_from"] = "2022-09-01"
    assert parse_formula(valid_formula, registry)


def test_open_ended_version_overlaps_any_later_one(valid_formula, registry):
    valid_formula["versions"][0]["effective_to"] = None
    assert "'v2019' (2019-04-01..open-ended)" in refused(valid_formula, registry)


def test_range_ending_before_it_starts(valid_formula, registry):
    valid_formula["versions"][0]["effective_to"] = "2019-03-31"
    assert "effective_to 2019-03-31 is before effective_from 2019-04-01" in refused(
        valid_formula, registry
    )


def test_unknown_driver(valid_formula, registry):
    valid_formula["versions"][0]["drivers"]["adoption_orders"] = {"weight": 0.1}
    assert "unknown driver 'adoption_orders'" in refused(valid_formula, registry)


def test_unknown_pool(valid_formula, registry):
    valid_formula["versions"][0]["pools"]["training"] = "formula"
    assert "unknown cost pool 'training'" in refused(valid_formula, registry)


def test_unknown_split_method(valid_formula, registry):
    valid_formula["versions"][0]["pools"]["locality_hub"] = "equal"
    assert "pool 'locality_hub' has unknown split 'equal'" in refused(valid_formula, registry)


def test_unknown_basis(valid_formula, registry):
    valid_formula["versions"][0]["drivers"]["adm_decisions"]["basis"] = "rolling_5yr"
    assert "unknown basis 'rolling_5yr'" in refused(valid_formula, registry)


def test_unknown_council_in_base_share(valid_formula, registry):
    valid_formula["versions"][1]["base_share"]["shares"] = {
        "AAA": 0.5, "BBB": 0.3, "CCC": 0.1, "ZZZ": 0.1,
    }  # fmt: skip
    assert "base_share names unknown council 'ZZZ'" in refused(valid_formula, registry)


def test_partner_missing_from_base_share(valid_formula, registry):
    valid_formula["versions"][1]["base_share"]["shares"] = {"AAA": 0.5, "BBB": 0.5}
    assert "base_share is missing partner council(s) CCC" in refused(valid_formula, registry)


def test_base_shares_not_summing_to_one(valid_formula, registry):
    valid_formula["versions"][1]["base_share"]["shares"]["CCC"] = 0.3
    assert "base shares sum to 1.1, not 1" in refused(valid_formula, registry)


def test_unknown_council_in_partners(valid_formula, registry):
    valid_formula["versions"][0]["partners"] = ["AAA", "BBB", "XYZ"]
    assert "unknown council 'XYZ' (not in the council registry)" in refused(valid_formula, registry)


def test_agency_cannot_be_a_partner(valid_formula, registry):
    valid_formula["versions"][0]["partners"] = ["AAA", "RAA"]
    assert "council 'RAA' has role 'agency' and takes no share" in refused(valid_formula, registry)


def test_transitional_limit_out_of_range(valid_formula, registry):
    valid_formula["versions"][1]["transitional_limit"] = 5  # meant 5%, written as 5 points
    assert "transitional_limit 5 must be share points in (0, 1]" in refused(valid_formula, registry)


def test_formula_pool_without_drivers(valid_formula, registry):
    del valid_formula["versions"][0]["drivers"]
    assert "split by formula but the version has no drivers" in refused(valid_formula, registry)


def test_duplicate_version_ids(valid_formula, registry):
    valid_formula["versions"][1]["id"] = "v2019"
    assert "version id 'v2019' is used twice" in refused(valid_formula, registry)


def test_every_problem_is_listed_at_once(valid_formula, registry):
    valid_formula["versions"][0]["drivers"]["adm_decisions"]["weight"] = 0.4
    valid_formula["versions"][1]["pools"]["training"] = "formula"
    with pytest.raises(FormulaError) as info:
        parse_formula(valid_formula, registry)
    assert len(info.value.problems) == 2


def test_missing_and_malformed_files(tmp_path: Path, registry):
    with pytest.raises(FormulaError, match="does not exist"):
        load_formula(tmp_path / "nope.yaml", registry)
    bad = tmp_path / "bad.yaml"
    bad.write_text("versions: [unclosed", encoding="utf-8")
    with pytest.raises(FormulaError, match="not valid YAML"):
        load_formula(bad, registry)
    bad.write_text("name: no versions here\n", encoding="utf-8")
    with pytest.raises(FormulaError, match="non-empty list under 'versions:'"):
        load_formula(bad, registry)


def test_formula_tables_written_to_reference_schema(tmp_path: Path, valid_formula, registry):
    path = tmp_path / "formula.yaml"
    path.write_text(yaml.safe_dump(valid_formula), encoding="utf-8")
    formula = load_formula(path, registry)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_tables(con, formula)
    write_tables(con, formula)  # rewriting replaces, never duplicates
    drivers = con.sql(
        "select driver, weight, basis, window_years from reference.formula_drivers "
        "where version_id = 'v2022' order by driver"
    ).fetchall()
    assert drivers == [
        ("approvals", Decimal("0.3"), "single_year", 1),
        ("fixed_base", Decimal("0.1"), "fixed", 0),
        ("placement_orders", Decimal("0.6"), "rolling_3yr", 3),
    ]
    weights = con.sql(
        "select version_id, sum(weight) from reference.formula_drivers group by all order by 1"
    ).fetchall()
    assert weights == [("v2019", Decimal(1)), ("v2022", Decimal(1))]
    assert con.sql("select count(*) from reference.formula_base_shares").fetchone() == (3,)
    assert con.sql("select count(*) from reference.formula_partners").fetchone() == (6,)
    row = con.sql(
        "select effective_to, transitional_limit from reference.formula_versions "
        "where version_id = 'v2022'"
    ).fetchone()
    assert row == (None, Decimal("0.05"))


def _with_membership(registry, code, **dates):
    councils = tuple(replace(c, **dates) if c.code == code else c for c in registry.councils)
    return replace(registry, councils=councils)


def test_a_council_that_joined_later_bears_no_share_of_earlier_versions(valid_formula, registry):
    """DDD joins on 2022-04-01, the day v2022 starts: v2019 (2019-22, years already closed)
    keeps its three partners and equal base shares of a third; v2022 has four."""
    joined = Registry(
        registry.partnership_code, registry.partnership_name,
        (*registry.councils, Council("DDD", "Council D", "ssda903", joined=dt.date(2022, 4, 1))),
    )  # fmt: skip
    valid_formula["versions"][0]["base_share"] = {"weight": 0.1, "shares": "equal"}
    valid_formula["versions"][0]["drivers"]["adm_decisions"]["weight"] = 0.4
    valid_formula["versions"][1]["base_share"]["shares"] = "equal"
    formula = parse_formula(valid_formula, joined)
    assert formula.get("v2019").partners == ("AAA", "BBB", "CCC")
    assert formula.get("v2019").base_shares == pytest.approx(
        dict.fromkeys(("AAA", "BBB", "CCC"), 1 / 3)
    )
    assert formula.get("v2022").partners == ("AAA", "BBB", "CCC", "DDD")


def test_a_council_joining_while_a_version_is_in_force_is_refused(valid_formula, registry):
    joined = Registry(
        registry.partnership_code, registry.partnership_name,
        (*registry.councils, Council("DDD", "Council D", "ssda903", joined=dt.date(2025, 4, 1))),
    )  # fmt: skip
    message = refused(valid_formula, joined)
    assert (
        "version 'v2022' (2022-04-01..open-ended): council DDD joined the partnership on "
        "2025-04-01, while this version is in force; end the version on 2025-03-31 and add a "
        "version from 2025-04-01 that includes DDD" in message
    )
    assert "v2019" not in message


def test_a_version_adding_a_council_mid_year_says_that_year_is_not_its(valid_formula, registry):
    """The newcomer probe added DDD (joined 2025-11-01) and the version from that day the
    refusal asked for: DDD paid nothing towards 2025-26, with no word. A year is apportioned by
    the version in force on its 1 April: now said, as a warning of the formula's load."""
    joined = Registry(
        registry.partnership_code, registry.partnership_name,
        (*registry.councils, Council("DDD", "Council D", "ssda903", joined=dt.date(2025, 11, 1))),
    )  # fmt: skip
    original = copy.deepcopy(valid_formula)
    later = copy.deepcopy(valid_formula["versions"][1])
    later.update(id="v2025b", effective_from="2025-11-01")
    later["base_share"]["shares"] = "equal"
    valid_formula["versions"][1]["effective_to"] = "2025-10-31"
    valid_formula["versions"].append(later)
    formula = parse_formula(valid_formula, joined)
    assert formula.version_for_year("2025-26").version_id == "v2022"
    assert formula.mid_year_notes() == [
        "version 'v2025b' starts on 2025-11-01, within 2025-26: that year is apportioned by "
        "'v2022' (in force on its 1 April), so DDD pay(s) nothing towards 2025-26; 'v2025b' "
        "apportions the years from the next 1 April"
    ]
    assert parse_formula(original, registry).mid_year_notes() == []


def test_a_council_leaving_while_a_version_is_in_force_is_refused(valid_formula, registry):
    left = _with_membership(registry, "CCC", left=dt.date(2024, 3, 31))
    message = refused(valid_formula, left)
    assert (
        "version 'v2022' (2022-04-01..open-ended): council CCC left the partnership on "
        "2024-03-31, while this version is in force; end the version on 2024-03-31 or earlier "
        "and add a version from 2024-04-01 without CCC" in message
    )
    valid_formula["versions"][1]["effective_to"] = "2024-03-31"
    valid_formula["versions"][1]["base_share"]["shares"] = "equal"
    valid_formula["versions"].append(
        {**copy.deepcopy(valid_formula["versions"][1]), "id": "v2024",
         "effective_from": "2024-04-01", "effective_to": None}
    )  # fmt: skip
    formula = parse_formula(valid_formula, left)
    assert formula.get("v2022").partners == ("AAA", "BBB", "CCC")
    assert formula.get("v2024").partners == ("AAA", "BBB")
    assert formula.get("v2024").base_shares == pytest.approx({"AAA": 0.5, "BBB": 0.5})


def test_a_named_partner_that_was_not_a_member_is_refused(valid_formula, registry):
    left = _with_membership(registry, "CCC", left=dt.date(2020, 3, 31))
    valid_formula["versions"][1]["partners"] = ["AAA", "BBB", "CCC"]
    assert (
        "version 'v2022' (2022-04-01..open-ended) names council CCC as a partner, but the "
        "council registry has it a member only from the start..2020-03-31"
        in refused(valid_formula, left)
    )
