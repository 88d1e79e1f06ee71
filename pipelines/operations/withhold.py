"""Withholding a council whose data breaks a dbt test, so the night publishes everyone else.

When the nightly `dbt build` fails, `attribute_failures` reads its run_results.json: every failed
test is run again (its compiled SQL) against the warehouse and its failing rows are attributed to
councils, by a `council_code` column or a key built as `<council>:...` (journey, period, match and
child keys). Only registry council codes count; rows of the partnership total (REGION) are carried
by the councils beside them. If every failure is a test whose rows all name a council, the build
runs again with those councils withheld (dbt var `withheld_councils`, which every staging model of
council data filters on: macros/withheld.sql), and `record_withheld` keeps why in
`audit.withheld_councils`. Publishing then carries the withheld councils' rows over from the
previous snapshot (pipelines/publish/snapshot.py). Anything else (a model that errors, a test row
naming no council) fails the night as before.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.warehouse import AUDIT_DDL, connect, ensure_audit

KEY_PREFIX = re.compile(r"^([A-Z0-9]{2,10}):")
FAILED = ("fail", "error")
SAMPLE_ROWS = 10_000  # failing rows read per test to attribute it


@dataclass
class FailedTest:
    unique_id: str
    name: str
    status: str
    message: str
    councils: set[str] = field(default_factory=set)
    unattributed: str | None = None  # why the rows could not all be given to a council

    @property
    def attributed(self) -> bool:
        return self.unattributed is None and bool(self.councils)

    def in_words(self) -> str:
        return f"the check `{self.name}` found rows that break it ({self.message.strip()})"


@dataclass
class Attribution:
    tests: list[FailedTest]
    other_failures: list[str]  # models, seeds or snapshots that errored: never withheld

    @property
    def councils(self) -> set[str]:
        return set().union(*(t.councils for t in self.tests)) if self.tests else set()

    @property
    def can_withhold(self) -> bool:
        return (
            bool(self.tests) and not self.other_failures and all(t.attributed for t in self.tests)
        )

    def why_not(self) -> str:
        if self.other_failures:
            return "a model failed to build, not a test: " + ", ".join(self.other_failures)
        if not self.tests:
            return "no failed test was found in run_results.json"
        return "; ".join(f"{t.name}: {t.unattributed or 'no council named'}"
                         for t in self.tests if not t.attributed)  # fmt: skip

    def tests_of(self, council: str) -> list[FailedTest]:
        return [t for t in self.tests if council in t.councils]


def _test_name(result: dict, manifest_nodes: dict) -> str:
    node = manifest_nodes.get(result["unique_id"], {})
    return node.get("name") or result["unique_id"].split(".")[2]


def _compiled_sql(result: dict, target: Path, node: dict) -> str | None:
    if result.get("compiled_code"):
        return result["compiled_code"]
    path = node.get("original_file_path")
    if not path:
        return None
    for candidate in (target / "compiled" / node.get("package_name", "raa")).rglob("*.sql"):
        if candidate.stem == node.get("name") or str(candidate).endswith(path):
            return candidate.read_text(encoding="utf-8")
    return None


def _councils_of_rows(
    con, sql: str, codes: set[str], total_code: str
) -> tuple[set[str], str | None]:
    """The registry councils the test's failing rows name; a reason when a row names none."""
    relation = con.sql(f"select * from ({sql}) as failing limit {SAMPLE_ROWS}")
    columns = relation.columns
    rows = relation.fetchall()
    if not rows:
        return set(), "its failing rows could not be found again"
    found: set[str] = set()
    for row in rows:
        named = set()
        for column, value in zip(columns, row, strict=True):
            if not isinstance(value, str):
                continue
            if column.lower() == "council_code":
                named.add(value)
            elif match := KEY_PREFIX.match(value):
                named.add(match.group(1))
        council = named & codes
        if not council and total_code in named:
            continue  # the partnership's total: it goes with the councils beside it
        if len(council) != 1:
            shown = ", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True))[:200]
            return found, f"a failing row names {'no' if not council else 'more than one'} " \
                f"council ({shown})"  # fmt: skip
        found |= council
    if not found:
        return found, "its failing rows are the partnership's total only"
    return found, None


def attribute_failures(
    target: Path, database: Path, codes: list[str], total_code: str
) -> Attribution:
    """Which councils the failures of the dbt run whose target folder is `target` belong to."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    manifest_path = target / "manifest.json"
    nodes = json.loads(manifest_path.read_text(encoding="utf-8")).get("nodes", {}) \
        if manifest_path.exists() else {}  # fmt: skip
    tests, others = [], []
    failed = [r for r in results if r.get("status") in FAILED]
    if not failed:
        return Attribution([], [])
    with connect(database, read_only=True) as con:
        for result in failed:
            unique_id = result["unique_id"]
            if not unique_id.startswith("test."):
                others.append(unique_id)
                continue
            node = nodes.get(unique_id, {})
            test = FailedTest(unique_id, _test_name(result, nodes), result["status"],
                              result.get("message") or "")  # fmt: skip
            sql = _compiled_sql(result, target, node)
            if result["status"] == "error" or not sql:
                test.unattributed = "the test itself errored" if sql else "no compiled SQL"
            else:
                try:
                    test.councils, test.unattributed = _councils_of_rows(
                        con, sql, set(codes), total_code
                    )
                except duckdb.Error as error:
                    test.unattributed = f"its SQL could not be run again: {error}"
            tests.append(test)
    return Attribution(tests, others)


def withheld_message(council: str, attribution: Attribution) -> str:
    checks = "; ".join(t.in_words() for t in attribution.tests_of(council))
    return (
        f"{council}'s data breaks a check the warehouse makes on every night's build: {checks}. "
        f"{council} is withheld from tonight's publish: its last published figures stay, marked "
        "as withheld, and the partnership's totals are worked out without it until a "
        "corrected export is loaded."
    )


def record_withheld(database: Path, run_id: str, attribution: Attribution) -> list[dict]:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        {"council_code": code, "run_id": run_id, "withheld_at": now,
         "failing_tests": [t.name for t in attribution.tests_of(code)],
         "message": withheld_message(code, attribution)}
        for code in sorted(attribution.councils)
    ]  # fmt: skip
    with connect(database) as con:  # waits out a reader (the sensor, raa status)
        con.execute(AUDIT_DDL)  # a warehouse older than these tables gains them
        con.executemany(
            "insert into audit.withheld_councils values (?, ?, ?, ?, ?)",
            [[r["council_code"], r["run_id"], r["withheld_at"], json.dumps(r["failing_tests"]),
              r["message"]] for r in rows],
        )  # fmt: skip
    return rows


def record_build(database: Path, run_id: str, inputs_sha256: str | None = None) -> None:
    """After a successful build: which run's build the working marts are now, so a publish in a
    later run (a rerun of the publish alone) still finds whom that build left out, and what it
    was made of (a night with nothing new is not built again)."""
    with connect(database) as con:  # waits out a reader (the sensor, raa status)
        ensure_audit(con)
        con.execute("insert into audit.builds (run_id, built_at, inputs_sha256) values (?, ?, ?)",
                    [run_id, datetime.now(UTC).replace(tzinfo=None), inputs_sha256])  # fmt: skip


def record_failed_build(database: Path, run_id: str, problem: str) -> None:
    """A build that failed, for raa status (the Dagster run log says it, not the warehouse)."""
    with connect(database) as con:
        ensure_audit(con)
        con.execute("insert into audit.failed_builds values (?, ?, ?)",
                    [run_id, datetime.now(UTC).replace(tzinfo=None), problem])  # fmt: skip


def record_unchanged(database: Path, run_id: str, standing_build: str) -> None:
    """A build run that built nothing: nothing was new since `standing_build`, published."""
    with connect(database) as con:
        ensure_audit(con)
        con.execute("insert into audit.unchanged_builds values (?, ?, ?)",
                    [run_id, datetime.now(UTC).replace(tzinfo=None), standing_build])  # fmt: skip


def withheld_by_latest_build(con: duckdb.DuckDBPyConnection, run_id: str,
                             schema: str = "audit") -> dict[str, str]:  # fmt: skip
    """council -> message for the councils left out of the build that made the working marts:
    the latest recorded build's (`run_id`'s own when none is recorded, as in a warehouse built
    before builds were recorded)."""
    try:
        latest = con.execute(
            f"select run_id from {schema}.builds order by built_at desc limit 1"
        ).fetchone()  # fmt: skip
    except duckdb.CatalogException:
        latest = None
    return withheld_in_run(con, latest[0] if latest else run_id, f"{schema}.withheld_councils")


def withheld_in_run(con: duckdb.DuckDBPyConnection, run_id: str,
                    table: str = "audit.withheld_councils") -> dict[str, str]:  # fmt: skip
    """council -> message for the councils the build of `run_id` withheld."""
    try:
        return dict(con.execute(
            f"select council_code, message from {table} where run_id = ? order by council_code",
            [run_id],
        ).fetchall())  # fmt: skip
    except duckdb.CatalogException:
        return {}


def write_withheld_report(outbox: Path, council: str, run_id: str, message: str,
                          tests: list[str]) -> Path:  # fmt: skip
    """`withheld.html` in the council's latest report folder (or its own folder)."""
    base = outbox / council
    folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.exists() else []
    folder = folders[-1] if folders else base
    folder.mkdir(parents=True, exist_ok=True)
    items = "".join(f"<li><code>{html.escape(t)}</code></li>" for t in tests)
    page = (
        "<!doctype html><html lang='en'><meta charset='utf-8'>"
        f"<title>{html.escape(council)}: withheld from tonight's publish</title>"
        f"<h1>{html.escape(council)}: withheld from tonight's publish</h1>"
        f"<p>{html.escape(message)}</p>"
        f"<p>The checks that failed:</p><ul>{items}</ul>"
        "<p>What to do: look in your export for the records these checks name (for a check "
        "ending <code>unique</code>, the same child and date sent twice), correct them and send "
        "a new export. The next night's build publishes your figures again.</p>"
        f"<p>Build run: {html.escape(run_id)}</p></html>"
    )
    path = folder / "withheld.html"
    path.write_text(page, encoding="utf-8")
    return path
