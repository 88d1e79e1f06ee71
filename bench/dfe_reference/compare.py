"""Compare our DfE-numbered flags with the DfE reference engine's, rule by rule.

Run with our venv after run_reference.py has filled the work folder (`make dfe-reference`):

    python -m bench.dfe_reference.compare [--work bench/cache/dfe_reference]

For each dataset folder in --work it ingests input/ (the very files the reference validated)
through our pipeline, joins both sides' flagged rows on (rule, file, row) and writes
bench/DFE_REFERENCE.md and, per dataset, differences.csv (every row that one side only flags
for a rule we give a DfE number).
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path

import pandas as pd

from bench.dfe_reference import ours
from bench.dfe_reference.report import render

# Our source_row is the line a council sees in a spreadsheet (header = line 1, first record =
# line 2); the reference reports the 0-based position of the record among the data rows (its
# pandas index). Both read the same files, which hold no blank lines (pandas would skip them).
ROW_OFFSET = 2
KEY = ["rule", "file_name", "row"]
COUNTS = ["reference", "ours", "both", "elsewhere", "rejected_by_us"]


def our_keys(flags: pd.DataFrame) -> pd.DataFrame:
    """Our flags that carry a DfE number, keyed as the reference keys its own: rule, file, row."""
    numbered = flags[flags["dfe_rule"].notna()]
    keys = pd.DataFrame({
        "rule": numbered["dfe_rule"].astype(str),
        "file_name": numbered["file_name"],
        "row": numbered["source_row"].astype("int64") - ROW_OFFSET,
    })  # fmt: skip
    return keys.drop_duplicates().reset_index(drop=True)


def rejected_rows(flags: pd.DataFrame) -> pd.DataFrame:
    """(file_name, row) of every row our ingestion held back, whatever the rule."""
    rejected = flags[flags["kind"] == "rejection"]
    rows = rejected["source_row"].astype("int64") - ROW_OFFSET
    return pd.DataFrame({"file_name": rejected["file_name"], "row": rows}).drop_duplicates()


def rejection_reasons(flags: pd.DataFrame) -> pd.DataFrame:
    """(file_name, row, we_rejected_for): the rules for which our ingestion held each row back."""
    rejected = flags[flags["kind"] == "rejection"]
    rows = rejected.assign(row=rejected["source_row"].astype("int64") - ROW_OFFSET)
    reasons = rows.groupby(["file_name", "row"])["rule"].agg(lambda r: ";".join(sorted(set(r))))
    return reasons.rename("we_rejected_for").reset_index()


def in_scope(reference: pd.DataFrame, scope: dict[str, set[str]]) -> pd.Series:
    """Whether each reference flag is in a file our version of its rule reports on (a rule
    without a scope counts everywhere). The reference often flags every table a cross-table rule
    reads; ours reports one."""
    return pd.Series(
        [r not in scope or f in scope[r] for r, f in zip(reference["rule"], reference["file_name"],
                                                          strict=True)],
        index=reference.index, dtype=bool,
    )  # fmt: skip


def compare(
    reference: pd.DataFrame,
    ours_keys: pd.DataFrame,
    scope: dict[str, set[str]] | None = None,
    rejected: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per rule either side flags: rows flagged by the reference (in scope), by us, by both;
    `elsewhere` (reference flags outside the rule's scope); `rejected_by_us` (reference-only rows
    our ingestion held back, so no cross-table warning could reach them); agreement both ways.
    Also every in-scope row flagged by one side only (side = reference | ours)."""
    reference = reference[KEY].astype({"rule": str, "row": "int64"}).drop_duplicates()
    inside = in_scope(reference, scope or {})
    elsewhere = reference[~inside].groupby("rule").size()
    joined = reference[inside].merge(ours_keys[KEY], on=KEY, how="outer", indicator=True)
    side = joined["_merge"].map({"left_only": "reference", "right_only": "ours", "both": "both"})
    joined = joined.drop(columns="_merge").assign(side=side.astype(str))
    held_back = joined.merge(
        (rejected if rejected is not None else pd.DataFrame(columns=["file_name", "row"]))
        .astype({"row": "int64"}).assign(held=True),
        on=["file_name", "row"], how="left",
    )["held"].fillna(False).astype(bool).to_numpy()  # fmt: skip
    counts = pd.crosstab(joined["rule"], joined["side"]).reindex(
        columns=["reference", "ours", "both"], fill_value=0
    )
    counts["reference"] += counts["both"]
    counts["ours"] += counts["both"]
    rules = counts.index.union(elsewhere.index)
    table = counts.reindex(rules, fill_value=0)
    table["elsewhere"] = elsewhere.reindex(rules, fill_value=0)
    ref_only = joined["side"].eq("reference").to_numpy() & held_back
    table["rejected_by_us"] = joined[ref_only].groupby("rule").size().reindex(rules, fill_value=0)
    table = table[COUNTS].astype("int64")
    table["agree_ref"] = ratio(table["both"], table["reference"])
    table["agree_ours"] = ratio(table["both"], table["ours"])
    differences = joined[joined["side"] != "both"].sort_values(KEY).reset_index(drop=True)
    return table.rename_axis("rule").reset_index(), differences


def ratio(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole, None where whole is 0 (nothing to agree with)."""
    return (part / whole.where(whole > 0)).astype(object).where(whole > 0, None)


def scopes(files: pd.DataFrame) -> dict[str, set[str]]:
    """DfE rule number -> the files holding the tables our version of that rule reports on."""
    tables = ours.checked_tables()
    file_names = files.groupby("canonical_table")["file_name"].agg(set).to_dict()
    return {
        number: set().union(*(file_names.get(t, set()) for t in tables.get(name, ())))
        for number, name in ours.numbered_rules().items()
        if name in tables
    }


def compare_dataset(folder: Path) -> dict:
    run = json.loads((folder / "reference_run.json").read_text())
    reference = pd.read_csv(folder / "reference_flags.csv", dtype={"rule": str})
    flags, files, seconds = ours.our_flags(folder / "input", run["collection_year"])
    table, differences = compare(reference, our_keys(flags), scopes(files), rejected_rows(flags))
    numbered = differences["rule"].isin(ours.numbered_rules())
    with_reasons = differences[numbered].merge(rejection_reasons(flags), on=KEY[1:], how="left")
    with_reasons.to_csv(folder / "differences.csv", index=False)
    catalogue = pd.read_csv(folder / "reference_rules.csv", dtype=str).fillna("")
    return {"run": run, "table": table, "catalogue": catalogue, "our_seconds": seconds}


def peak_rss_mb() -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) // 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("bench/cache/dfe_reference"))
    parser.add_argument("--report", type=Path, default=Path("bench/DFE_REFERENCE.md"))
    args = parser.parse_args(argv)
    folders = sorted(p.parent for p in args.work.glob("*/reference_run.json"))
    if not folders:
        raise SystemExit(f"no reference results in {args.work}: run make dfe-reference")
    results = {folder.name: compare_dataset(folder) for folder in folders}
    checked = set(ours.checked_tables())
    numbered = {n: r if r in checked else f"{r} (never checked)"
                for n, r in ours.numbered_rules().items()}  # fmt: skip
    args.report.write_text(render(results, numbered, peak_rss_mb()))
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
