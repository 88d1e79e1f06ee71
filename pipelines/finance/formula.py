"""Load and validate the partnership funding formula (config/funding_formula.yaml).

A formula that does not add up is refused as a whole with a FormulaError listing every problem
found (weights not summing to 1, overlapping versions, unknown drivers, pools or councils...),
so the warehouse never apportions money with a half-valid formula.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from pipelines.finance.model import (
    BASES,
    DRIVERS,
    POOLS,
    SPLIT_METHODS,
    DriverWeight,
    Formula,
    FormulaVersion,
)
from pipelines.finance.tables import write_formula_tables
from pipelines.registry import Registry

__all__ = ["FormulaError", "load_formula", "parse_formula", "write_formula_tables"]

SHARE_TOLERANCE = 1e-9


class FormulaError(ValueError):
    """The funding formula file is missing or does not add up; `problems` lists each reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"funding formula {source} refused:\n{listed}")


def load_formula(path: Path, registry: Registry) -> Formula:
    """Read, validate and return the formula; raise FormulaError naming every problem."""
    path = Path(path)
    if not path.exists():
        raise FormulaError(str(path), ["the file does not exist (see RAA_FUNDING_FORMULA_FILE)"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FormulaError(str(path), [f"not valid YAML: {exc}"]) from exc
    return parse_formula(raw, registry, source=str(path))


def parse_formula(raw: Any, registry: Registry, *, source: str = "<formula>") -> Formula:
    problems: list[str] = []
    entries = raw.get("versions") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise FormulaError(source, ["expected a non-empty list under 'versions:'"])
    versions = []
    for i, entry in enumerate(entries, start=1):
        version = _parse_version(entry, i, registry, problems)
        if version is not None:
            versions.append(version)
    _check_ids_and_overlaps(versions, problems)
    if problems:
        raise FormulaError(source, problems)
    return Formula(versions=tuple(sorted(versions, key=lambda v: v.effective_from)))


def _parse_version(
    entry: Any, index: int, registry: Registry, problems: list[str]
) -> FormulaVersion | None:
    if not isinstance(entry, dict):
        problems.append(f"version #{index} is not a mapping")
        return None
    vid = str(entry.get("id") or "").strip()
    label = f"version {vid!r}" if vid else f"version #{index}"
    before = len(problems)
    if not vid:
        problems.append(f"{label} has no id")
    start = _date(entry, "effective_from", label, problems, required=True)
    end = _date(entry, "effective_to", label, problems, required=False)
    agreed = _date(entry, "agreed_on", label, problems, required=False)
    if start and end and end < start:
        problems.append(f"{label}: effective_to {end} is before effective_from {start}")
    lag = entry.get("demand_lag_years", 0)
    if lag not in (0, 1):
        problems.append(f"{label}: demand_lag_years must be 0 or 1, not {lag!r}")
    partners = _partners(entry.get("partners"), label, registry, problems)
    if start:
        named = entry.get("partners") is not None
        partners = _members_throughout(partners, named, (start, end), label, registry, problems)
    pools = _pools(entry.get("pools"), label, problems)
    drivers = _drivers(entry.get("drivers"), label, problems)
    base_weight, base_shares = _base_share(entry.get("base_share"), label, partners, problems)
    if "formula" in pools.values() and not drivers and base_weight == 0:
        problems.append(f"{label}: a pool is split by formula but the version has no drivers")
    total = sum((d.weight for d in drivers), base_weight)
    if (drivers or base_weight) and total != 1:
        problems.append(
            f"{label}: driver weights{' plus base share' if base_weight else ''} "
            f"sum to {total}, not 1"
        )
    limit = _transitional_limit(entry.get("transitional_limit"), label, problems)
    if len(problems) > before or start is None:
        return None
    return FormulaVersion(
        version_id=vid,
        name=str(entry.get("name") or vid),
        agreed_on=agreed,
        effective_from=start,
        effective_to=end,
        demand_lag_years=int(lag),
        pools=pools,
        drivers=tuple(drivers),
        base_weight=base_weight,
        base_shares=base_shares,
        transitional_limit=limit,
        partners=partners,
    )


def _date(entry: dict, key: str, label: str, problems: list[str], *, required: bool):
    value = entry.get(key)
    if value is None or value == "":
        if required:
            problems.append(f"{label} has no {key}")
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{label}: {key} {value!r} is not a date (YYYY-MM-DD)")
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _partners(value: Any, label: str, registry: Registry, problems: list[str]) -> tuple[str, ...]:
    partner_codes = [c.code for c in registry.partners]
    if value is None:
        return tuple(partner_codes)
    if not isinstance(value, list) or not value:
        problems.append(f"{label}: partners must be a non-empty list of council codes")
        return ()
    for code in value:
        _check_partner(str(code), label, registry, problems)
    return tuple(str(c) for c in value)


def _members_throughout(
    partners: tuple[str, ...],
    named: bool,
    in_force: tuple[dt.date, dt.date | None],
    label: str,
    registry: Registry,
    problems: list[str],
) -> tuple[str, ...]:
    """The partners that were members when the version came into force; a problem for each
    partner whose membership starts or ends while the version is in force. A version applies
    to the same councils throughout, so a council joining or leaving needs a version of its own
    (the partners agree one): otherwise years before a council joined would be apportioned to
    it, or a council would go on paying after it left. That also keeps a council added to the
    registry (with its `joined` date) from rewriting years already closed. Councils that were
    not members at all while it was in force are left out of a default list, and refused from
    a list of `partners` the version names."""
    start, end = in_force
    span = f"{start}..{end or 'open-ended'}"
    members = []
    for code in partners:
        council = registry.get(code) if code in registry.codes else None
        if council is None or council.is_member_on(start):
            members.append(code)
            if council and council.left and (end is None or council.left < end):
                problems.append(
                    f"{label} ({span}): council {code} left the partnership on {council.left}, "
                    f"while this version is in force; end the version on {council.left} or "
                    f"earlier and add a version from {council.left + dt.timedelta(days=1)} "
                    f"without {code}, so that {code} pays nothing after it left"
                )
            continue
        if council.joined and council.joined > start and (end is None or council.joined <= end):
            problems.append(
                f"{label} ({span}): council {code} joined the partnership on {council.joined}, "
                f"while this version is in force; end the version on "
                f"{council.joined - dt.timedelta(days=1)} and add a version from "
                f"{council.joined} that includes {code}, so that years before it joined are "
                f"not apportioned to it"
            )
        elif named:
            problems.append(
                f"{label} ({span}) names council {code} as a partner, but the council registry "
                f"has it a member only {council.joined or 'from the start'}.."
                f"{council.left or 'now'}"
            )
    if partners and not members:
        problems.append(
            f"{label} ({span}): no partner council was a member when it came into force"
        )
    return tuple(members)


def _check_partner(code: str, label: str, registry: Registry, problems: list[str]) -> bool:
    if code not in registry.codes:
        problems.append(f"{label}: unknown council {code!r} (not in the council registry)")
        return False
    if not registry.get(code).is_partner:
        role = registry.get(code).role
        problems.append(
            f"{label}: council {code!r} has role {role!r} and takes no share; "
            "only partner councils can be named"
        )
        return False
    return True


def _pools(value: Any, label: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        problems.append(f"{label}: pools must map each cost pool to its split method")
        return {}
    pools = {}
    for pool, method in value.items():
        if pool not in POOLS:
            problems.append(f"{label}: unknown cost pool {pool!r}; known pools: {', '.join(POOLS)}")
        elif method not in SPLIT_METHODS:
            problems.append(
                f"{label}: pool {pool!r} has unknown split {method!r}; "
                f"use one of {', '.join(SPLIT_METHODS)}"
            )
        else:
            pools[pool] = method
    return pools


def _drivers(value: Any, label: str, problems: list[str]) -> list[DriverWeight]:
    if value is None:
        return []
    if not isinstance(value, dict):
        problems.append(f"{label}: drivers must map each driver to its weight and basis")
        return []
    drivers = []
    for name, spec in value.items():
        if name not in DRIVERS:
            problems.append(
                f"{label}: unknown driver {name!r}; known drivers: {', '.join(DRIVERS)}"
            )
            continue
        spec = spec if isinstance(spec, dict) else {"weight": spec}
        weight = _decimal(spec.get("weight"))
        basis = spec.get("basis", "single_year")
        if weight is None or not 0 < weight <= 1:
            problems.append(
                f"{label}: driver {name!r} weight {spec.get('weight')!r} is not in (0, 1]"
            )
            continue
        if basis not in BASES:
            problems.append(
                f"{label}: driver {name!r} has unknown basis {basis!r}; "
                f"use one of {', '.join(BASES)}"
            )
            continue
        drivers.append(DriverWeight(driver=name, weight=weight, basis=basis))
    return drivers


def _base_share(
    value: Any, label: str, partners: tuple[str, ...], problems: list[str]
) -> tuple[Decimal, dict[str, float]]:
    if value is None:
        return Decimal(0), {}
    weight = _decimal(value.get("weight")) if isinstance(value, dict) else None
    if weight is None or not 0 < weight <= 1:
        problems.append(f"{label}: base_share needs a weight in (0, 1]")
        return Decimal(0), {}
    shares = value.get("shares", "equal")
    if shares == "equal":
        return weight, {code: 1 / len(partners) for code in partners} if partners else {}
    if not isinstance(shares, dict):
        problems.append(f"{label}: base_share shares must be 'equal' or a council -> share map")
        return weight, {}
    result = {}
    for code, share in shares.items():
        if str(code) not in partners:
            problems.append(
                f"{label}: base_share names unknown council {code!r}, "
                f"not one of the partners {', '.join(partners)}"
            )
            continue
        number = _decimal(share)
        if number is None or number < 0:
            problems.append(f"{label}: base_share for {code} is not a share >= 0: {share!r}")
            continue
        result[str(code)] = float(number)
    missing = [code for code in partners if code not in result and code not in map(str, shares)]
    if missing:
        problems.append(f"{label}: base_share is missing partner council(s) {', '.join(missing)}")
    elif result and abs(sum(result.values()) - 1) > SHARE_TOLERANCE:
        problems.append(f"{label}: base shares sum to {sum(result.values()):g}, not 1")
    return weight, result


def _transitional_limit(value: Any, label: str, problems: list[str]) -> Decimal | None:
    if value is None:
        return None
    limit = _decimal(value)
    if limit is None or not 0 < limit <= 1:
        problems.append(f"{label}: transitional_limit {value!r} must be share points in (0, 1]")
        return None
    return limit


def _check_ids_and_overlaps(versions: list[FormulaVersion], problems: list[str]) -> None:
    ids = [v.version_id for v in versions]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"version id {dup!r} is used twice")
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for i, earlier in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if earlier.effective_to is None or later.effective_from <= earlier.effective_to:
                end = earlier.effective_to or "open-ended"
                problems.append(
                    f"versions {earlier.version_id!r} ({earlier.effective_from}..{end}) and "
                    f"{later.version_id!r} (from {later.effective_from}) have overlapping "
                    "effective date ranges"
                )
    # A year is apportioned by the version in force on its 1 April: none there, and the year's
    # budgets would be apportioned by nobody.
    for earlier, later in pairwise(ordered):
        if earlier.effective_to is None or later.effective_from <= earlier.effective_to:
            continue
        end = earlier.effective_to
        first_april = dt.date(end.year + (end.month >= 4), 4, 1)  # the first after its end
        if first_april < later.effective_from:
            problems.append(
                f"no version is in force on {first_april:%d %B %Y}, between "
                f"{earlier.version_id!r} (to {earlier.effective_to}) and {later.version_id!r} "
                f"(from {later.effective_from}): each year is apportioned by the version in "
                "force on its 1 April"
            )
