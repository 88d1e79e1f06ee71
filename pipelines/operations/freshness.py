"""How old each council's last accepted submission is, against the freshness limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

LAST_ACCEPTED_SQL = """
select council_code, arg_max(submission_id, received_at) as submission_id,
    max(received_at) as received_at
from audit.submissions
where status = 'loaded'
group by council_code
"""


@dataclass(frozen=True)
class CouncilFreshness:
    council_code: str
    submission_id: str | None
    received_at: datetime | None
    age_days: float | None
    limit_days: float

    @property
    def is_stale(self) -> bool:
        return self.age_days is None or self.age_days > self.limit_days

    @property
    def problem(self) -> str:
        if self.received_at is None:
            return f"{self.council_code} has never had a submission accepted."
        return (
            f"{self.council_code}'s last accepted submission ({self.submission_id}, received "
            f"{self.received_at:%Y-%m-%d %H:%M}) is {self.age_days:.1f} days old; the limit is "
            f"{self.limit_days:g} days."
        )


def council_freshness(
    con: duckdb.DuckDBPyConnection, codes: list[str], limit_days: float, now: datetime
) -> list[CouncilFreshness]:
    last = {row[0]: row[1:] for row in con.execute(LAST_ACCEPTED_SQL).fetchall()}
    found = []
    for code in codes:
        submission_id, received_at = last.get(code, (None, None))
        age = (now - received_at).total_seconds() / 86400 if received_at else None
        found.append(CouncilFreshness(code, submission_id, received_at, age, limit_days))
    return found
