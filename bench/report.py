"""bench/RESULTS.md, bench/scaling.png and bench/results.json from one benchmark run."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from dataclasses import asdict, fields
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.measure import Sample, Summary

HERE = Path(__file__).resolve().parent
PACKAGES = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "pandas", "pandera",
            "pyarrow")  # fmt: skip
VALIDATION = ("validate", "council rule", "cross-table")
TARGETS = {"national_wall": 60.0, "national_peak_mb": 4096.0, "peer_validation": 10.0,
           "region_wall": 20.0, "floor_ratio": 10.0, "daemon_ratio": 1.5}  # fmt: skip


def _fmt(triple, unit="s") -> str:
    median, low, high = triple
    digits = 0 if unit == "MB" else 1
    return f"{median:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def _row(name: str, samples: list[Sample] | None, key=None, note: str = "") -> str:
    if not samples:
        return f"| {name} | not available | | | {note} |"
    s = Summary.of(samples, key)
    ok = "" if s.ok else " **FAILED**"
    return f"| {name} | {_fmt(s.wall)}{ok} | {_fmt(s.cpu)} | {_fmt(s.peak_mb, 'MB')} | {note} |"


def _part(samples: list[Sample], names, what: str) -> list[float]:
    return [sum(s.report.get("parts", {}).get(n, {}).get(what, 0.0) for n in names)
            for s in samples]  # fmt: skip


def _parts_rows(samples: list[Sample]) -> list[str]:
    """Ingestion split into read/ingest and validation, measured inside the ingest process."""
    parts = sorted({p for s in samples for p in s.report.get("parts", {})})
    reading = [p for p in parts if p not in VALIDATION]
    rows = []
    for label, names in (("read/ingest (all but validation)", reading),
                         ("validation (pandera + cross-table)", VALIDATION)):  # fmt: skip
        wall, cpu = _part(samples, names, "wall"), _part(samples, names, "cpu")
        peak = [max((s.report["parts"].get(n, {}).get("peak_mb", 0.0) for n in names),
                    default=0.0) for s in samples]  # fmt: skip
        rows.append(
            f"| &nbsp;&nbsp;{label} | {_fmt(_spread(wall))} | {_fmt(_spread(cpu))} | "
            f"{_fmt(_spread(peak), 'MB')} (high-water) | {', '.join(names)} |"
        )
    return rows


def _spread(values: list[float]) -> tuple[float, float, float]:
    return (statistics.median(values), min(values), max(values)) if values else (0, 0, 0)


def _median_wall(samples, key=None) -> float:
    return Summary.of(samples, key).wall[0] if samples else float("nan")


def floor_wall(sample: Sample) -> float:
    return sample.report.get("sql_wall", sample.wall)


def stage_table(entry: dict) -> list[str]:
    lines = ["| stage | wall s: median (min–max) | CPU s | peak RSS MB | notes |",
             "|---|---|---|---|---|"]  # fmt: skip
    if "ingest" in entry:
        lines.append(_row("ingestion (no Dagster; worker processes when the night is big)",
                          entry["ingest"]))  # fmt: skip
    if entry.get("ingest_split"):
        lines.append(_row("ingestion in one process (`--workers 1`), split below",
                          entry["ingest_split"]))  # fmt: skip
        lines += _parts_rows(entry["ingest_split"])
    elif "ingest" in entry:
        lines += _parts_rows(entry["ingest"])
    if "dbt" in entry:
        lines.append(_row("dbt build", entry["dbt"]))
    if "publish" in entry:
        lines.append(_row("publish (`published_snapshot`)", entry["publish"],
                          note=entry.get("publish_note", "")))  # fmt: skip
    lines.append(_row("**whole `raa run`** (full load, empty warehouse)", entry["run"]))
    if entry.get("reload"):
        council = entry["reload"][0].report.get("council", "")
        lines.append(_row(f"one-council reload (`raa run` after {council} resubmits)",
                          entry["reload"]))  # fmt: skip
    if entry.get("night"):
        lines.append(_row("a night after (`raa run`: every council resubmits, Dagster home and "
                          "warehouse exist)", entry["night"]))  # fmt: skip
    if entry.get("daemon_night"):
        lines.append(_row("a night under `dagster-daemon` (schedule tick -> loads -> sensor's "
                          "build, each run in its own process; full load)", entry["daemon_night"],
                          key=lambda s: s.report.get("night_seconds", s.wall)))  # fmt: skip
    floor = entry["floor"]
    lines.append(
        _row(
            "FLOOR: bench/floor.sql (SQL only)",
            floor,
            key=floor_wall,
            note=f"CSV copies of XLSX sheets made once in "
            f"{floor[0].report.get('xlsx_to_csv_seconds', 0):.0f} s (not counted)",
        )
    )
    ratio = _median_wall(entry["run"]) / _median_wall(floor, floor_wall)
    lines.append(f"\nEnd-to-end / floor: **{ratio:.1f}x**.")
    return lines


def scaling(results: dict) -> tuple[list[str], list[dict]]:
    points, lines = (
        [],
        [
            "| size | councils | episodes | rows sent | `raa run` wall s | CPU s | peak MB | "
            "s per 100k rows | floor s | ratio |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ],
    )
    for size, entry in results["sizes"].items():
        run = Summary.of(entry["run"])
        floor = _median_wall(entry["floor"], floor_wall)
        rows = entry["rows"].get("rows", 0)
        points.append({"size": size, "rows": rows, "wall": run.wall[0], "peak": run.peak_mb[0],
                       "floor": floor, "cpu": run.cpu[0]})  # fmt: skip
        per = run.wall[0] / rows * 1e5 if rows else float("nan")
        lines.append(
            f"| {size} | {entry['rows'].get('councils', '')} | {entry['rows'].get('episodes', '')}"
            f" | {rows} | {run.wall[0]:.1f} | {run.cpu[0]:.1f} | {run.peak_mb[0]:.0f} | "
            f"{per:.2f} | {floor:.1f} | {run.wall[0] / floor:.1f}x |"
        )
    return lines, points


def chart(points: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [p["rows"] / 1e6 for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(rows, [p["wall"] for p in points], "o-", label="raa run (wall)")
    left.plot(rows, [p["cpu"] for p in points], "s--", label="raa run (CPU)")
    left.plot(rows, [p["floor"] for p in points], "^-", label="DuckDB floor")
    if points:
        slope = points[-1]["wall"] / rows[-1]
        left.plot([0, rows[-1]], [0, slope * rows[-1]], ":", color="grey", label="linear")
    left.set(xlabel="rows sent (millions)", ylabel="seconds", title="Time by size")
    left.legend()
    right.plot(rows, [p["peak"] for p in points], "o-")
    right.set(xlabel="rows sent (millions)", ylabel="peak RSS (MB)", title="Peak memory by size")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.set_xlim(left=0)
        axis.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def targets(results: dict) -> list[str]:
    sizes, lines = results["sizes"], ["| target | measured | met? |", "|---|---|---|"]

    def add(label, value, limit, unit):
        met = "yes" if value <= limit else "**no**"
        lines.append(f"| {label} (≤ {limit:g} {unit}) | {value:.1f} {unit} | {met} |")

    if "national" in sizes:
        run = Summary.of(sizes["national"]["run"])
        add("national `raa run` wall", run.wall[0], TARGETS["national_wall"], "s")
        add("national `raa run` peak RSS", run.peak_mb[0], TARGETS["national_peak_mb"], "MB")
        floor = _median_wall(sizes["national"]["floor"], floor_wall)
        add("national end-to-end / floor", run.wall[0] / floor, TARGETS["floor_ratio"], "x")
    peer = results["peer"]["ingest"]
    add("104k set: validation", statistics.median(_part(peer, VALIDATION, "wall")),
        TARGETS["peer_validation"], "s")  # fmt: skip
    if results["peer"].get("run"):
        add("104k set end to end (`raa run`: ingest, build, publish) / floor",
            _median_wall(results["peer"]["run"]) / _median_wall(results["peer"]["floor"], floor_wall),
            TARGETS["floor_ratio"], "x")  # fmt: skip
    if "region" in sizes:
        add("regional `raa run`, first load (empty warehouse and Dagster home)",
            _median_wall(sizes["region"]["run"]), TARGETS["region_wall"], "s")  # fmt: skip
        if sizes["region"].get("daemon_night"):
            daemon = _median_wall(sizes["region"]["daemon_night"],
                                  lambda s: s.report.get("night_seconds", s.wall))  # fmt: skip
            add(
                "regional night under the daemon / `raa run` night (full load each)",
                daemon / _median_wall(sizes["region"]["run"]),
                TARGETS["daemon_ratio"],
                "x",
            )
        if sizes["region"].get("night"):
            add("regional `raa run`, a night after (every council resubmits)",
                _median_wall(sizes["region"]["night"]), TARGETS["region_wall"], "s")  # fmt: skip
    return lines


def fixed_cost(peer: dict) -> list[str]:
    """The 104k run against the floor, split into what a night costs with no new data and what
    the set's data adds to it."""
    if not (peer.get("run") and peer.get("unchanged") and peer.get("floor")):
        return []
    run, fixed = _median_wall(peer["run"]), _median_wall(peer["unchanged"])
    floor = _median_wall(peer["floor"], floor_wall)
    return [
        f"Of the first load's {run:.1f} s ({run / floor:.1f}x the floor), {fixed:.1f} s "
        f"({fixed / floor:.1f}x) is what any build costs before its data (`raa run --rebuild` "
        "with nothing new): Python start-up, Dagster, the dbt build of every model and test, "
        "the release gate and publishing. What "
        f"the set's data adds is {run - fixed:.1f} s ({(run - fixed) / floor:.1f}x the floor).",
        "",
    ]


def before_after(results: dict, baseline_file: Path) -> list[str]:
    """`raa run` now against bench/baseline.json (the figures before the optimisations)."""
    if not baseline_file.exists():
        return []
    before = json.loads(baseline_file.read_text(encoding="utf-8"))["sizes"]
    lines = ["## Before / after (bench/baseline.json)", "",
             "| size | measure | before s | now s | before / now |", "|---|---|---|---|---|"]  # fmt: skip
    for size, entry in results["sizes"].items():
        for key, label in (("run", "`raa run` full load"), ("reload", "one-council reload")):
            old = [Sample(**s) for s in before.get(size, {}).get(key) or []]
            if old and entry.get(key):
                was, now = _median_wall(old), _median_wall(entry[key])
                lines.append(f"| {size} | {label} | {was:.1f} | {now:.1f} | {was / now:.2f}x |")
    return [*lines, ""]


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE, check=False).stdout.strip()  # fmt: skip
    versions = ", ".join(f"{p} {version(p)}" for p in PACKAGES)
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {cpu}, {os.cpu_count()} cores, {memory:.0f} GiB; {platform.platform()}",
        f"- Python {platform.python_version()}; {versions}",
    ]


def write_results(results: dict, out: Path) -> None:
    scale_lines, points = scaling(results)
    chart(points, out.with_name("scaling.png"))
    text = ["# Benchmark results", "", "Written by `make bench` (`python -m bench.run`); "
            "stages run in their own processes (peak memory: the process tree's summed RSS, sampled from /proc).", "", *machine(),
            f"- repetitions: {results['reps']} whole runs at region and national size, each "
            "followed by a floor run (median, with min–max); 4x, 16x and the national stages "
            f"once; seed {results['seed']}; "
            f"benchmark took {results['total_seconds'] / 60:.1f} min", "", "## Targets", "",
            *targets(results), ""]  # fmt: skip
    for size, entry in results["sizes"].items():
        if "ingest" in entry or size == "national":
            text += [f"## Stages: {size}", "", *stage_table(entry), ""]
    text += ["## Public 104k set (cscsynth-national-104k, one ssda903 submission)", "",
             "| stage | wall s | CPU s | peak MB | notes |", "|---|---|---|---|---|",
             _row("ingestion, whole process", results["peer"]["ingest"]),
             _row("whole `raa run` (ingest, build, publish)", results["peer"].get("run")),
             _row("floor (plain DuckDB SQL, A1/A10/A2 from the raw files)",
                  results["peer"].get("floor"), floor_wall),
             _row("a night after, nothing new, built anyway (`raa run --rebuild`: start-up, "
                  "build, publish)", results["peer"].get("unchanged")),
             _row("a night after, nothing new (`raa run`: start-up, loads unchanged, freshness "
                  "checks; nothing built)", results["peer"].get("nothing_new")),
             *_parts_rows(results["peer"]["ingest"]), "", *fixed_cost(results["peer"]),
             "## Scaling", "", *scale_lines, "", "![time and memory by size](scaling.png)", ""]  # fmt: skip
    text += before_after(results, out.with_name("baseline.json"))
    extra = out.with_name("NOTES.md")
    if extra.exists():
        text += [extra.read_text(encoding="utf-8")]
    out.write_text("\n".join(text) + "\n", encoding="utf-8")
    raw = json.loads(json.dumps(results, default=lambda o: asdict(o)))
    out.with_name("results.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")


def _revived(value):
    """results.json read back: every recorded sample as a Sample again."""
    if isinstance(value, list):
        return [_revived(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {f.name for f in fields(Sample)}:
            return Sample(**value)
        return {key: _revived(v) for key, v in value.items()}
    return value


if __name__ == "__main__":
    # `python -m bench.report`: rewrite RESULTS.md from results.json (e.g. after editing NOTES.md).
    here = Path(__file__).resolve().parent
    results = _revived(json.loads((here / "results.json").read_text(encoding="utf-8")))
    write_results(results, here / "RESULTS.md")
