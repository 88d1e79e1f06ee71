"""Submission lifecycle: re-drops, replacement, failures, privacy, agency feeds, peer data."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.ingest.landing import archive_submission, read_submission, submission_from_archive
from pipelines.ingest.load import PROTECTION_RELEASE
from tests.conftest import PEER_DATA
from tests.ingest.helpers import (
    EPISODES,
    GOOD_EPISODES,
    GOOD_HEADER,
    assert_accounted,
    drop,
    ingest,
    ingest_files,
)

TABLE_DUMP = "select * exclude (submission_id) from canonical.{t} order by all"


def snapshot(con) -> dict:
    tables = ["children", "episodes"]
    return {t: con.sql(TABLE_DUMP.format(t=t)).fetchall() for t in tables}


def test_redrop_of_the_same_files_changes_nothing(settings, registry, warehouse):
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    first = ingest(
        warehouse, settings, registry, "NTH", drop(settings.landing_dir, "NTH", "s1", files)
    )
    before = snapshot(warehouse)
    again = ingest(
        warehouse, settings, registry, "NTH", drop(settings.landing_dir, "NTH", "s2", files)
    )
    assert first.status == "loaded" and again.status == "unchanged"
    assert snapshot(warehouse) == before
    # An unchanged re-send reports the rows still in use, as loaded (the Dagster partition's
    # figures), not zeros.
    assert (again.rows_received, again.rows_rejected) == (first.rows_received, first.rows_rejected)
    assert again.rows_received > 0
    assert warehouse.sql("select count(*) from audit.submissions").fetchone()[0] == 1


def test_the_same_files_sent_again_in_a_new_folder_are_recorded_and_not_called_waiting(
    settings, registry, warehouse
):
    """s2 holds s1's files: nothing is loaded, but the load history says once that s2 came and
    what it was, and `raa status` says so instead of calling s2 "waiting" for ever."""
    from pipelines.reporting import status

    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    ingest(warehouse, settings, registry, "NTH", drop(settings.landing_dir, "NTH", "s1", files))
    for _night in range(2):
        again = ingest(warehouse, settings, registry, "NTH",
                       drop(settings.landing_dir, "NTH", "s2", files))  # fmt: skip
        assert again.message == "the same files as submission s1, which is in use"
    assert warehouse.sql(
        "select submission_id, status, message, files, rows_received from audit.load_history"
        " order by loaded_at"
    ).fetchall() == [
        ("s1", "loaded", None, 2, 5),
        ("s2", "unchanged", "the same files as submission s1, which is in use: nothing new to "
         "load", 2, 0),
    ]  # fmt: skip
    warehouse.execute("checkpoint")  # status opens the file read-only: a copy of it, here
    copy = shutil.copy(settings.database, settings.database.with_name("copy.duckdb"))
    told = status(Path(copy), ["NTH"], settings.landing_dir)
    assert "waiting" not in told
    assert (f"NTH: submission s2 in {settings.landing_dir / 'NTH'}: the same files as submission "
            "s1, which is in use: nothing new to load") in told  # fmt: skip


def test_new_submission_replaces_only_that_councils_rows(settings, registry, warehouse):
    ingest(
        warehouse,
        settings,
        registry,
        "NTH",
        drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}),
    )
    ingest(
        warehouse,
        settings,
        registry,
        "KIL",
        drop(
            settings.landing_dir,
            "KIL",
            "s1",
            {"kids.csv": "ChildRef,Sex,DOB,EthnicOrigin\nK1,F,01-Feb-2019,WBRI\n"},
        ),
    )
    ingest(
        warehouse,
        settings,
        registry,
        "NTH",
        drop(
            settings.landing_dir,
            "NTH",
            "s2",
            {"h.csv": GOOD_HEADER.splitlines(True)[0] + "C1,M,01/02/2019,WBRI,,,\n"},
        ),
    )
    counts = dict(
        warehouse.sql("select council_code, count(*) from canonical.children group by 1").fetchall()
    )
    assert counts == {"NTH": 1, "KIL": 1}
    # NTH's second export has no episodes file: it has no episodes any more.
    assert warehouse.sql("select count(*) from canonical.episodes").fetchone()[0] == 0


def test_failed_submission_keeps_previous_data_and_flags_it_stale(settings, registry, warehouse):
    ingest(
        warehouse,
        settings,
        registry,
        "NTH",
        drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}),
    )
    before = snapshot(warehouse)
    bad = ingest(
        warehouse,
        settings,
        registry,
        "NTH",
        drop(settings.landing_dir, "NTH", "s2", {"h.csv": GOOD_HEADER, "e.csv": ""}),
    )
    assert bad.status == "failed"
    assert snapshot(warehouse) == before
    stale = warehouse.sql(
        "select submission_id, is_stale, stale_reason from audit.current_submissions"
    ).fetchall()
    assert stale[0][0] == "s1" and stale[0][1] is True and "e.csv is empty" in stale[0][2]
    report = settings.outbox_dir / "NTH" / "s2" / "validation_report.html"
    assert "could not be loaded" in report.read_text()


def test_a_folder_sent_again_with_other_files_keeps_the_earlier_loads_record(
    settings, registry, warehouse
):
    """A council corrects a file and sends it into the same folder: the audit tables hold the
    latest load of that submission id, the load history both, and the council's earlier report
    is kept beside the new one."""
    one_bad_row = GOOD_EPISODES + "C2,31/02/2021,S,V2,N4,U1,PR1,,,,,,\n"
    folder = drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": one_bad_row})
    first = ingest(warehouse, settings, registry, "NTH", folder)
    drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES})
    second = ingest(warehouse, settings, registry, "NTH", folder)
    assert (first.status, second.status) == ("loaded", "loaded")
    history = warehouse.sql(
        "select submission_id, status, files, rows_received, rows_accepted, rows_rejected"
        " from audit.load_history order by loaded_at"
    ).fetchall()
    assert history == [("s1", "loaded", 2, 6, 5, 1), ("s1", "loaded", 2, 5, 5, 0)]
    assert warehouse.sql("select count(*) from audit.submissions").fetchone()[0] == 1
    assert warehouse.sql("select count(*) from audit.rejections").fetchone()[0] == 0
    report_folder = settings.outbox_dir / "NTH" / "s1"
    (earlier,) = (report_folder / "replaced").iterdir()
    assert "1 rows were held back" in (earlier / "validation_report.html").read_text()
    assert "0 rows were held back" in (report_folder / "validation_report.html").read_text()


def test_an_export_older_than_the_one_in_use_is_refused(settings, registry, warehouse):
    """A mistyped year in submission.yaml (2006 for 2026) would replace newer data with older
    and set back the as-of date of every council's figures: refused, the data in use kept."""
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    ingest(warehouse, settings, registry, "NTH", drop(settings.landing_dir, "NTH", "s1", files))
    before = snapshot(warehouse)
    older = drop(settings.landing_dir, "NTH", "s2", files)
    (older / "submission.yaml").write_text("reference_date: 2006-10-31\n")
    refused = ingest(warehouse, settings, registry, "NTH", older)
    assert refused.status == "failed"
    assert "in October 2006, is earlier than that of the return already in use (31/10/2026)" in (
        refused.message
    )
    assert snapshot(warehouse) == before
    assert warehouse.sql("select submission_id, is_stale from audit.current_submissions"
                         ).fetchall() == [("s1", True)]  # fmt: skip
    report = settings.outbox_dir / "NTH" / "s2" / "validation_report.html"
    assert "an older export cannot replace newer data" in report.read_text()
    # twenty years before the files arrived: perhaps a date of birth, so kept and shown by month
    assert "Export date: in October 2006 (long before the files arrived" in report.read_text()
    kept = warehouse.sql("select reference_date from audit.submissions where submission_id = 's2'")
    assert str(kept.fetchone()[0]) == "2006-10-01"


def test_an_export_dated_after_today_is_refused_and_locks_no_one_out(settings, registry, warehouse):
    """A reference_date typed as a future year would, once in use, refuse every real return
    until then (an older export never replaces a newer one): refused on arrival, and the
    council's correctly dated return after it loads."""
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    ingest(warehouse, settings, registry, "NTH", drop(settings.landing_dir, "NTH", "s1", files))
    future = dt.date.today() + dt.timedelta(days=3 * 365)
    ahead = drop(settings.landing_dir, "NTH", "s2", files)
    (ahead / "submission.yaml").write_text(f"reference_date: {future.isoformat()}\n")
    refused = ingest(warehouse, settings, registry, "NTH", ahead)
    assert refused.status == "failed"
    assert f"{future:%d/%m/%Y}, is after today" in refused.message
    report = settings.outbox_dir / "NTH" / "s2" / "validation_report.html"
    assert "an export cannot be taken in the future" in report.read_text()
    today = drop(settings.landing_dir, "NTH", "s3", {**files, "e.csv": GOOD_EPISODES + "\n"})
    (today / "submission.yaml").write_text(f"reference_date: {dt.date.today().isoformat()}\n")
    assert ingest(warehouse, settings, registry, "NTH", today).status == "loaded"


def test_a_file_none_of_whose_rows_can_be_used_refuses_the_submission(
    settings, registry, warehouse
):
    """Twelve children whose every DOB carries a time of day (a re-saved export): loading the
    episodes alone would replace the council's children with none. Refused whole; the report
    lists every row held back and why."""
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    ingest(warehouse, settings, registry, "NTH", drop(settings.landing_dir, "NTH", "s1", files))
    before = snapshot(warehouse)
    timed = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n" + "".join(
        f"C{i},1,01/02/2019 10:30,WBRI,,,\n" for i in range(12)
    )
    refused = ingest_files(
        warehouse, settings, registry, "NTH", {"h.csv": timed, "e.csv": GOOD_EPISODES}, "s2"
    )
    assert refused.status == "failed"
    assert (
        "Every one of the 12 rows of h.csv was held back (most often: DOB has '99/99/9999 99:99'"
        in (refused.message)
    )
    loads = refused.file_loads.set_index("file_name")
    assert (loads["rows_accepted"] == 0).all() and (loads["status"] == "not_loaded").all()
    assert (loads["rows_received"] == loads["rows_rejected"]).all()
    assert len(refused.rejections) == 12
    assert snapshot(warehouse) == before
    assert warehouse.sql("select submission_id, is_stale from audit.current_submissions"
                         ).fetchall() == [("s1", True)]  # fmt: skip


@pytest.mark.parametrize("episodes", [EPISODES, None], ids=["header-only", "not-sent"])
def test_a_table_emptied_since_the_return_in_use_refuses_the_submission(
    episodes, settings, registry, warehouse
):
    """The return in use has 12 episodes; a new one with the episodes file cut to its header (or
    left out) would remove the council from every figure, and shift its costs to the others."""
    many = GOOD_EPISODES + "".join(
        f"C{i},01/0{1 + i % 9}/2021,S,V2,N4,U1,PR1,,,,,,\n" for i in range(3, 12)
    )
    files = {"h.csv": GOOD_HEADER, "e.csv": many}
    ingest(warehouse, settings, registry, "NTH", drop(settings.landing_dir, "NTH", "s1", files))
    before = snapshot(warehouse)
    emptied = {"h.csv": GOOD_HEADER, **({"e.csv": episodes} if episodes else {})}
    refused = ingest(warehouse, settings, registry, "NTH",
                     drop(settings.landing_dir, "NTH", "s2", emptied))  # fmt: skip
    assert refused.status == "failed"
    assert "The return in use has 12 rows of the Episodes table; this one has none" in (
        refused.message
    )
    assert snapshot(warehouse) == before


def _episodes(rows: int) -> str:
    """An episodes file of `rows` rows: GOOD_EPISODES's, then one for each of children C3..."""
    more = rows - (GOOD_EPISODES.count("\n") - 1)
    return GOOD_EPISODES + "".join(
        f"C{i},01/0{1 + i % 9}/2021,S,V2,N4,U1,PR1,,,,,,\n" for i in range(3, 3 + more)
    )


def test_a_table_far_smaller_than_in_the_return_in_use_refuses_the_submission(
    settings, registry, warehouse
):
    """The council data officer's probe: NTH's episodes cut from 11,461 rows to 4,999 in
    transfer were loaded and published, its adoptions 77 -> 0 and £400k of its contribution
    moved to the other councils, with nothing said. Here 200 episodes in use, then 120 (40 %
    fewer): refused, the council told why and how to say a drop is meant; then 160 (20 %
    fewer, a night's natural churn is far less, but not refused): loaded."""
    ingest(warehouse, settings, registry, "NTH",
           drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": _episodes(200)}))  # fmt: skip
    before = snapshot(warehouse)
    cut = ingest(warehouse, settings, registry, "NTH",
                 drop(settings.landing_dir, "NTH", "s2", {"h.csv": GOOD_HEADER, "e.csv": _episodes(120)}))  # fmt: skip
    assert cut.status == "failed"
    assert (
        "The return in use has 200 rows of the Episodes table; this one has 120, 40% fewer. An "
        "export holds every child's whole history"
    ) in cut.message
    assert "add the line 'fewer_rows_expected: true' to submission.yaml" in cut.message
    assert snapshot(warehouse) == before
    fewer = ingest(warehouse, settings, registry, "NTH",
                   drop(settings.landing_dir, "NTH", "s3", {"h.csv": GOOD_HEADER, "e.csv": _episodes(160)}))  # fmt: skip
    assert fewer.status == "loaded", fewer.message


@pytest.mark.parametrize("episodes", [_episodes(120), EPISODES], ids=["smaller", "header-only"])
def test_a_council_can_say_a_smaller_table_is_meant(episodes, settings, registry, warehouse):
    """Records archived or moved to another system: the council's note says so
    (fewer_rows_expected) and the smaller export is loaded."""
    ingest(warehouse, settings, registry, "NTH",
           drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": _episodes(200)}))  # fmt: skip
    folder = drop(settings.landing_dir, "NTH", "s2", {"h.csv": GOOD_HEADER, "e.csv": episodes})
    (folder / "submission.yaml").write_text("fewer_rows_expected: true\n")
    meant = ingest(warehouse, settings, registry, "NTH", folder)
    assert meant.status == "loaded", meant.message
    rows = warehouse.sql("select count(*) from canonical.episodes").fetchone()[0]
    assert rows == (120 if episodes != EPISODES else 0)


def test_an_export_date_before_most_of_its_rows_refuses_the_submission(
    settings, registry, warehouse
):
    """A council's first return with 2006 typed for 2026: most rows are dated after it. Loading
    what is left would set the partnership's as-of date back twenty years."""
    episodes = GOOD_EPISODES + "".join(
        f"C{i},01/0{1 + i % 9}/2021,S,V2,N4,U1,PR1,,,,,,\n" for i in range(3, 12)
    )
    folder = drop(settings.landing_dir, "NTH", "s1", {"e.csv": episodes})
    (folder / "submission.yaml").write_text("reference_date: 2006-10-31\n")
    refused = ingest(warehouse, settings, registry, "NTH", folder)
    assert refused.status == "failed"
    assert "12 of the 12 rows are dated after the export date, 31/10/2006: check the " \
        "reference_date in submission.yaml" in refused.message  # fmt: skip
    assert warehouse.sql("select count(*) from canonical.episodes").fetchone()[0] == 0


def test_no_direct_identifiers_reach_the_warehouse(settings, registry, warehouse):
    ingest(
        warehouse,
        settings,
        registry,
        "NTH",
        drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}),
    )
    dump = str(warehouse.sql("select * from canonical.children").fetchall()) + str(
        warehouse.sql("select * from canonical.episodes").fetchall()
    )
    assert "A123456789012" not in dump  # UPN
    keys = warehouse.sql("select distinct child_key from canonical.episodes").fetchall()
    assert {k for (k,) in keys}.isdisjoint({"C1", "C2"}) and all(len(k) == 32 for (k,) in keys)
    assert "7TT" not in dump and "EG19" in dump  # postcode district only
    births = warehouse.sql("select distinct day(birth_month) from canonical.children").fetchall()
    assert births == [(1,)]


def test_pseudonyms_are_stable_and_keyed(settings, registry, warehouse):
    from pipelines.ingest.privacy import pseudonymise

    ids, council = pd.Series(["C1", "C1", None]), pd.Series(["NTH"] * 3)
    a, b = pseudonymise(council, ids, "k1"), pseudonymise(council, ids, "k2")
    assert a[0] == a[1] and a[0] != b[0] and pd.isna(a[2])
    assert pseudonymise(pd.Series(["KIL"] * 3), ids, "k1")[0] != a[0]
    # The scheme itself must never drift, or every child's key changes between loads.
    assert a[0] == hmac.new(b"k1", b"NTH|C1", hashlib.sha256).hexdigest()[:32]


@pytest.mark.parametrize("key", ["k1", "k" * 64, "k" * 65, "clé-£"])
def test_pseudonyms_are_rfc_2104_hmac_for_any_key_and_id(key):
    """The keys are HMAC-SHA256 by its definition: keys longer than the hash's block, keys and
    ids beyond ASCII, missing values, several columns in one call."""
    from pipelines.ingest.privacy import pseudonymise_all

    councils = pd.Series(["NTH", "NTH", None, "KIL", "KIL"], index=[5, 6, 7, 8, 9])
    ids = pd.Series(["C1", None, "C3", "é£😀", "0012"], index=[5, 6, 7, 8, 9])
    first, second = pseudonymise_all([(councils, ids), (councils[:1], ids[:1])], key)

    def expected(council, child):
        if pd.isna(council) or pd.isna(child):
            return None
        text = f"{council}|{child}".encode()
        return hmac.new(key.encode(), text, hashlib.sha256).hexdigest()[:32]

    assert [None if pd.isna(v) else v for v in first] == list(map(expected, councils, ids))
    assert list(first.index) == [5, 6, 7, 8, 9] and second.tolist() == first[:1].tolist()


def test_agency_rows_must_name_a_partner_council(settings, registry, warehouse):
    households = (
        "HouseholdRef,LocalAuthority,AdopterCount,LegalStatus,EarlyPermanence\n"
        "H1,NTH,2,L11,N\nH2,XYZ,1,L0,Y\nH3,,1,L0,N\n"
    )
    ledger = (
        "LedgerRef,Period,CostPool,LocalAuthority,LineType,Amount\n"
        "L1,01-Apr-2022,central_hub,,BUDGET,2500000.00\n"
    )
    outcome = ingest(
        warehouse,
        settings,
        registry,
        "RAA",
        drop(
            settings.landing_dir, "RAA", "s1", {"households.csv": households, "ledger.csv": ledger}
        ),
    )
    bad = outcome.rejections.set_index("source_row")["rule"].to_dict()
    assert bad == {3: "council_not_registered", 4: "council_not_registered"}
    assert warehouse.sql(
        "select council_code, submitted_by from canonical.adopter_households"
    ).fetchall() == [("NTH", "RAA")]
    assert warehouse.sql("select council_code from canonical.finance_ledger").fetchall() == [
        (None,)
    ]


def test_a_case_systems_references_are_hashed_and_free_text_is_not_kept(
    settings, registry, warehouse
):
    """Whatever was typed into a household, case or ledger reference (here an NHS number and a
    name) is stored as a keyed hash, the same in every table, so the household's events still
    join it; the ledger's free-text narrative is checked but never stored."""
    from pipelines.ingest.privacy import record_key

    households = (
        "HouseholdRef,LocalAuthority,AdopterCount,LegalStatus,EarlyPermanence\n"
        "9434765919,NTH,2,L11,N\n"
    )
    events = "HouseholdRef,LocalAuthority,Stage,StageDate\n9434765919,NTH,Enquiry,01-Feb-2022\n"
    ledger = (
        "LedgerRef,Period,CostPool,LocalAuthority,LineType,Amount,Narrative\n"
        "Zebedee Quux,01-Apr-2022,central_hub,,BUDGET,2500000.00,Fee for Zebedee Quux ZZ9 9ZZ\n"
    )
    folder = drop(settings.landing_dir, "RAA", "s1",
                  {"households.csv": households, "events.csv": events, "ledger.csv": ledger})  # fmt: skip
    assert ingest(warehouse, settings, registry, "RAA", folder).status == "loaded"
    hashed = record_key(pd.Series(["9434765919"]), settings.pseudonym_key.get_secret_value())[0]
    assert warehouse.sql(
        "select h.household_id from canonical.adopter_households h"
        " join canonical.adopter_events e using (household_id)"
    ).fetchall() == [(hashed,)]
    ledger_columns = [
        c for (c, *_) in warehouse.sql("describe canonical.finance_ledger").fetchall()
    ]
    assert "description" not in ledger_columns
    dump = str(warehouse.sql("select * from canonical.finance_ledger").fetchall())
    assert "Zebedee" not in dump and "ZZ9" not in dump


def test_rows_an_earlier_release_stored_are_protected_in_place_even_if_the_reload_fails(
    settings, registry, warehouse
):
    """An upgrade from a release that kept a case system's references as sent: the rows in use
    are hashed in place before anything loads, so a council whose next export is refused does
    not keep (and publish again) references in clear; a reason off the list is blanked."""
    from pipelines.ingest.privacy import record_key

    households = (
        "HouseholdRef,LocalAuthority,AdopterCount,LegalStatus,EarlyPermanence\nH1,NTH,2,L11,N\n"
    )
    events = (
        "HouseholdRef,LocalAuthority,Stage,StageDate,LeavingReason\n"
        "H1,NTH,Enquiry,01-Feb-2022,\nH1,NTH,Withdrawn,01-Mar-2022,Health\n"
    )
    folder = drop(
        settings.landing_dir, "RAA", "s1", {"households.csv": households, "events.csv": events}
    )
    assert ingest(warehouse, settings, registry, "RAA", folder).status == "loaded"
    # as the earlier release left it: references as sent, a free-text reason, no release mark
    warehouse.execute("update canonical.adopter_households set household_id = '9434765919'")
    warehouse.execute("update canonical.adopter_events set household_id = '9434765919'")
    warehouse.execute("update canonical.adopter_events set reason = 'Zebedee Quux moved'"
                      " where reason is not null")  # fmt: skip
    assert warehouse.sql("select count(reason) from canonical.adopter_events").fetchone() == (1,)
    warehouse.execute("update audit.submissions set stored_as = null")
    refused = drop(settings.landing_dir, "RAA", "s2", {"households.csv": households[:-1] + "X"})
    (refused / "submission.yaml").write_text("reference_date: 2006-10-31\n")  # older: refused
    assert ingest(warehouse, settings, registry, "RAA", refused).status == "failed"
    hashed = record_key(pd.Series(["9434765919"]), settings.pseudonym_key.get_secret_value())[0]
    assert warehouse.sql("select distinct household_id from canonical.adopter_events"
                         ).fetchall() == [(hashed,)]  # fmt: skip
    assert warehouse.sql("select household_id from canonical.adopter_households").fetchall() == [
        (hashed,)
    ]
    assert warehouse.sql("select count(reason) from canonical.adopter_events").fetchone() == (0,)
    assert warehouse.sql("select stored_as from audit.submissions where submission_id = 's1'"
                         ).fetchall() == [(PROTECTION_RELEASE,)]  # fmt: skip
    # the next night finds nothing left to protect
    from pipelines.ingest.upgrade import protect_earlier_rows

    assert protect_earlier_rows(warehouse, settings.pseudonym_key.get_secret_value()) == 0


def test_an_agency_submission_holding_a_councils_children_is_refused(settings, registry, warehouse):
    """Children's records name no council in their rows: in the agency's folder (a partner's
    files dropped there by mistake) they would be filed as children of the agency itself.
    Refused whole, saying which file and where it belongs; nothing is filed under RAA."""
    households = (
        "HouseholdRef,LocalAuthority,AdopterCount,LegalStatus,EarlyPermanence\nH1,NTH,2,L11,N\n"
    )
    children = "ChildRef,Sex,DOB,EthnicOrigin,Disability\nCH100003,F,27-Dec-2018,WBRI,N\n"
    folder = drop(settings.landing_dir, "RAA", "s1",
                  {"households.csv": households, "kil_children.csv": children})  # fmt: skip
    outcome = ingest(warehouse, settings, registry, "RAA", folder)
    assert outcome.status == "failed"
    assert "holds the children table" in outcome.message
    assert "Children's records come in each council's own submission" in outcome.message
    assert warehouse.sql("select count(*) from canonical.children").fetchone()[0] == 0
    assert warehouse.sql("select count(*) from canonical.adopter_households").fetchone()[0] == 0
    loads = outcome.file_loads.set_index("file_name")
    assert loads.loc["kil_children.csv", ["rows_received", "status"]].tolist() == [1, "failed"]


def test_archive_is_immutable_and_replayable(settings, registry, warehouse):
    folder = drop(settings.landing_dir, "NTH", "s1", {"h.csv": GOOD_HEADER})
    submission = read_submission("NTH", folder)
    archived = archive_submission(submission, settings.archive_dir, "ssda903")
    assert archive_submission(submission, settings.archive_dir, "ssda903") == archived
    mode = (archived / "files" / "h.csv").stat().st_mode
    assert mode & 0o222 == 0  # no write permission for anyone
    # identifiers in clear: the warehouse's user and group only (red-team probe: it was 0444)
    assert mode & 0o777 == 0o440
    assert {(f.stat().st_mode & 0o777) for f in (archived, archived / "files")} == {0o750}
    replay = submission_from_archive(archived)
    assert replay.manifest_sha256 == submission.manifest_sha256


# The 104k set is loaded whole, with the demo region, by tests/test_region_with_public_set.py.
@pytest.mark.parametrize("folder", ["d2i-fake-903"])
def test_public_903_files_load_and_every_row_is_accounted_for(
    settings, registry, warehouse, folder
):
    source = PEER_DATA / folder
    assert source.is_dir(), (
        f"the public 903 files are not at {source}: put ../shared/peer-data beside the "
        "repository, or set RAA_PEER_DATA to the folder holding them"
    )
    target = settings.landing_dir / "NTH" / folder
    shutil.copytree(source, target)
    outcome = ingest(warehouse, settings, registry, "NTH", target)
    assert outcome.status == "loaded"
    loads = outcome.file_loads
    assert len(loads) == len(list(source.iterdir()))
    assert_accounted(outcome)
    stored = warehouse.sql("select count(*) from canonical.episodes").fetchone()[0]
    episodes = loads.set_index("canonical_table").loc["episodes"]
    assert stored == episodes["rows_accepted"] > 0
    assert outcome.rejections["message"].str.len().min() > 20


def test_a_council_column_holding_anything_else_is_told_by_its_shape(settings, registry, warehouse):
    households = (
        "HouseholdRef,LocalAuthority,AdopterCount,LegalStatus,EarlyPermanence\n"
        "H1,9434765919,2,L11,N\nH2,ZZ99ZZ,1,L0,N\nH3,XYZ,1,L0,N\n"
    )
    outcome = ingest_files(warehouse, settings, registry, "RAA", {"households.csv": households})
    told = outcome.rejections.set_index("source_row")
    assert told["offending_value"].to_dict() == {2: "9999999999", 3: "AA99AA", 4: "XYZ"}
    assert "'9999999999', which is not a partner council" in told.loc[2, "message"]
    dump = str(warehouse.sql("select * from audit.rejections").fetchall())
    assert "9434765919" not in dump and "ZZ99ZZ" not in dump
