"""Run the DfE reference 903 rule engine (csc-validator-be-903, `lac_validator`) over one dataset.

Runs in the reference's own venv (.venv-dfe: Python 3.11, pandas < 2), never in ours, so it
imports nothing of this project. `make dfe-reference` calls it once per public dataset:

    .venv-dfe/bin/python bench/dfe_reference/run_reference.py DATASET_DIR OUT_DIR [--limit-children N]

It writes into OUT_DIR:
  input/*.csv           the exact files validated (decompressed; with --limit-children, only the
                        first N children of header.csv in every table): compare.py ingests these
                        same files through our pipeline
  reference_flags.csv   rule, table, file_name, row: each row a reference rule flags, `row` being
                        the 0-based index of the data row in its file (the header is not counted)
  reference_rules.csv   the ruleset's catalogue: code, message, tables, affected_fields
  reference_run.json    ruleset, collection year, rules failed/skipped, seconds, peak memory
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib
import io
import json
import logging
import numbers
import resource
import shutil
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path

RULESETS = ("lac2022_23", "lac2023_24", "lac2024_25", "lac2025_26", "lac2026_27")
LOCAL_AUTHORITY = "E09000027"  # any real code: the synthetic postcodes match no authority anyway


def prepare_inputs(source: Path, target: Path, limit_children: int | None) -> list[Path]:
    """Copy every CSV (gzipped or not) to target/ as plain .csv; keep only the first N children
    of header.csv in every table when limit_children is given (rows keep their order)."""
    target.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in source.iterdir() if p.name.endswith((".csv", ".csv.gz")))
    texts = {p: _read_text(p) for p in sources}
    keep = None
    if limit_children is not None:
        header = next(p for p in sources if p.name.startswith("header."))
        rows = csv.DictReader(io.StringIO(texts[header]))
        keep = {r["CHILD"] for _, r in zip(range(limit_children), rows, strict=False)}
    written = []
    for path, text in texts.items():
        out = target / path.name.removesuffix(".gz")
        out.write_text(text if keep is None else _only_children(text, keep), encoding="utf-8")
        written.append(out)
    return written


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8-sig")


def _only_children(text: str, keep: set[str]) -> str:
    reader = csv.reader(io.StringIO(text))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(next(reader))
    writer.writerows(row for row in reader if row and row[0] in keep)
    return buffer.getvalue()


def collection_year(files: list[Path]) -> int:
    """The collection year (its end year: 2025 for 2024-25) of the latest episode start."""
    episodes = next(p for p in files if p.name.startswith("episodes."))
    starts = []
    for row in csv.DictReader(io.StringIO(episodes.read_text(encoding="utf-8"))):
        day, month, year = (int(x) for x in row["DECOM"].split("/"))
        starts.append(date(year, month, day))
    latest = max(starts)
    return latest.year + (latest.month >= 4)


def ruleset_for(year: int) -> str:
    """lac2024_25 for 2025; the nearest ruleset the package has for years outside its range."""
    wanted = f"lac{year - 1}_{year % 100:02d}"
    return wanted if wanted in RULESETS else (RULESETS[0] if wanted < RULESETS[0] else RULESETS[-1])


def run(files: list[Path], ruleset: str, year: int):
    from lac_validator.config import column_names
    from lac_validator.lac_validator import LacValidator

    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    uploads = [
        {"name": p.name, "description": "This year", "file_content": p.read_bytes()} for p in files
    ]
    metadata = {"collectionYear": str(year), "localAuthority": LOCAL_AUTHORITY}
    validator = LacValidator(metadata=metadata, files=uploads, registry=registry)
    file_of = {_table_of(p, column_names): p.name for p in files}
    return validator, registry, file_of


def _table_of(path: Path, column_names: dict[str, list[str]]) -> str | None:
    """The reference's table name for a file, found as the reference finds it: by its columns."""
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return next((t for t, cols in column_names.items() if set(cols) == set(header)), None)


def flags(validator, file_of: dict[str, str]) -> tuple[list[dict], int]:
    """Every (rule, table, file, row) flagged, and how many flags pointed at no input row."""
    found, stray = [], 0
    for table, frame in validator.ds_results.items():
        if table not in validator.dfs:
            continue
        rows = len(validator.dfs[table])
        for column in (c for c in frame.columns if str(c).startswith("ERR_")):
            for label in frame.index[frame[column].eq(True)]:
                if isinstance(label, numbers.Integral) and 0 <= label < rows:
                    found.append({"rule": column[4:], "table": table,
                                  "file_name": file_of.get(table), "row": int(label)})  # fmt: skip
                else:
                    stray += 1
    return found, stray


def catalogue(registry) -> list[dict]:
    def joined(values) -> str:
        return ";".join(sorted(str(v) for v in (values or ()) if v is not None))

    return [
        dict(code=r.code, message=r.message, tables=joined(r.tables),
             affected_fields=joined(r.affected_fields))
        for r in registry.values()
    ]  # fmt: skip


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--limit-children", type=int, default=None)
    parser.add_argument("--collection-year", type=int, help="end year: 2025 for 2024-25")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the engine logs every rule at INFO

    shutil.rmtree(args.out / "input", ignore_errors=True)
    files = prepare_inputs(args.dataset, args.out / "input", args.limit_children)
    year = args.collection_year or collection_year(files)
    ruleset = ruleset_for(year)
    started = time.perf_counter()
    validator, registry, file_of = run(files, ruleset, year)
    seconds = time.perf_counter() - started
    found, stray = flags(validator, file_of)
    write_csv(args.out / "reference_flags.csv", found, ["rule", "table", "file_name", "row"])
    write_csv(args.out / "reference_rules.csv", catalogue(registry),
              ["code", "message", "tables", "affected_fields"])  # fmt: skip
    summary = {
        "reference_version": version("csc-validator-be-903"),
        "dataset": args.dataset.name, "ruleset": ruleset, "collection_year": year,
        "limit_children": args.limit_children, "seconds": round(seconds, 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "rules_run": len(validator.dones), "rules_skipped": sorted(validator.skips),
        "rules_failed": sorted(validator.fails), "flags": len(found), "stray_flags": stray,
    }  # fmt: skip
    (args.out / "reference_run.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "rules_skipped"}))


if __name__ == "__main__":
    main()
