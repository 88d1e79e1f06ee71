"""The headline table `raa run` prints, on a tiny hand-made warehouse."""

from __future__ import annotations

import duckdb

from pipelines.reporting import headline


def _warehouse(path, partnership: str) -> duckdb.DuckDBPyConnection:
    """A warehouse file with councils C1 and C2 and the partnership's row."""
    con = duckdb.connect(str(path))
    con.execute("create schema canonical; create schema marts")
    con.execute(
        f"""create table canonical.councils as select * from (values
           ('C1', false), ('C2', false), ('{partnership}', true)) t(council_code, is_partnership)"""
    )
    return con


def test_headline_uses_the_registrys_partnership_row_and_latest_completed_window(tmp_path):
    path = tmp_path / "raa.duckdb"
    con = _warehouse(path, "ENGLAND")
    con.execute(
        """create table marts.scorecard_timeliness as select * from (values
           ('C1', date '2026-03-31', '2023-26', 3, true, false, 10, 400.4, 150.6),
           ('C2', date '2026-03-31', '2023-26', 3, true, false, 30, 500.5, 200.0),
           ('ENGLAND', date '2026-03-31', '2023-26', 3, true, false, 40, 475.1, 187.7),
           ('ENGLAND', date '2026-09-30', '3y to Sep 2026', 3, false, false, 2, 2.0, 2.0),
           ('ENGLAND', date '2099-03-31', '2096-99', 3, true, true, 1, 1.0, 1.0))
           t(council_code, window_end, window_label, window_years, is_financial_year_window,
             is_partial, children_adopted, a10_mean_days, a2_mean_days)"""
    )  # the 2099 window is partial, the September one no scorecard window: neither is shown
    con.execute(
        """create table marts.children_waiting as select * from (values
           ('C1', 'placement_order'), ('C1', 'placement_order'), ('C1', 'adm_decision'),
           ('C2', 'placement_order'), ('ENGLAND', 'placement_order'),
           ('ENGLAND', 'placement_order'), ('ENGLAND', 'placement_order'),
           ('ENGLAND', 'adm_decision')) t(council_code, waiting_stage)"""
    )  # waiting (A.3) is a placement order not yet placed: an ADM decision alone is not counted
    con.execute(
        """create table marts.cost_apportionment as select * from (values
           ('2025-26', 'C1', 100.25), ('2025-26', 'C2', 200.50), ('2024-25', 'C1', 9.0))
           t(financial_year, council_code, contribution_gbp)"""
    )
    con.execute("create schema audit")
    con.execute(
        """create table audit.current_submissions as select * from (values
           ('C1', false), ('C2', true)) t(council_code, is_stale)"""
    )  # C2's latest submission failed: its figures are from an older one
    con.close()
    lines = headline(path).splitlines()
    assert lines[0].split() == [
        "council", "window", "adopted_3y", "a10_days", "a2_days", "waiting",
        "contribution_2025-26_gbp", "data",
    ]  # fmt: skip
    assert lines[2].split() == ["C1", "2023-26", "10", "400", "151", "2", "100"]
    assert lines[3].split()[3] == "501"  # a half rounds up, as in the board pack
    assert lines[3].split()[-1] == "stale"
    assert lines[-1].split() == ["ENGLAND", "2023-26", "40", "475", "188", "3", "301"]


def test_headline_tells_a_withheld_figure_from_one_with_no_data(tmp_path):
    """In a published snapshot a count of 1 to 5 is withheld (NULL, `<column>_suppressed`); the
    headline showed it blank, as it shows a figure with no data (no adoption: no A10)."""
    path = tmp_path / "raa.duckdb"
    con = _warehouse(path, "R")
    con.execute(
        """create table marts.scorecard_timeliness as select * from (values
           ('C1', date '2026-03-31', '2023-26', 3, true, false, null, null, null, true, true, true),
           ('C2', date '2026-03-31', '2023-26', 3, true, false, 0, null, null, false, false, false),
           ('R', date '2026-03-31', '2023-26', 3, true, false, 9, 475.1, 187.7, false, false,
            false))
           t(council_code, window_end, window_label, window_years, is_financial_year_window,
             is_partial, children_adopted, a10_mean_days, a2_mean_days,
             children_adopted_suppressed, a10_mean_days_suppressed, a2_mean_days_suppressed)"""
    )
    con.execute("create table marts.children_waiting (council_code text, waiting_stage text)")
    con.close()
    lines = headline(path).splitlines()
    assert lines[2].split() == ["C1", "2023-26", "*", "*", "*", "0"]
    assert lines[3].split() == ["C2", "2023-26", "0", "0"]  # no adoption: no A10, no A2
    assert lines[-1].startswith("* withheld (a count of 1 to 5")
    assert lines[0].index("adopted_3y") + len("adopted_3y") == lines[2].index("*") + 1


def test_status_counts_queried_rows_as_the_councils_report_does(tmp_path):
    """A row with two queries is one row; a query on the submission as a whole is on no row."""
    from datetime import datetime

    from pipelines.ingest.load import rows_named
    from pipelines.reporting import status
    from pipelines.warehouse import ensure_schemas

    path = tmp_path / "raa.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_schemas(con)
        con.execute(
            "insert into audit.submissions (council_code, submission_id, received_at, dialect, "
            "reference_date, collection_year, manifest_sha256, status, loaded_at) values "
            "('NTH', 's1', ?, 'ssda903', '2026-10-31', 2025, 'x', 'loaded', now())",
            [datetime.now()],
        )
        con.execute(
            "insert into audit.current_submissions values ('NTH', 's1', now(), false, null)"
        )
        con.execute(
            """insert into audit.warnings (council_code, submission_id, file_name, source_row,
                   rule, message) values
               ('NTH', 's1', 'e.csv', 3, 'rule_390', 'm'), ('NTH', 's1', 'e.csv', 3, 'rule_408', 'm'),
               ('NTH', 's1', 'h.csv', 3, 'rule_101', 'm'), ('NTH', 's1', 'h.csv', null,
               'child_ids_changed', 'm')"""
        )
        lines = con.execute("select file_name, source_row from audit.warnings").df()
    (row,) = [r.split() for r in status(path, ["NTH"]).splitlines() if r.startswith("NTH ")]
    header = status(path, ["NTH"]).splitlines()[0].split()
    assert int(row[header.index("queried")]) == rows_named(lines) == 2


def test_status_says_when_this_environments_pseudonym_key_is_not_the_warehouses(tmp_path):
    """A load under another key is refused before it writes anything: the status is where an
    operator sees it, without the run log."""
    from pipelines.ingest.pseudonym_key import ensure_same_key
    from pipelines.reporting import status
    from pipelines.warehouse import ensure_schemas

    path = tmp_path / "raa.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_schemas(con)
    assert "RAA_PSEUDONYM_KEY" not in status(path, ["NTH"], key="k1")  # none recorded yet
    with duckdb.connect(str(path)) as con:
        ensure_same_key(con, "k1")
    assert "RAA_PSEUDONYM_KEY" not in status(path, ["NTH"], key="k1")
    told = status(path, ["NTH"], key="k2")
    assert "RAA_PSEUDONYM_KEY here is not the key this warehouse's children were loaded" in told
    assert "k1" not in told and "k2" not in told  # never the key itself


def test_status_names_a_submission_waiting_in_landing(tmp_path):
    """An operator asking `raa status` between nights sees what has arrived but is not loaded:
    NTH's 2026-11-30 folder; not FEN's folder, which is the one in use, nor KIL's, whose load
    failed (that is said as a failure)."""
    from datetime import datetime

    from pipelines.reporting import status
    from pipelines.warehouse import ensure_schemas

    path, landing = tmp_path / "raa.duckdb", tmp_path / "landing"
    for code, folder in (("NTH", "2026-10-31"), ("NTH", "2026-11-30"), ("FEN", "2026-10-31"),
                         ("KIL", "2026-11-30")):  # fmt: skip
        (landing / code / folder).mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        ensure_schemas(con)
        for code, submission, state in (("NTH", "2026-10-31", "loaded"),
                                        ("FEN", "2026-10-31", "loaded"),
                                        ("KIL", "2026-11-30", "failed")):  # fmt: skip
            con.execute(
                "insert into audit.submissions (council_code, submission_id, received_at, "
                "dialect, reference_date, collection_year, manifest_sha256, status, loaded_at) "
                "values (?, ?, ?, 'ssda903', '2026-10-31', 2025, 'x', ?, now())",
                [code, submission, datetime.now(), state],
            )
        for code in ("NTH", "FEN"):
            con.execute(
                "insert into audit.current_submissions values (?, '2026-10-31', now(), false, "
                "null)", [code]
            )  # fmt: skip
    told = status(path, ["NTH", "FEN", "KIL"], landing)
    waiting = [line for line in told.splitlines() if "is waiting in" in line]
    assert waiting == [
        f"NTH: submission 2026-11-30 is waiting in {landing / 'NTH'}, not loaded yet (the "
        "new_submission sensor loads it once its files have been quiet for "
        "RAA_LANDING_QUIET_SECONDS; else the 02:00 schedule or `raa run`)."
    ]


def test_status_says_late_where_the_freshness_check_would_fail(tmp_path):
    """A council whose last accepted submission is older than RAA_FRESHNESS_DAYS said `ok` while
    every night's freshness check warned about it."""
    from datetime import datetime, timedelta

    from pipelines.reporting import status
    from pipelines.warehouse import ensure_schemas

    path = tmp_path / "raa.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_schemas(con)
        for code, days in (("NTH", 3.5), ("ASH", 2.5)):
            con.execute(
                "insert into audit.submissions (council_code, submission_id, received_at, "
                "dialect, reference_date, collection_year, manifest_sha256, status, loaded_at) "
                "values (?, 's1', ?, 'ssda903', '2026-10-31', 2025, 'x', 'loaded', now())",
                [code, datetime.now() - timedelta(days=days)],
            )
            con.execute("insert into audit.current_submissions values (?, 's1', now(), false, "
                        "null)", [code])  # fmt: skip
    said = status(path, ["NTH", "ASH"], freshness_days=3)
    states = {line.split()[0]: line.split()[-1] for line in said.splitlines()[2:4]}
    # nothing is published here: a council loaded in time is UNPUBLISHED, not ok (the council
    # data officer's probe: councils whose publishes were refused showed ok with published -)
    assert states == {"NTH": "LATE", "ASH": "UNPUBLISHED"}
    assert "ASH: loaded, but no publish has included it yet" in said
    assert "NTH: its last accepted submission is 3d old; the limit is 3 days" in said
    assert "LATE" not in status(path, ["NTH", "ASH"])  # no limit given: as before


def test_status_says_a_failed_build_until_a_later_one_publishes_or_stands():
    """A build that failed (a dbt error no withholding mends) left `raa status` saying only the
    last publish, as if the night had not run (newcomer probe)."""
    from datetime import datetime

    from pipelines.reporting import _publish_lines

    published = [("run-ok", datetime(2026, 12, 1, 2, 5), "published", "snap-1", "")]
    failed = ("run-bad0000", datetime(2026, 12, 2, 2, 5), "dbt build failed; dbt's log: x.log")
    lines = _publish_lines(published, None, failed)
    assert lines[-1] == ("last build FAILED 2026-12-02 02:05 UTC, run run-bad0: nothing it made "
                         "was published; dbt build failed; dbt's log: x.log")  # fmt: skip
    later = [("run-ok2", datetime(2026, 12, 3, 2, 5), "published", "snap-2", ""), *published]
    assert not any("FAILED" in line for line in _publish_lines(later, None, failed))
    standing = ("run-same", datetime(2026, 12, 3, 2, 5))  # nothing new the next night: built
    assert not any("FAILED" in line for line in _publish_lines(published, standing, failed))
