"""The contract for `submission.yaml`, the optional note a council puts beside its export.

    reference_date: 2025-03-31   # the date the export was taken: no date in it may be later
    collection_year: 2024        # the 903 collection year, 2024 for 2024-25 ("2024-25" also reads)
    fewer_rows_expected: true    # a table far smaller than in the return in use is meant to be

Every problem is named at once, in words for the council's data officer; a submission whose note
breaks the contract is refused as a whole (its dates would be judged against the wrong day).

What the council typed is never repeated in clear: a date that is not a valid export date may be
a date of birth typed in the wrong place, so it is shown by its shape ('99/99/9999'); any other
value, and a setting the note cannot hold, through council_text.safe_text (an NHS number, a
postcode or a date in it by its shape).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pydantic
import yaml

from data_contracts.council_text import printable, safe_text, shape_of

META_FILE = "submission.yaml"
MAX_META_BYTES = 64 * 1024  # a note of two settings; anything bigger is not one
YEAR_TEXT = re.compile(r"^\s*(\d{4})\s*(?:[-/]\s*(\d{2}|\d{4}))?\s*$")


class _DatesAsText(yaml.SafeLoader):
    """YAML without its own date parsing: an impossible date like 2025-02-30 would otherwise
    raise while the file is parsed, not be named by the contract."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _blank(value: Any) -> bool:
    """A setting left empty (`reference_date:` with nothing after it) means "not stated"."""
    return value is None or (isinstance(value, str) and not value.strip())


class SubmissionMeta(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    reference_date: date | None = None
    collection_year: int | None = None
    # The council says a table much smaller than in its return in use (or sent empty) is meant
    # to be: records archived or moved to another system (pipelines.ingest.usable).
    fewer_rows_expected: bool | None = None

    @pydantic.field_validator("reference_date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> date | None:
        if _blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"'{_date_shown(text)}' is not a real date") from None
        raise ValueError(
            f"'{_date_shown(text)}' is not a valid export date (not a date written as "
            "yyyy-mm-dd, e.g. 2025-03-31)"
        )

    @pydantic.field_validator("reference_date")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        if value is not None and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
            raise ValueError(f"{_date_shown(value.isoformat())} is not a plausible export date")
        return value

    @pydantic.field_validator("collection_year", mode="before")
    @classmethod
    def _year(cls, value: Any) -> int | None:
        if _blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not a year")  # True or False
        if isinstance(value, int):
            year = value
        else:
            found = YEAR_TEXT.match(str(value))
            if not found:
                raise ValueError(
                    f"'{safe_text(value)}' is not a collection year: write the year it starts, "
                    "e.g. 2024 (or 2024-25)"
                )
            year = int(found.group(1))
            end = found.group(2)
            if end and int(end[-2:]) != (year + 1) % 100:
                raise ValueError(f"'{safe_text(value)}' is not a collection year: {year} is "
                                 f"followed by {year + 1}")  # fmt: skip
        if not 2000 <= year <= 2100:
            raise ValueError(f"{year} is not a plausible collection year")
        return year


def read_meta(data: bytes) -> tuple[SubmissionMeta, list[str]]:
    """The note's settings, and every problem with it (then the settings are the defaults)."""
    where = META_FILE
    if len(data) > MAX_META_BYTES:
        return SubmissionMeta(), [f"{where} is {len(data):,} bytes; a note of at most "
                                  f"{MAX_META_BYTES:,} bytes is expected."]  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return SubmissionMeta(), [f"{where} is not UTF-8 text."]
    try:
        raw = yaml.load(text, Loader=_DatesAsText)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        return SubmissionMeta(), [
            f"{where} is not valid YAML{line}: write one setting per line, like "
            "'reference_date: 2025-03-31'."
        ]
    if raw is None:
        return SubmissionMeta(), []
    if not isinstance(raw, dict):
        return SubmissionMeta(), [
            f"{where} should hold settings like 'reference_date: 2025-03-31', one per line."
        ]
    try:
        return SubmissionMeta.model_validate({str(k): v for k, v in raw.items()}), []
    except pydantic.ValidationError as errors:
        return SubmissionMeta(), [_describe(error) for error in errors.errors()]


def _date_shown(text: str) -> str:
    """A reference_date that is not a valid export date, by its shape (and cut): it may be a
    child's date of birth typed in the wrong place, or anything else."""
    return safe_text(shape_of(printable(text)))


def _describe(error: dict) -> str:
    field = safe_text(".".join(str(part) for part in error["loc"])) or "the note"
    if error["type"] == "extra_forbidden":
        known = ", ".join(SubmissionMeta.model_fields)
        return f"{META_FILE}: '{field}' is not a setting it can hold (it can hold {known})."
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{META_FILE}: {field}: {message}."
