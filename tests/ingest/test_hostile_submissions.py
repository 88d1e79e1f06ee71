"""A corpus of broken and hostile submissions, each dropped as a council's next submission after
a good one, and judged on what a night must guarantee:

- one recorded outcome (`loaded`, `unchanged` or `failed`) in `audit.submissions`, and a report
  that tells the council what happened, in the words each case expects;
- on `failed`, the previous data untouched, still current and flagged stale;
- every row sent accounted for: received = accepted + rejected per file, and for a CSV the rows
  received equal the file's records counted here, line by line, not by the loader's parser;
- nothing protected stored, reported or logged (the privacy walk in tests/ingest/conftest.py).

The cases are grouped by the class of problem; add a case to the list to grow the corpus.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from data_contracts.profiles import load_profile
from pipelines.ingest import batch as batch_module
from pipelines.ingest.landing import (
    SubmissionFile,
    folder_state,
    is_stable,
    latest_submission,
    submission_folders,
    unregistered_folders,
)
from pipelines.ingest.read import files as read_module
from pipelines.ingest.submission import ingest_submissions
from tests.ingest.helpers import (
    CHILDREN,
    EPISODE_ROWS,
    EPISODES,
    GOOD,
    HEADER,
    META,
    assert_accounted,
    workbook,
    write,
)
from tests.privacy_scan import leaks

NEW_META = META.replace("10-31", "11-30")  # the same files, exported later: read again
GOOD_ROWS = {"children": 3, "episodes": 4}


def with_files(**changes: str | bytes | None) -> Callable[[Path], None]:
    """The good files with some replaced (None removes one); names may not be identifiers, so
    `changes` keys use '__' for '.'."""
    files = dict(GOOD)
    for key, content in changes.items():
        name = key.replace("__", ".")
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    return lambda folder: write(folder, files)


def with_meta(meta: str | bytes) -> Callable[[Path], None]:
    return lambda folder: write(folder, GOOD, meta)


def csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()]


def damaged_gzip(text: str) -> bytes:
    data = bytearray(gzip.compress(text.encode() * 50))
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(16)
    return bytes(data)


def link_out(folder: Path) -> None:
    """episodes.csv is a link to a file outside the landing area holding other rows."""
    outside = folder.parents[2] / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "stolen.csv").write_text(EPISODES + "ZQX79999,01/03/2020,S,C1,N1,U4,PR1,,,,,,\n")
    write(folder, {"header.csv": GOOD["header.csv"]})
    (folder / "episodes.csv").symlink_to(outside / "stolen.csv")


def hard_link_out(folder: Path) -> None:
    """header.csv is a hard link to another council's file: the same bytes under two names."""
    other = folder.parents[1] / "ASH" / "2026-10-31"
    write(other, {"children.csv": HEADER + "ZQX79998,F,30/01/2020,WBRI,,,\n"})
    write(folder, {"episodes.csv": GOOD["episodes.csv"]})
    os.link(other / "children.csv", folder / "header.csv")


def link_within(folder: Path) -> None:
    write(folder, GOOD)
    (folder / "copy_of_episodes.csv").symlink_to(folder / "episodes.csv")


def folder_is_a_link(folder: Path) -> None:
    elsewhere = folder.parents[2] / "elsewhere"
    write(elsewhere, GOOD)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.symlink_to(elsewhere, target_is_directory=True)


def named_pipe(folder: Path) -> None:
    write(folder, GOOD)
    os.mkfifo(folder / "episodes_pipe.csv")


def bad_file_name(folder: Path) -> None:
    write(folder, GOOD)
    name = os.fsencode(folder) + b"/epis\xf6des_extra.csv"
    with open(name, "wb") as handle:
        handle.write(GOOD["episodes.csv"].encode())


def empty_folder(folder: Path) -> None:
    folder.mkdir(parents=True)


def system_files(folder: Path) -> None:
    """(With a new export date, so that the files are read rather than found unchanged.)"""
    write(folder, {**GOOD, ".DS_Store": b"\x00\x00\x00\x01Bud1\x00", "Thumbs.db": b"\xd0\xcf\x11",
                   "~$header.xlsx": b"\x0bJo Bloggs\x00"}, NEW_META)  # fmt: skip


def lines(rows: list[str], end: str) -> str:
    return "".join(r.rstrip("\n") + end for r in rows)


def mixed_ends(text: str) -> str:
    ends = ["\r\n", "\n", "\r"]
    return "".join(line + ends[i % 3] for i, line in enumerate(text.splitlines()))


@dataclass
class Case:
    name: str
    kind: str  # the class of problem
    build: Callable[[Path], None]  # writes the second submission's folder
    expect: str  # loaded | unchanged | failed
    says: str = ""  # what the council is told (outcome, file notes or rejections)
    patch: dict[tuple[object, str], object] = field(default_factory=dict)
    check: Callable[[object, object], None] | None = None  # (outcome, warehouse)


def rejected_at(rule: str, row: int, value: str | None = None):
    def check(outcome, warehouse) -> None:
        found = outcome.rejections[outcome.rejections["rule"] == rule]
        assert row in set(found["source_row"]), found
        if value is not None:
            assert value in set(found["offending_value"]), found["offending_value"].tolist()

    return check


def stored_children(count: int):
    def check(outcome, warehouse) -> None:
        assert warehouse.sql("select count(*) from canonical.children").fetchone()[0] == count

    return check


def raise_unexpected(*args, **kwargs):
    raise RuntimeError("cannot map ZQX70001 born 17/03/2019")  # quotes data, as errors may


# fmt: off
CASES = [
    # 1. Crashes instead of outcomes
    Case(
        "cr_line_ends",
        "crash",
        with_files(
            header__csv=GOOD["header.csv"].replace("\n", "\r"),
            episodes__csv=GOOD["episodes.csv"].replace("\n", "\r"),
        ),
        "loaded",
    ),
    Case(
        "mixed_line_ends",
        "crash",
        with_files(episodes__csv=mixed_ends(GOOD["episodes.csv"])),
        "loaded",
    ),
    Case(
        "lf_cr_line_ends",
        "crash",
        with_files(episodes__csv=lines([EPISODES, *EPISODE_ROWS], "\n\r")),
        "loaded",
    ),
    Case(
        "unicode_line_separators",
        "crash",
        with_files(episodes__csv=lines([EPISODES, *EPISODE_ROWS], "\u2028")),
        "loaded",
    ),
    Case(
        "gzip_cut_short",
        "crash",
        with_files(
            episodes__csv=None,
            episodes__csv__gz=gzip.compress(GOOD["episodes.csv"].encode() * 20)[:150],
        ),
        "failed",
        "damaged compressed file",
    ),
    Case(
        "gzip_bytes_damaged",
        "crash",
        with_files(episodes__csv=None, episodes__csv__gz=damaged_gzip(GOOD["episodes.csv"])),
        "failed",
        "damaged compressed file",
    ),
    Case(
        "bzip2_export",
        "crash",
        with_files(
            episodes__csv=None, episodes__csv__bz2=bz2.compress(GOOD["episodes.csv"].encode())
        ),
        "loaded",
    ),
    Case(
        "yaml_not_yaml",
        "crash",
        with_meta("reference_date: [2026-10-31\n"),
        "failed",
        "submission.yaml is not valid YAML",
    ),
    Case(
        "yaml_date_not_iso",
        "crash",
        with_meta("reference_date: 31/10/2026\n"),
        "failed",
        "reference_date: '99/99/9999' is not a valid export date (not a date written as yyyy-mm-dd",
    ),
    Case(
        "yaml_impossible_date",
        "crash",
        with_meta("reference_date: 2026-02-30\n"),
        "failed",
        "'9999-99-99' is not a real date",
    ),
    Case(
        "yaml_year_as_words",
        "crash",
        with_meta("collection_year: twenty twenty-five\n"),
        "failed",
        "is not a collection year",
    ),
    Case(
        "yaml_year_as_range",
        "crash",
        with_meta("reference_date: 2026-10-31\ncollection_year: 2025-26\n"),
        "loaded",
    ),
    Case(
        "yaml_misspelt_setting",
        "crash",
        with_meta("reference_data: 2026-10-31\n"),
        "failed",
        "'reference_data' is not a setting",
    ),
    Case("yaml_a_list", "crash", with_meta("- 2026-10-31\n"), "failed", "should hold settings"),
    Case(
        "yaml_not_utf8",
        "crash",
        with_meta(b"reference_date: 2026-10-31 \xff\n"),
        "failed",
        "submission.yaml is not UTF-8",
    ),
    Case("file_name_not_utf8", "crash", bad_file_name, "failed", "A file name is not plain text"),
    Case("empty_folder", "crash", empty_folder, "failed", "holds no files"),
    Case("only_the_note", "crash", lambda f: write(f, {}), "failed", "holds no files"),
    Case(
        "unexpected_error",
        "crash",
        with_files(episodes__csv=GOOD["episodes.csv"] + "\n"),
        "failed",
        "an unexpected error (RuntimeError)",
        patch={(batch_module, "to_canonical"): raise_unexpected},
    ),
    # 2. Rows lost in silence
    Case(
        "unbalanced_quote",
        "silent loss",
        with_files(episodes__csv=EPISODES + EPISODE_ROWS[0] + '"' + "".join(EPISODE_ROWS[1:]) * 30),
        "failed",
        'A quote (") opened on line 3 is never closed',
    ),
    Case(
        "unbalanced_quote_near_the_end",
        "silent loss",
        with_files(
            episodes__csv=EPISODES
            + "".join(EPISODE_ROWS[:3])
            + 'ZQX70003,05/09/2021,S,V2,N4,U1,"PR1,,,,,,\n'
            + EPISODE_ROWS[3]
        ),
        "failed",
        "opened on line 5 is never closed",
    ),
    Case(
        "unbalanced_quote_below_blank_lines",
        "silent loss",
        with_files(
            episodes__csv="\n\n" + EPISODES + EPISODE_ROWS[0] + '"' + "".join(EPISODE_ROWS[1:])
        ),
        "failed",
        'A quote (") opened on line 5 is never closed',
    ),
    Case(
        "line_break_inside_a_quoted_value",
        "silent loss",
        with_files(
            episodes__csv=EPISODES
            + EPISODE_ROWS[0].replace("WV27 9FW", '"WV27\n9FW"')
            + "".join(EPISODE_ROWS[1:])
        ),
        "loaded",
        "A value in quotes runs from line 2 onto line 3: no value of the layout spans lines",
    ),
    Case(
        "hidden_file_name",
        "silent loss",
        with_files(episodes__csv=None, **{"_episodes__csv": GOOD["episodes.csv"]}),
        "loaded",
    ),
    Case(
        "system_files_beside_the_export",
        "silent loss",
        system_files,
        "loaded",
        "not read: an Office lock file",
    ),
    Case(
        "corrected_note",
        "silent loss",
        with_meta("reference_date: 2026-11-30\ncollection_year: 2025\n"),
        "loaded",
    ),
    Case("identical_resend", "silent loss", with_meta(META), "unchanged"),
    # 3. Wrong words or wrong place
    Case(
        "blank_lines_in_a_csv",
        "wrong place",
        with_files(
            header__csv=HEADER
            + CHILDREN[0]
            + "\n\n"
            + CHILDREN[1]
            + "\n"
            + "ZQX70004,X,30/01/2020,WBRI,,,\n"
            + CHILDREN[2]
        ),
        "loaded",
        check=rejected_at("code_list", 7, "X"),
    ),
    Case(
        "sheet_below_blank_rows",
        "wrong place",
        with_files(
            header__csv=None,
            header__xlsx=workbook(
                {
                    "Header": [
                        [None],
                        [None],
                        *csv_rows(HEADER + "".join(CHILDREN))[:1],
                        *csv_rows("".join(CHILDREN)),
                    ]
                }
            ),
        ),
        "loaded",
        check=stored_children(3),
    ),
    Case(
        "sheet_below_a_title",
        "wrong place",
        with_files(
            header__csv=None,
            header__xlsx=workbook(
                {
                    "Header": [
                        ["Looked-after children: export of 31/10/2026"],
                        [None],
                        *csv_rows(HEADER),
                        *csv_rows(CHILDREN[0] + "ZQX70004,Q,30/01/2020,WBRI,,,\n"),
                    ]
                }
            ),
        ),
        "loaded",
        check=rejected_at("code_list", 5, "Q"),
    ),
    Case(
        "na_cell_in_a_workbook",
        "wrong place",
        with_files(
            header__csv=None,
            header__xlsx=workbook(
                {
                    "Header": [
                        *csv_rows(HEADER),
                        *csv_rows(CHILDREN[0]),
                        ["ZQX70004", "F", "#N/A", "#N/A"],
                    ]
                }
            ),
        ),
        "loaded",
        "'#N/A'",
        check=rejected_at("real_date", 3, "#N/A"),
    ),
    Case(
        "na_text_in_a_csv",
        "wrong place",
        with_files(header__csv=HEADER + CHILDREN[0] + "ZQX70004,F,30/01/2020,#N/A,,,\n"),
        "loaded",
        check=rejected_at("code_list", 3, "#N/A"),
    ),
    # 4. Security and privacy
    Case("link_out_of_the_landing_area", "security", link_out, "failed", "is a link"),
    Case("link_within_the_submission", "security", link_within, "failed", "is a link"),
    Case(
        "submission_folder_is_a_link",
        "security",
        folder_is_a_link,
        "failed",
        "The submission folder is a link",
    ),
    Case("named_pipe", "security", named_pipe, "failed", "not an ordinary file"),
    Case(
        "hard_link_to_another_councils_file",
        "security",
        hard_link_out,
        "failed",
        "header.csv has other links to it (a hard link",
    ),
    Case(
        "us_format_dates_of_birth",
        "privacy",
        with_files(
            header__csv=HEADER + "ZQX70001,M,03/17/2019,WBRI,,,\nZQX70002,F,08/23/2020,BAFR,,,\n"
        ),
        "loaded",
        check=rejected_at("real_date", 2, "99/99/9999"),
    ),
    Case(
        "child_id_too_long",
        "privacy",
        with_files(
            header__csv=HEADER + CHILDREN[0] + "ZQX7" + "1" * 44 + ",F,30/01/2020,WBRI,,,\n"
        ),
        "loaded",
        check=rejected_at("text_length", 3),
    ),
    Case(
        "postcode_too_long",
        "privacy",
        with_files(episodes__csv=EPISODES + EPISODE_ROWS[0].replace("EG19 7TT", "EG19 7TTZQXQZ")),
        "loaded",
        check=rejected_at("text_length", 2, "AA99 9AAAAAAA"),
    ),
    Case(
        "file_without_its_header_row",
        "privacy",
        with_files(header__csv="".join(CHILDREN)),
        "failed",
        "is not a table of the",
    ),
    Case(
        "a_names_column",
        "privacy",
        with_files(
            header__csv=HEADER.replace("\n", ",Forename\n") + CHILDREN[0].replace("\n", ",Amelia\n")
        ),
        "failed",
        "Personal details must not",
    ),
    # 5. What careless exports and other systems produce
    Case(
        "utf16_with_bom",
        "careless",
        with_files(header__csv=GOOD["header.csv"].encode("utf-16")),
        "loaded",
        "read as UTF-16 text",
    ),
    Case(
        "utf16_without_bom",
        "careless",
        with_files(header__csv=GOOD["header.csv"].encode("utf-16-le")),
        "loaded",
        "read as UTF-16",
    ),
    Case(
        "utf8_with_bom",
        "careless",
        with_files(header__csv=b"\xef\xbb\xbf" + GOOD["header.csv"].encode()),
        "loaded",
    ),
    Case(
        "windows_1252",
        "careless",
        with_files(
            header__csv=(HEADER + CHILDREN[0] + "ZQX7É005,F,30/01/2020,WBRI,,,\n").encode("cp1252")
        ),
        "loaded",
        "Windows-1252",
    ),
    Case(
        "trailing_commas",
        "careless",
        with_files(header__csv=GOOD["header.csv"].replace("\n", ",,\n")),
        "loaded",
        "2 column(s) with no header left out",
    ),
    Case(
        "nul_bytes_inside",
        "careless",
        with_files(episodes__csv=GOOD["episodes.csv"].replace("PR1", "P\x00R1", 1)),
        "failed",
        "holds binary data",
    ),
    Case(
        "old_excel_format",
        "careless",
        with_files(header__csv=None, header__xls=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),
        "failed",
        "is not a CSV or XLSX file",
    ),
    Case(
        "file_over_the_size_limit",
        "careless",
        with_meta(NEW_META),
        "failed",
        "are not loaded",
        patch={(read_module, "MAX_FILE_BYTES"): 200},
    ),
    Case(
        "compressed_file_over_the_limit",
        "careless",
        with_files(
            episodes__csv=None, episodes__csv__gz=gzip.compress(GOOD["episodes.csv"].encode() * 400)
        ),
        "failed",
        "unpacks to more than",
        patch={(read_module, "MAX_FILE_BYTES"): 20_000},
    ),
    Case(
        "value_over_the_field_limit",
        "careless",
        with_files(
            episodes__csv=EPISODES + EPISODE_ROWS[0].replace(",X1,,", ",X1," + "x" * 5000 + ",")
        ),
        "failed",
        "characters long",
    ),
    Case(
        "table_sent_twice",
        "careless",
        with_files(episodes_copy__csv=GOOD["episodes.csv"]),
        "failed",
        "both hold the Episodes table",
    ),
    Case("zero_byte_file", "careless", with_files(episodes__csv=""), "failed", "is empty"),
    Case(
        "cut_off_mid_row",
        "careless",
        with_files(episodes__csv=GOOD["episodes.csv"] + "ZQX70003,01/10/2021,S"),
        "loaded",
        "cut short",
    ),
    Case(
        "files_in_a_subfolder",
        "careless",
        lambda f: write(
            f,
            {"export/header.csv": GOOD["header.csv"], "export/episodes.csv": GOOD["episodes.csv"]},
        ),
        "loaded",
    ),
    Case(
        "every_value_quoted",
        "careless",
        with_files(
            header__csv="".join(
                ",".join(f'"{v}"' for v in line.split(",")) + "\n"
                for line in GOOD["header.csv"].splitlines()
            )
        ),
        "loaded",
    ),
]
# fmt: on


def load_latest(settings, registry, warehouse):
    submission = latest_submission(settings.landing_dir, "NTH")
    return ingest_submissions(warehouse, settings, registry, [(registry.get("NTH"), submission)])[0]


def counts(warehouse) -> dict[str, int]:
    return {
        t: warehouse.sql(f"select count(*) from canonical.{t}").fetchone()[0]
        for t in ("children", "episodes", "adoption_matches")
    }


def records_in(path: Path) -> int:
    """Rows of data in a CSV, counted from its lines (blank lines apart), not by a CSV parser: a
    line inside a value in quotes (one opened on an earlier line) starts no row."""
    data = path.read_bytes()
    for magic, unpack in ((b"\x1f\x8b", gzip.decompress), (b"BZh", bz2.decompress)):
        if data.startswith(magic):
            data = unpack(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
    elif data.count(0) * 2 >= len(data) - 2:
        text = data.decode("utf-16-le")
    else:
        text = data.decode("utf-8", errors="replace")
    for end in ("\r\n", "\r", "\u2028"):
        text = text.replace(end, "\n")
    starts, quoted = 0, False
    for line in text.split("\n"):
        starts += bool(line) and not quoted
        quoted ^= line.count('"') % 2 == 1
    return starts - 1


def told(outcome) -> str:
    notes = outcome.file_loads["message"].dropna().tolist() if len(outcome.file_loads) else []
    return " | ".join([outcome.message, *notes, *outcome.rejections["message"].tolist()])


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}:{c.name}" for c in CASES])
def test_a_broken_submission_after_a_good_one(case, settings, registry, warehouse, monkeypatch):
    council = settings.landing_dir / "NTH"
    write(council / "s1-good", GOOD)
    assert load_latest(settings, registry, warehouse).status == "loaded"
    before = counts(warehouse)
    assert before["children"] == GOOD_ROWS["children"]
    for (module, name), value in case.patch.items():
        monkeypatch.setattr(module, name, value)
    folder = council / "s2-case"
    case.build(folder)

    outcome = load_latest(settings, registry, warehouse)

    assert outcome.status == case.expect, told(outcome)
    assert case.says in told(outcome)
    current = warehouse.sql(
        "select submission_id, is_stale from audit.current_submissions where council_code = 'NTH'"
    ).fetchone()
    if case.expect == "unchanged":
        assert counts(warehouse) == before and current == ("s1-good", False)
        return
    recorded = warehouse.execute(
        "select status from audit.submissions where council_code = 'NTH' and submission_id = ?",
        [outcome.submission_id],
    ).fetchall()
    assert recorded == [(case.expect,)]
    report = settings.outbox_dir / "NTH" / outcome.submission_id / "validation_report.html"
    assert report.exists()
    if case.expect == "failed":
        assert counts(warehouse) == before
        assert current == ("s1-good", True)
        assert "could not be loaded" in report.read_text()
    else:
        assert current == (outcome.submission_id, False)
    loads = outcome.file_loads
    assert_accounted(outcome)
    for row in loads[loads["status"] == "loaded"].itertuples():
        if pd.isna(row.sheet_name):
            assert row.rows_received == records_in(folder / row.file_name), row.file_name
    if case.check:
        case.check(outcome, warehouse)


def test_a_submission_folder_whose_name_is_not_utf8_fails_naming_it(settings, registry, warehouse):
    council = settings.landing_dir / "NTH"
    write(council / "s1-good", GOOD)
    assert load_latest(settings, registry, warehouse).status == "loaded"
    write(Path(os.fsdecode(os.fsencode(council) + b"/s2-\xff")), GOOD)
    outcome = load_latest(settings, registry, warehouse)
    assert outcome.status == "failed" and outcome.submission_id == "s2-\ufffd"
    assert "The submission folder's name is not plain text (shown here as 's2-\ufffd')" in told(
        outcome
    )


def test_a_link_out_of_the_landing_area_is_neither_loaded_nor_archived(
    settings, registry, warehouse
):
    council = settings.landing_dir / "NTH"
    write(council / "s1-good", GOOD)
    load_latest(settings, registry, warehouse)
    link_out(council / "s2-link")
    assert load_latest(settings, registry, warehouse).status == "failed"
    archived = [p for p in settings.archive_dir.rglob("*") if p.is_file()]
    assert not any("stolen" in p.read_text(errors="replace") or p.is_symlink() for p in archived)
    assert not any("ZQX79999" in p.read_text(errors="replace") for p in archived)
    stored = warehouse.sql("select count(*) from canonical.episodes").fetchone()[0]
    assert stored == GOOD_ROWS["episodes"]


def test_a_corrected_note_is_applied(settings, registry, warehouse):
    """The same files with a corrected submission.yaml are a new submission, and the correction
    (here the export date, which decides what counts as a future date) takes effect."""
    council = settings.landing_dir / "NTH"
    late = EPISODES + "".join(EPISODE_ROWS) + "ZQX70003,01/11/2026,S,V2,N4,U1,PR1,,,,,,\n"
    write(council / "s1", {**GOOD, "episodes.csv": late})
    first = load_latest(settings, registry, warehouse)
    assert dict(first.rejections.groupby("rule").size()) == {"no_future_dates": 1}
    write(council / "s2", {**GOOD, "episodes.csv": late}, META.replace("10-31", "11-30"))
    second = load_latest(settings, registry, warehouse)
    assert second.status == "loaded" and second.rejections.empty


def test_the_corpus_covers_every_class_of_the_issue():
    kinds = {c.kind for c in CASES}
    assert {"crash", "silent loss", "wrong place", "security", "privacy", "careless"} <= kinds
    assert len({c.name for c in CASES}) == len(CASES)


# Text a council controls (headers, settings in its note, file, sheet and folder names) holding
# identifiers: the messages (audit, report, log) quote it only through redact.safe_text.
SENTINELS = ("Zebedee", "Quux", "9434765919", "943 476 5919", "A123456789012", "ZZ9 9ZZ", "ZZ99ZZ",
             "28/09/2010")  # fmt: skip


def sentinels_in(text: str) -> list[str]:
    """Sentinels in the text as sent, in any case, with or without their spaces."""
    low, bare = text.lower(), "".join(text.lower().split())
    return [s for s in SENTINELS if s.lower() in low or "".join(s.lower().split()) in bare]


def with_extra_columns(headers: str, values: str) -> Callable[[Path], None]:
    lines = GOOD["header.csv"].splitlines()
    text = "\n".join([f"{lines[0]},{headers}", *(f"{line},{values}" for line in lines[1:])])
    return with_files(header__csv=text + "\n")


def error_in_c2(book: bytes, text: str) -> bytes:
    """The workbook with its first sheet's cell C2 an error cell (t="e") holding `text`, as a
    program other than Excel may write one."""
    source, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cell = f'<c r="C2" t="e"><v>{text}</v></c>'.encode()
                changed = re.sub(rb'<c r="C2"[^>]*>.*?</c>', cell, content, flags=re.S)
                assert changed != content
                content = changed
            target.writestr(item, content)
    return out.getvalue()


@dataclass
class Quoted:
    name: str
    build: Callable[[Path], None]
    expect: str
    says: str
    folder: str = "s2-case"
    # The sentinels are in a file, sheet or folder name, which the audit tables keep as the
    # submission's key: only the messages are searched. Otherwise the warehouse, the reports and
    # the log are (tests.privacy_scan.leaks).
    in_names: bool = False


QUOTED = [
    Quoted("unknown_headers", with_extra_columns("Ref 9434765919,ZZ9 9ZZ,Born 28/09/2010", "a,b,c"),
           "loaded", "ignored column(s) not in the layout: Ref 9999999999, AA9 9AA, Born 99/99/9999"),
    Quoted("name_like_headers", with_extra_columns("Child Name Zebedee Quux,NHS 943 476 5919", "a,b"),
           "failed", "(column 8, by the word 'Child Name'; column 9, by the word 'NHS')"),
    Quoted("repeated_header", with_extra_columns("A123456789012,A123456789012", "a,b"),
           "failed", "has the column(s) A999999999999 more than once"),
    Quoted("overlong_value", with_extra_columns("ZZ99ZZ 28/09/2010", "x" * 5000),
           "failed", "the value in column 8 (AA99AA 99/99/9999) on line 2 is 5,000 characters"),
    Quoted("note_values", with_meta("reference_date: Zebedee Quux 9434765919\n"
                                    "collection_year: ZZ9 9ZZ\nA123456789012: 28/09/2010\n"),
           "failed", "reference_date: 'AAAAAAA AAAA 9999999999' is not a valid export date"),
    Quoted("note_birth_date", with_meta("reference_date: 28/09/2010\n"
                                        "collection_year: '943 476 5919'\n"),
           "failed", "collection_year: '999 999 9999' is not a collection year"),
    Quoted("note_lists", with_meta("reference_date: [9434765919, Zebedee Quux]\n"
                                   "collection_year: {a: ZZ9 9ZZ}\n"),
           "failed", "reference_date: '[9999999999, 'AAAAAAA AAAA']' is not a valid export date"),
    Quoted("error_cell", with_files(header__csv=None, header__xlsx=error_in_c2(
               workbook({"Header": [*csv_rows(HEADER), ["ZQX70004", "F", "x", "WBRI"]]}),
               "#Quux 9434765919 ZZ9 9ZZ")),
           "failed", "cell(s) C2 are marked as a spreadsheet error"),
    Quoted("sheet_name", with_files(notes__xlsx=workbook({"ZZ9 9ZZ 9434765919": [["a"], ["b"]]})),
           "failed", "notes.xlsx (sheet 'AA9 9AA 9999999999') is not a table", in_names=True),
    Quoted("file_name", with_files(**{"ZZ9 9ZZ 9434765919__csv": ""}),
           "failed", "AA9 9AA 9999999999.csv is empty", in_names=True),
    Quoted("folder_name", with_files(), "failed",
           "shown here as 's3_AA9 9AA_999 999 9999_A999999999999?'",
           folder="s3_ZZ9 9ZZ_943 476 5919_A123456789012\x07", in_names=True),
    # The red-team probe's: an NHS number dotted, with an en dash or an underscore, a phone
    # number in brackets, a temporary UPN, an email address ...
    Quoted("folder_name_other_separators",
           with_files(**{"header.csv": HEADER + "".join(reversed(CHILDREN))}), "loaded", "",
           folder="s4 943.476.5919 943–476–5919 943_476_5919 (01632) 960123 A12345678901B "
                  "zebedee.quux@example.org", in_names=True),
    Quoted("email_in_note", with_meta(META + "zebedee.quux@example.org: 943–476–5919\n"),
           "failed", "'AAAAAAA.AAAA@AAAAAAA.AAA' is not a setting"),
    Quoted("email_header", with_extra_columns("zebedee.quux@example.org", "a"),
           "failed", "(column 8, by the word '@')"),
    # ... free text in PrevPerm's DATE_PERM (any 10 characters were stored) and short codes ...
    Quoted("prevperm_free_text", with_files(prevperm__csv=(
               "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\n"
               "ZQX70001,17/03/2019,Quux,,9434765919\nZQX70002,23/08/2020,Z1,,ZZ9 9ZZ\n")),
           "loaded", ""),  # queried, blank: the walk finds neither value anywhere
    # ... a name as a code (one short word was quoted as sent) ...
    Quoted("name_as_a_code", with_files(**{"header.csv": HEADER + CHILDREN[0].replace(
               "WBRI", "Zebedee") + "".join(CHILDREN[1:])}),
           "loaded", "'AAAAAAA'"),
    # ... and an export date that may be a date of birth, older than the one in use.
    Quoted("old_export_date", with_meta("reference_date: 2010-09-28\ncollection_year: 2025\n"),
           "failed", "Its export date, in September 2010, is earlier than"),
]  # fmt: skip


@pytest.mark.parametrize("case", QUOTED, ids=[c.name for c in QUOTED])
def test_council_text_in_messages_is_shown_by_shape(case, settings, registry, warehouse, caplog):
    council = settings.landing_dir / "NTH"
    write(council / "s1-good", GOOD)
    assert load_latest(settings, registry, warehouse).status == "loaded"
    case.build(council / case.folder)

    outcome = load_latest(settings, registry, warehouse)

    assert outcome.status == case.expect, told(outcome)
    assert case.says in told(outcome)
    assert not sentinels_in(told(outcome)), told(outcome)
    if not case.in_names:
        words = {s for s in SENTINELS if s != "943 476 5919"} | {"943 476", "476 5919"}
        assert not leaks(words, warehouse, settings.outbox_dir, caplog.text)


def test_an_unregistered_landing_folder_is_named_by_shape(settings, registry):
    write(settings.landing_dir / "Zebedee Quux 9434765919" / "2026-11-01", GOOD)
    assert unregistered_folders(settings.landing_dir, registry.codes) == ["Zebedee Quux 9999999999"]


def test_a_council_folder_that_is_a_link_is_not_followed(settings, registry, warehouse):
    """landing/FEN -> landing/NTH: FEN's loads would read NTH's files as FEN's. It is one refused
    "submission", told to the council and the operators as a linked submission folder is."""
    landing = settings.landing_dir
    write(landing / "NTH" / "s1-good", GOOD)
    (landing / "FEN").symlink_to(landing / "NTH", target_is_directory=True)

    assert submission_folders(landing, "FEN") == [landing / "FEN"]
    assert folder_state(landing / "FEN").startswith("FEN@")
    assert is_stable(landing / "FEN", 0)
    submission = latest_submission(landing, "FEN")
    assert submission.files == () and submission.submission_id == "FEN"
    outcome = ingest_submissions(warehouse, settings, registry, [(registry.get("FEN"), submission)])
    assert outcome[0].status == "failed"
    assert "The council's folder in the landing area (FEN) is a link" in outcome[0].message
    assert warehouse.sql("select count(*) from canonical.children").fetchone()[0] == 0


def test_a_file_linked_after_the_folder_was_read_is_not_read(tmp_path):
    """Between the folder being read and the file, a hard link may appear: the reader checks
    again on the file it opened."""
    (tmp_path / "elsewhere.csv").write_text(GOOD["header.csv"])
    os.link(tmp_path / "elsewhere.csv", tmp_path / "header.csv")
    file = SubmissionFile("header.csv", tmp_path / "header.csv", "", 10)
    with pytest.raises(read_module.FileProblem, match=r"header\.csv has other links to it"):
        read_module.read_file(file, load_profile("ssda903"))
