"""Plain-text views of the warehouse for the command line: headline figures and load status."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.ingest.landing import (
    latest_submission_id,
    out_of_turn_note,
    unregistered_folders,
)
from pipelines.ingest.pseudonym_key import key_problem
from pipelines.operations.freshness import council_freshness
from pipelines.publish.layout import current_snapshot
from pipelines.publish.overlay import with_published_marts
from pipelines.reports.charts import whole
from pipelines.warehouse import connect

HEADLINE_SQL = """
with partnership as (
    -- the registry's partnership code (REGION in the demo, ENGLAND in the national demo)
    select coalesce(max(council_code) filter (where is_partnership), 'REGION') as code
    from canonical.councils
),
latest_window as (
    -- the latest complete three-year window (the current one is partial: still filling up)
    select max(window_end) as window_end from marts.scorecard_timeliness
    where window_years = 3 and is_financial_year_window and not is_partial
),
scorecard as (
    select council_code, window_label, a10_mean_days, a2_mean_days, children_adopted
    from marts.scorecard_timeliness
    where window_years = 3 and window_end = (select window_end from latest_window)
),
waiting as (
    -- waiting as domain A.3 counts it: a placement order, not yet placed (the mart also lists
    -- children with only an ADM decision); the mart has the partnership's rows too
    select council_code, count(*) as children_waiting
    from marts.children_waiting
    where waiting_stage = 'placement_order'
    group by council_code
)
select
    s.council_code as council,
    s.window_label as window,  -- 2023-26: the three financial years to 31 March 2026
    s.children_adopted as adopted_3y,
    round(s.a10_mean_days) as a10_days,
    round(s.a2_mean_days) as a2_days,
    coalesce(w.children_waiting, 0) as waiting
from scorecard as s
left join waiting as w using (council_code)
order by s.council_code = (select code from partnership), s.council_code
"""

# The published marts' disclosure control (`<column>_suppressed`) of the headline's columns: a
# withheld figure is shown `*`, apart from one with no data (blank).
SUPPRESSED_COLUMNS = {"adopted_3y": "children_adopted", "a10_days": "a10_mean_days",
                      "a2_days": "a2_mean_days"}  # fmt: skip
WITHHELD = "*"
WITHHELD_NOTE = (
    f"{WITHHELD} withheld (a count of 1 to 5, or a figure that would give one away); blank: no data"
)

CONTRIBUTION_SQL = """
select council_code, sum(contribution_gbp) as contribution_gbp
from marts.cost_apportionment
where financial_year = (select max(financial_year) from marts.cost_apportionment)
group by 1
"""


def _table(rows: list[tuple], headers: list[str]) -> str:
    cells = [[("" if v is None else whole(v) if isinstance(v, float) else str(v)) for v in r]
             for r in rows]  # fmt: skip
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]  # fmt: skip
    numeric = [all(isinstance(r[i], int | float) for r in rows if r[i] not in (None, WITHHELD))
               for i in range(len(headers))]  # fmt: skip
    line = "  ".join(h.rjust(w) if n else h.ljust(w)
                     for h, w, n in zip(headers, widths, numeric, strict=True))  # fmt: skip
    body = ["  ".join(c.rjust(w) if n else c.ljust(w)
                      for c, w, n in zip(r, widths, numeric, strict=True)) for r in cells]  # fmt: skip
    return "\n".join([line, "-" * len(line), *body])


def headline(database: Path, published_dir: Path | None = None) -> str:
    """The headline figures of the working warehouse's marts, or, given `published_dir`, of the
    snapshot published there: on a night that withheld a council, the working marts leave it
    out, while the snapshot carries its last published figures (marked `withheld`)."""
    if not database.exists():
        return f"No warehouse at {database} yet."
    snapshot = current_snapshot(published_dir) if published_dir else None
    con = (
        with_published_marts(database, snapshot, HEADLINE_MARTS)
        if snapshot
        else connect(database, read_only=True)
    )
    try:
        try:
            rows = con.execute(HEADLINE_SQL).fetchall()
            headers = [d[0] for d in con.description]
        except duckdb.CatalogException:
            return "The scorecard marts are not built yet."
        try:
            contributions = dict(con.execute(CONTRIBUTION_SQL).fetchall())
            year = con.execute(
                "select max(financial_year) from marts.cost_apportionment"
            ).fetchone()[0]
            if year is not None:
                headers.append(f"contribution_{year}_gbp")
                partnership = rows[-1][0] if rows else None  # sorted last by HEADLINE_SQL
                rows = [(*r, float(contributions.get(r[0], 0)) if r[0] != partnership else
                         float(sum(contributions.values()))) for r in rows]  # fmt: skip
        except duckdb.CatalogException:
            pass
        rows = _with_withheld_marked(con, rows, headers)
        table = _table(*_with_stale_marked(con, rows, headers))
        marked = any(cell == WITHHELD for row in rows for cell in row)
        return f"{table}\n{WITHHELD_NOTE}" if marked else table
    finally:
        con.close()


def _with_withheld_marked(con, rows: list[tuple], headers: list[str]) -> list[tuple]:
    """Each figure the snapshot withholds (disclosure control) as WITHHELD; the working marts,
    which withhold nothing, have no `_suppressed` columns."""
    if not rows:
        return rows
    flags = ", ".join(f"{column}_suppressed" for column in SUPPRESSED_COLUMNS.values())
    try:
        suppressed = {row[0]: row[1:] for row in con.execute(
            f"select council_code, {flags} from marts.scorecard_timeliness "
            "where window_years = 3 and window_label = ?", [rows[0][1]]
        ).fetchall()}  # fmt: skip
    except duckdb.BinderException:
        return rows
    flag_of = {headers.index(h): n for n, h in enumerate(SUPPRESSED_COLUMNS)}  # column -> flag

    def marked(row: tuple) -> tuple:
        withheld = suppressed.get(row[0], ())
        return tuple(WITHHELD if i in flag_of and withheld and withheld[flag_of[i]] else v
                     for i, v in enumerate(row))  # fmt: skip

    return [marked(row) for row in rows]


# The marts the headline reads, as published (the rest from the working warehouse).
HEADLINE_MARTS = ("scorecard_timeliness", "cost_apportionment", "children_waiting")


def _with_stale_marked(con, rows: list[tuple], headers: list[str]):
    """A last column naming councils whose figures still come from an older submission (a later
    one failed), or from the last snapshot that included them (withheld by the night's build):
    `raa status` says why."""
    try:
        stale = {c for (c,) in con.execute(
            "select council_code from audit.current_submissions where is_stale").fetchall()}  # fmt: skip
    except duckdb.CatalogException:
        stale = set()
    try:
        withheld = {c for (c,) in con.execute(
            "select distinct council_code from marts.scorecard_timeliness where is_withheld"
        ).fetchall()}  # fmt: skip
    except duckdb.BinderException:  # the working marts have no such column
        withheld = set()
    if not stale and not withheld:
        return rows, headers
    marks = [", ".join(m for m, on in (("withheld", r[0] in withheld), ("stale", r[0] in stale))
                       if on) for r in rows]  # fmt: skip
    return [(*r, mark) for r, mark in zip(rows, marks, strict=True)], [*headers, "data"]


STATUS_SQL = """
select
    c.council_code,
    c.submission_id as current_submission,
    s.received_at,
    c.is_stale,
    coalesce(sum(f.rows_accepted), 0) as rows_accepted,
    coalesce(sum(f.rows_rejected), 0) as rows_rejected,
    -- rows, as the council's report counts them: a row once however many queries it has, and
    -- a query on the submission as a whole (child ids changed) on no row
    (select count(distinct (w.file_name, w.source_row)) from audit.warnings w
     where w.council_code = c.council_code and w.submission_id = c.submission_id
       and w.source_row is not null) as rows_queried,
    c.stale_reason
from audit.current_submissions as c
join audit.submissions as s using (council_code, submission_id)
left join audit.file_loads as f using (council_code, submission_id)
group by all
order by c.council_code
"""


PUBLISHES_SQL = """
select run_id, attempted_at, status, snapshot_id, message, submissions
from audit.publishes order by attempted_at desc limit 20
"""


def _publishes(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    try:
        return con.execute(PUBLISHES_SQL).fetchall()
    except duckdb.CatalogException:
        return []


def _publish_lines(publishes: list[tuple], unchanged: tuple | None = None,
                   failed: tuple | None = None) -> list[str]:  # fmt: skip
    """`unchanged`: the latest build run that found nothing new (run, when), if any; `failed`:
    the latest build that failed (run, when, where to read why), said when nothing since."""
    published = next((p for p in publishes if p[2] == "published"), None)
    lines = [
        f"last publish: {published[1]:%Y-%m-%d %H:%M} UTC, run {published[0][:8]}, "
        f"snapshot {published[3]}"
        if published
        else "last publish: never (nothing published yet)"
    ]
    if published and unchanged and unchanged[1] > published[1]:
        lines.append(f"last build run: {unchanged[1]:%Y-%m-%d %H:%M} UTC, run {unchanged[0][:8]}: "
                     "nothing new since that publish, so nothing was built; it stands")  # fmt: skip
    if publishes and publishes[0][2] != "published":
        lines.append(
            f"last attempt REFUSED {publishes[0][1]:%Y-%m-%d %H:%M} UTC: {publishes[0][4]}"
        )
    since = [p[1] for p in publishes[:1]] + ([unchanged[1]] if unchanged else [])
    if failed and all(failed[1] > at for at in since):
        lines.append(f"last build FAILED {failed[1]:%Y-%m-%d %H:%M} UTC, run {failed[0][:8]}: "
                     f"nothing it made was published; {failed[2]}")  # fmt: skip
    return lines


def _latest_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple | None:
    """The first row of `sql` over an audit table; None when it has none, or the warehouse is
    from before the table."""
    try:
        return con.execute(sql).fetchone()
    except duckdb.CatalogException:
        return None


def _last_prune(con: duckdb.DuckDBPyConnection) -> str:
    """When what earlier submissions sent was last pruned (RAA_RETENTION_DAYS), and how much."""
    last = _latest_row(con, "select pruned_at, retention_days, submissions, archive_bytes "
                            "from audit.prunes order by pruned_at desc limit 1")  # fmt: skip
    if last is None:
        return "last prune: never (earlier submissions' copies and rows are all kept so far)"
    at, days, submissions, archive = last
    return (f"last prune: {at:%Y-%m-%d %H:%M}, kept {days} days after use: {submissions} "
            f"submission(s) and {archive / 1e6:,.1f} MB of archive went")  # fmt: skip


def _withheld_by_run(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """run id -> {council: why} for the builds that withheld a council."""
    try:
        rows = con.execute(
            "select run_id, council_code, message from audit.withheld_councils"
        ).fetchall()  # fmt: skip
    except duckdb.CatalogException:
        return {}
    found: dict[str, dict[str, str]] = {}
    for run_id, code, message in rows:
        found.setdefault(run_id, {})[code] = message
    return found


def _figures_publish(code: str, publishes: list[tuple], withheld: dict) -> tuple | None:
    """The latest publish with `code`'s own figures (the snapshot its rows come from)."""
    for publish in publishes:
        run_id, _, state = publish[:3]
        if state == "published" and code not in withheld.get(run_id, {}):
            return publish
    return None


def _submissions_in(publish: tuple | None) -> dict[str, str]:
    """council -> submission id in a publish's snapshot."""
    return (
        {s["council_code"]: s["submission_id"] for s in json.loads(publish[5])} if publish else {}
    )


LATEST_SQL = """
select council_code, submission_id, status, message from audit.submissions
qualify row_number() over (partition by council_code order by loaded_at desc) = 1
"""


def _latest_loads(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Each council's most recent load: (submission id, loaded | failed, message)."""
    return {r[0]: r[1:] for r in con.execute(LATEST_SQL).fetchall()}


def load_results(settings, council_codes: list[str]) -> dict[str, str]:
    """What the last load of each council came to, in a few words: its latest submission
    folder, or why it failed, or that there was none."""
    latest = {}
    if settings.database.exists():
        con = connect(settings.database, read_only=True)
        try:
            latest = _latest_loads(con)
        finally:
            con.close()
    results = {}
    for code in council_codes:
        current = latest_submission_id(settings.landing_dir, code)
        if current is None:
            results[code] = f"no submission in {settings.landing_dir / code}"
            continue
        submission, state, message = latest.get(code, (None, None, None))
        if state == "failed" and submission == current:
            results[code] = f"submission {submission}: {message}"
        elif submission == current:
            results[code] = f"submission {submission} in use"
        else:
            results[code] = f"submission {current} unchanged"
    return results


SENT_AGAIN_SQL = """
select council_code, submission_id, any_value(message order by loaded_at desc)
from audit.load_history where status = 'unchanged' group by all
"""


def _waiting_in_landing(landing_dir: Path, council_codes: list[str], rows: dict,
                       latest: dict, sent_again: dict) -> list[str]:  # fmt: skip
    """A council's newest landing folder when it comes after the submission in use and is not
    its last load (which failed): sent, not loaded yet. `sent_again`: (council, folder) looked
    at and found to hold the files of the submission in use (SENT_AGAIN_SQL), said as such."""
    notes = []
    for code in council_codes:
        newest = latest_submission_id(landing_dir, code)
        if newest is None:
            continue
        in_use = rows[code][1] if code in rows else None
        # folders are taken in name order (submission_folders): one named before the submission
        # in use is not new, whatever is left in landing
        is_newer = in_use is None or newest > in_use
        if is_newer and (code, newest) in sent_again:
            notes.append(f"{code}: submission {newest} in {landing_dir / code}: "
                         f"{sent_again[code, newest]}")  # fmt: skip
        elif is_newer and newest != latest.get(code, (None,))[0]:
            notes.append(
                f"{code}: submission {newest} is waiting in {landing_dir / code}, not loaded yet "
                "(the new_submission sensor loads it once its files have been quiet for "
                "RAA_LANDING_QUIET_SECONDS; else the 02:00 schedule or `raa run`)."
            )
        # said here too: the night's warning is in a run log only, and the council believes it
        # has submitted
        out_of_turn = out_of_turn_note(landing_dir, code)
        if out_of_turn:
            notes.append(out_of_turn)
    return notes


def status(database: Path, council_codes: list[str], landing_dir: Path | None = None,
           left: dict[str, date] | None = None, key: str | None = None,
           freshness_days: float | None = None) -> str:  # fmt: skip
    """`left`: the councils that have left the partnership, with their last day (their state
    says so: no more submissions are expected from them). `key`: the RAA_PSEUDONYM_KEY of this
    environment; a refused load writes nothing, so the status says when it is not the
    warehouse's."""
    if not database.exists():
        return f"No warehouse at {database} yet: run `raa run`."
    con = connect(database, read_only=True)
    try:
        rows = {r[0]: r for r in con.execute(STATUS_SQL).fetchall()}
        latest = _latest_loads(con)
        publishes = _publishes(con)
        withheld = _withheld_by_run(con)
        other_key = key is not None and key_problem(con, key) is not None
        pruned = _last_prune(con)
        unchanged = _latest_row(con, "select run_id, checked_at from audit.unchanged_builds "
                                     "order by checked_at desc limit 1")  # fmt: skip
        failed_build = _latest_row(con, "select run_id, failed_at, problem "
                                        "from audit.failed_builds order by failed_at desc limit 1")  # fmt: skip
        sent_again = {(r[0], r[1]): r[2] for r in con.execute(SENT_AGAIN_SQL).fetchall()}
        # the freshness check's own verdict (its last accepted submission, its limit)
        late = {f.council_code for f in council_freshness(con, council_codes, freshness_days,
                                                          datetime.now()) if f.is_stale
                } if freshness_days else set()  # fmt: skip
    finally:
        con.close()
    last = next((p for p in publishes if p[2] == "published"), None)
    held_now = withheld.get(last[0], {}) if last else {}
    in_snapshot = _submissions_in(last)
    now = datetime.now()
    out, notes = [], []
    for code in council_codes:
        row = rows.get(code)
        submission, state, message = latest.get(code, (None, None, None))
        if row is None:
            never = "FAILED, never loaded" if state == "failed" else "never loaded"
            out.append((code, "-", "-", 0, 0, 0, in_snapshot.get(code, "-"), never))
            if state == "failed":
                notes.append(f"{code}: submission {submission} failed: {message}")
            continue
        _, current, received, stale, accepted, rejected, queried, reason = row
        age = f"{(now - received).days}d" if received else "-"
        note = "STALE" if stale else ("ok" if state != "failed" else f"last failure {submission}")
        if code in (left or {}) and note == "ok":
            note = f"left {left[code]:%d/%m/%Y}"
        elif note == "ok" and code in late:
            note = "LATE"  # as the freshness check and its alert say
            notes.append(f"{code}: its last accepted submission is {age} old; the limit is "
                         f"{freshness_days:g} days (RAA_FRESHNESS_DAYS)")  # fmt: skip
        if stale:
            notes.append(f"{code}: {reason}")
        published = in_snapshot.get(code, "-")
        if note == "ok" and published == "-":
            # loaded, but in no snapshot: analysts and boards do not see it yet
            note = "UNPUBLISHED"
            notes.append(f"{code}: loaded, but no publish has included it yet (the last publish "
                         "attempt below says whether one was refused, and why)")  # fmt: skip
        if code in held_now:
            note = "WITHHELD"
            source = _figures_publish(code, publishes, withheld)
            # its rows in the snapshot are the earlier one's: so is the submission they are of
            published = _submissions_in(source).get(code, "-")
            notes.append(f"{code}: withheld: {held_now[code]} Its figures are from snapshot "
                         f"{source[3] if source else 'none (no earlier publish: no rows)'}.")  # fmt: skip
        out.append((code, current, age, accepted, rejected, queried, published, note))
    headers = ["council", "submission", "age", "accepted", "rejected", "queried", "published",
               "state"]  # fmt: skip
    if other_key:
        notes.insert(0, "RAA_PSEUDONYM_KEY here is not the key this warehouse's children were "
                        "loaded with: a load run with it is refused and loads nothing. Where the "
                        "nights run, set it back from your secret store (README, One key for the "
                        "warehouse's life).")  # fmt: skip
    if landing_dir:
        notes += _waiting_in_landing(landing_dir, council_codes, rows, latest, sent_again)
    unregistered = unregistered_folders(landing_dir, council_codes) if landing_dir else []
    if unregistered:
        notes.append(
            f"not in the council registry, so never loaded: {', '.join(unregistered)} "
            f"(in {landing_dir})"
        )
    return "\n".join([_table(out, headers), "", *notes, *([""] if notes else []),
                      *_publish_lines(publishes, unchanged, failed_build), pruned])  # fmt: skip
