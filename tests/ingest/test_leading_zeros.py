"""CHILD ids that lost their leading zeros in one file (a spreadsheet opened and saved it, reading
them as numbers): the council is told why its files no longer join up, and no two ids are ever
taken to be the same child."""

from __future__ import annotations

from tests.ingest.helpers import EPISODES, HEADER, assert_accounted, ingest_files

PADDED_HEADER = HEADER + (
    "0070001,1,17/03/2019,WBRI,,,\n0070002,2,23/08/2020,BAFR,,,\n0070003,1,29/11/2018,WBRI,,,\n"
)
EPISODE_ROWS = [
    "{}70001,01/03/2020,S,C1,N1,U4,PR1,01/06/2020,X1,,,,\n",
    "{}70001,01/06/2020,L,C2,N1,U4,PR1,,,,,,\n",
    "{}70002,01/07/2021,S,V2,N4,U1,PR1,,,,,,\n",
    "ZQX79999,05/09/2021,S,V2,N4,U1,PR1,,,,,,\n",  # a child the Header truly lacks
]


def episodes(zeros: str) -> str:
    return EPISODES + "".join(row.format(zeros) for row in EPISODE_ROWS)


def test_ids_without_their_leading_zeros_in_one_file_are_queried_with_the_cause(
    settings, registry, warehouse
):
    files = {"header.csv": PADDED_HEADER, "episodes.csv": episodes("")}
    outcome = ingest_files(warehouse, settings, registry, "NTH", files)
    assert outcome.status == "loaded" and outcome.rejections.empty
    assert_accounted(outcome)
    queried = outcome.warnings.groupby("rule")["source_row"].apply(sorted).to_dict()
    # Each child once, at its first row; the child the Header truly lacks is not among them.
    assert queried["child_id_leading_zeros_lost"] == [2, 4]
    assert queried["child_not_in_header"] == [2, 4, 5]
    # Told, never matched: the episodes stay apart from the Header's children.
    joined = "select count(*) from canonical.episodes join canonical.children using (child_key)"
    assert warehouse.sql(joined).fetchone()[0] == 0
    report = (settings.outbox_dir / "NTH" / "s1" / "validation_report.html").read_text()
    # In the report's count of rows to check by rule, whatever the list of rows leaves out.
    assert "<td>child_id_leading_zeros_lost</td><td></td><td>2</td>" in report
    assert "A spreadsheet opening and saving a file may have removed them." in report

    # Every file saved so (the ids agree): nothing to say within the submission.
    files = {"header.csv": PADDED_HEADER.replace("\n00", "\n"), "episodes.csv": episodes("")}
    again = ingest_files(warehouse, settings, registry, "NTH", files, submission="s2")
    assert set(again.warnings["rule"]) == {"child_not_in_header"}
    assert again.warnings["source_row"].tolist() == [5]
