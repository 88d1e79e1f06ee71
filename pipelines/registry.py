"""The council registry: one YAML file listing who submits and in which dialect."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from data_contracts.profiles import available_dialects

CODE_PATTERN = re.compile(r"^[A-Z0-9]{2,10}$")
ROLES = ("partner", "agency")


class RegistryError(ValueError):
    """The council registry file is missing or malformed."""


@dataclass(frozen=True)
class Council:
    code: str
    name: str
    dialect: str
    role: str = "partner"
    hub: str | None = None
    contact: str | None = None
    # Membership of the partnership: first and last day (None = a founding partner / still in).
    joined: dt.date | None = None
    left: dt.date | None = None

    @property
    def is_partner(self) -> bool:
        return self.role == "partner"

    def is_member_on(self, day: dt.date) -> bool:
        return (self.joined is None or self.joined <= day) and (
            self.left is None or day <= self.left
        )


@dataclass(frozen=True)
class Registry:
    partnership_code: str
    partnership_name: str
    councils: tuple[Council, ...]
    # The day the partnership started (marts compare before and since); None when not given.
    partnership_launched: dt.date | None = None

    def membership(self) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """Each partner council's first and last day in the partnership (None: no bound)."""
        return {c.code: (c.joined, c.left) for c in self.councils if c.is_partner}

    def names(self) -> dict[str, str]:
        """Each council's name by its code (the codes every table shows)."""
        return {c.code: c.name for c in self.councils}

    def departed(self, day: dt.date) -> dict[str, dt.date]:
        """The councils that left the partnership before `day`, with their last day."""
        return {c.code: c.left for c in self.councils if c.left is not None and c.left < day}

    def get(self, code: str) -> Council:
        for council in self.councils:
            if council.code == code:
                return council
        raise KeyError(f"council {code!r} is not in the registry")

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.councils]

    @property
    def partners(self) -> list[Council]:
        return [c for c in self.councils if c.is_partner]


def load_registry(path: Path) -> Registry:
    if not path.exists():
        raise RegistryError(f"council registry {path} does not exist (see RAA_COUNCILS_FILE)")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = raw.get("councils")
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{path}: expected a non-empty list under 'councils:'")
    dialects = available_dialects()
    councils = []
    for i, entry in enumerate(entries, start=1):
        missing = [k for k in ("code", "name", "dialect") if not entry.get(k)]
        if missing:
            raise RegistryError(f"{path}: council #{i} is missing {', '.join(missing)}")
        code = str(entry["code"])
        if not CODE_PATTERN.match(code):
            raise RegistryError(f"{path}: council code {code!r} must be 2-10 capitals or digits")
        if entry["dialect"] not in dialects:
            raise RegistryError(
                f"{path}: council {code} has unknown dialect {entry['dialect']!r}; "
                f"known dialects: {', '.join(sorted(dialects))}"
            )
        role = entry.get("role", "partner")
        if role not in ROLES:
            raise RegistryError(f"{path}: council {code} has role {role!r}; use one of {ROLES}")
        joined = _date(path, f"council {code}", "joined", entry.get("joined"))
        left = _date(path, f"council {code}", "left", entry.get("left"))
        if joined and left and left < joined:
            raise RegistryError(f"{path}: council {code} left ({left}) before it joined ({joined})")
        councils.append(
            Council(
                code=code,
                name=str(entry["name"]),
                dialect=entry["dialect"],
                role=role,
                hub=entry.get("hub"),
                contact=entry.get("contact"),
                joined=joined,
                left=left,
            )
        )
    codes = [c.code for c in councils]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise RegistryError(f"{path}: council codes listed twice: {', '.join(duplicates)}")
    partnership = raw.get("partnership") or {}
    return Registry(
        partnership_code=partnership.get("code", "REGION"),
        partnership_name=partnership.get("name", "Regional Adoption Partnership"),
        councils=tuple(councils),
        partnership_launched=_date(path, "partnership", "launched", partnership.get("launched")),
    )


def _date(path: Path, owner: str, key: str, value: object) -> dt.date | None:
    """A date as YAML reads it (2020-11-01), or nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RegistryError(
            f"{path}: {owner} '{key}: {value}' is not a date; write it as 2020-11-01"
        ) from None
