"""Benchmark data sets, generated once per seed under bench/cache/ (gitignored).

Sizes: `region` is the demo partnership (config/councils.yaml, 4 partners + agency); `4x` and
`16x` take the first 18 and 72 councils of the national registry (about 4 and 16 times the
region's children in care) plus its agency, generated at national volumes; `national` is the
whole synthetic England (150 councils + agency).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from demo.generate import generate_demo
from demo.national import national_registry, write_registry
from pipelines.settings import DEFAULT_COUNCILS_FILE, PROJECT_ROOT

CACHE = Path(__file__).resolve().parent / "cache"
SUBSET_PARTNERS = {"4x": 18, "16x": 72}
SIZES = ("region", "4x", "16x", "national")
PEER_SET = "cscsynth-national-104k"


@dataclass(frozen=True)
class DataSet:
    name: str
    landing: Path
    councils_file: Path
    generated_seconds: float | None = None


def data_set(size: str, seed: int) -> DataSet:
    root = CACHE / f"seed-{seed}" / size
    landing = root / "landing"
    registry = DEFAULT_COUNCILS_FILE if size == "region" else root / "councils.yaml"
    done = root / ".complete"
    if done.exists():
        return DataSet(size, landing, registry)
    if size in SUBSET_PARTNERS:
        full = national_registry(np.random.default_rng([seed, 0]))
        agency = [c for c in full["councils"] if c.get("role") == "agency"]
        full["councils"] = full["councils"][: SUBSET_PARTNERS[size]] + agency
        write_registry(full, registry)
    summary = generate_demo(
        landing,
        seed=seed,
        scale="region" if size == "region" else "national",
        registry_file=None if size == "national" else registry,
    )
    if size == "national":
        (landing / "councils.yaml").replace(registry)
    done.write_text(yaml.safe_dump({"seconds": summary.seconds, "rows": summary.rows}))
    return DataSet(size, landing, registry, summary.seconds)


def peer_data() -> Path:
    """RAA_PEER_DATA, else ../shared/peer-data beside the repository."""
    base = os.environ.get("RAA_PEER_DATA") or PROJECT_ROOT.parent / "shared" / "peer-data"
    return Path(base).expanduser().resolve() / PEER_SET


def peer_landing(seed: int) -> DataSet:
    """The public 104k set as one ssda903 council's (NTH's) submission."""
    source = peer_data()
    if not source.exists():
        raise FileNotFoundError(f"peer data not found at {source} (set RAA_PEER_DATA)")
    folder = CACHE / f"seed-{seed}" / "peer-104k" / "landing" / "NTH" / PEER_SET
    folder.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        copy = folder / file.name  # a copy: links in a submission are refused, never followed
        if copy.is_symlink():
            copy.unlink()
        if not copy.exists():
            shutil.copy2(file, copy)
    return DataSet("peer-104k", folder.parent.parent, DEFAULT_COUNCILS_FILE)


def rows_in(data: DataSet) -> dict[str, int]:
    done = data.landing.parent / ".complete"
    if not done.exists():
        return {}
    rows = yaml.safe_load(done.read_text())["rows"]
    return {
        "rows": sum(sum(t.values()) for t in rows.values()),
        "episodes": sum(t.get("episodes", 0) for t in rows.values()),
        "councils": len(rows),
    }
