"""Names a council chooses (its submission folder's, its files', its sheets') are kept without
any direct identifier in them: they are audit keys, archive and outbox folders, and are quoted in
every message and alert. The rows are loaded all the same, and the council is told."""

from __future__ import annotations

from data_contracts.council_text import without_identifiers
from pipelines.ingest.landing import read_submission
from pipelines.ingest.load import PROTECTION_RELEASE
from pipelines.ingest.upgrade import protect_earlier_rows
from tests.ingest.helpers import GOOD, ingest, workbook, write

NHS_NUMBER = "9434765919"

KEPT_NAME_COLUMNS = """
select table_schema || '.' || table_name, column_name from information_schema.columns
where table_schema in ('audit', 'canonical') and column_name in ('submission_id', 'file_name',
  'sheet_name', 'message')
"""


def stored_anywhere(warehouse, text: str) -> list[str]:
    return [
        f"{table}.{column}"
        for table, column in warehouse.execute(KEPT_NAME_COLUMNS).fetchall()
        if warehouse.execute(
            f"select count(*) from {table} where contains({column}, ?)", [text]
        ).fetchone()[0]
    ]


def test_names_keep_dates_and_lose_identifiers():
    kept = {
        "2026-11-07": "2026-11-07",
        "20261107T0230": "20261107T0230",  # a time stamp is no NHS number
        "episodes_2024_25.csv": "episodes_2024_25.csv",
        f"export {NHS_NUMBER}": "export 9999999999",
        "943 476 5919 resend": "999 999 9999 resend",
        "A123456789012.csv": "A999999999999.csv",  # a UPN
        "child ZZ9 9ZZ": "child AA9 9AA",
        "call 07700 900123": "call 99999 999999",
        "from j.bloggs@council.gov.uk": "from A.AAAAAA@AAAAAAA.AAA.AA",
    }
    assert {name: without_identifiers(name) for name in kept} == kept


def test_identifiers_in_folder_file_and_sheet_names_are_not_kept(settings, registry, warehouse):
    council = settings.landing_dir / "NTH"
    header, episodes = GOOD["header.csv"], GOOD["episodes.csv"]
    rows = [line.split(",") for line in episodes.strip().splitlines()]
    write(council / f"2026-11-07 {NHS_NUMBER}", {
        f"header {NHS_NUMBER}.csv": header,
        "episodes.xlsx": workbook({f"Episodes {NHS_NUMBER}": rows}),
    })  # fmt: skip
    submission = read_submission("NTH", council / f"2026-11-07 {NHS_NUMBER}")
    assert submission.submission_id == "2026-11-07 9999999999"
    assert sorted(f.name for f in submission.files) == ["episodes.xlsx", "header 9999999999.csv"]

    outcome = ingest(warehouse, settings, registry, "NTH", council / f"2026-11-07 {NHS_NUMBER}")

    assert outcome.status == "loaded" and outcome.rows_rejected == 0
    assert (
        warehouse.execute("select count(*) from canonical.episodes").fetchone()[0] == len(rows) - 1
    )
    assert stored_anywhere(warehouse, NHS_NUMBER) == []
    sheets = warehouse.execute(
        "select sheet_name from audit.file_loads where sheet_name is not null"
    )
    assert sheets.fetchall() == [("Episodes 9999999999",)]
    outbox = [p for p in settings.outbox_dir.rglob("*")]
    assert outbox and not any(NHS_NUMBER in str(p) for p in outbox)
    assert not any(NHS_NUMBER in p.name for p in settings.archive_dir.rglob("*"))
    report = settings.outbox_dir / "NTH" / "2026-11-07 9999999999" / "validation_report.html"
    text = report.read_text(encoding="utf-8")
    assert NHS_NUMBER not in text
    assert "The submission folder&#x27;s name holds what looks like a personal identifier" in text
    assert "A file&#x27;s name holds what looks like a personal identifier" in text


def test_two_names_that_read_the_same_once_kept_stay_apart(settings):
    council = settings.landing_dir / "NTH"
    write(council / "s1", {f"{NHS_NUMBER}.csv": "a", "9434765920.csv": "b", "9999999999.csv": "c"})
    names = sorted(f.name for f in read_submission("NTH", council / "s1").files)
    assert names == ["9999999999 (2).csv", "9999999999 (3).csv", "9999999999.csv"]


def test_names_an_earlier_release_kept_as_sent_are_rewritten_in_place(
    settings, registry, warehouse
):
    """An upgrade: submission ids and file names stored in clear by an earlier release lose
    their identifiers in every table, the same way, before anything else loads; the references
    that release already hashed are not hashed again."""
    council = settings.landing_dir / "NTH"
    write(council / "s1", GOOD)
    assert ingest(warehouse, settings, registry, "NTH", council / "s1").status == "loaded"
    rows = "select * exclude (submission_id) from canonical.episodes order by all"
    rows_before = warehouse.execute(rows).fetchall()
    sent_as = f"s1 {NHS_NUMBER}"
    for table, column in warehouse.execute(KEPT_NAME_COLUMNS).fetchall():
        if column == "submission_id":
            warehouse.execute(f"update {table} set {column} = ?", [sent_as])
    warehouse.execute("update audit.file_loads set file_name = ?", [f"header {NHS_NUMBER}.csv"])
    warehouse.execute("update audit.submissions set stored_as = 2")

    assert protect_earlier_rows(warehouse, settings.pseudonym_key.get_secret_value()) == 1

    assert stored_anywhere(warehouse, NHS_NUMBER) == []
    ids = warehouse.execute(
        "select distinct submission_id from canonical.episodes union "
        "select distinct submission_id from audit.submissions"
    ).fetchall()
    assert ids == [("s1 9999999999",)]
    assert warehouse.execute(rows).fetchall() == rows_before
    stored_as = warehouse.execute("select distinct stored_as from audit.submissions").fetchall()
    assert stored_as == [(PROTECTION_RELEASE,)]
    assert protect_earlier_rows(warehouse, settings.pseudonym_key.get_secret_value()) == 0


def test_an_upgrade_keeps_two_names_apart_as_a_new_load_does():
    """The name an upgrade rewrites onto one already in use gets ' (2)' before its extension,
    as landing.read_submission names a new submission's files (one function, names_kept)."""
    import duckdb

    from pipelines.ingest.upgrade import _keep_names_without_identifiers

    con = duckdb.connect()
    con.execute("create schema audit; create table audit.file_loads (file_name varchar)")
    con.execute("insert into audit.file_loads values (?), ('header 9999999999.csv')",
                [f"header {NHS_NUMBER}.csv"])  # fmt: skip
    _keep_names_without_identifiers(con)
    names = sorted(n for (n,) in con.execute("select file_name from audit.file_loads").fetchall())
    assert names == ["header 9999999999 (2).csv", "header 9999999999.csv"]


def test_identifiers_with_other_separators_are_kept_by_their_shape():
    """The red-team probe: an NHS number dotted, with an en dash or an underscore, a phone
    number in brackets, a temporary UPN and an email address passed into kept names (the
    submission's key, published in meta.publish_submissions) and messages."""
    from data_contracts.council_text import safe_text, without_identifiers

    sent = ("s4 943.476.5919 943–476–5919 943_476_5919 (01632) 960123 +44 (0)7700 900123 "
            "A12345678901B zebedee.quux@example.org")  # fmt: skip
    kept = ("s4 999.999.9999 999–999–9999 999_999_9999 (99999) 999999 +99 (9)9999 999999 "
            "A99999999999A AAAAAAA.AAAA@AAAAAAA.AAA")  # fmt: skip
    assert without_identifiers(sent) == kept
    assert without_identifiers("2026-11-07-a") == "2026-11-07-a"  # dates name submissions
    assert safe_text("zebedee.quux@example.org 943–476–5919") == (
        "AAAAAAA.AAAA@AAAAAAA.AAA 999–999–9999"
    )
