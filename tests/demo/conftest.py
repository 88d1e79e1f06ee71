from __future__ import annotations

from pathlib import Path

import pytest

from data_contracts.profiles import load_profile
from demo import generate_demo
from pipelines.registry import load_registry
from pipelines.settings import DEFAULT_COUNCILS_FILE
from tests.demo.reader import raw_tables, to_canonical

SUBMISSION = "2026-10-31"


@pytest.fixture(scope="session")
def clean_region(tmp_path_factory):
    """The region (config/councils.yaml) without deliberate defects."""
    out = tmp_path_factory.mktemp("demo_clean")
    return generate_demo(out, seed=7, defect_rate=0.0)


@pytest.fixture(scope="session")
def region(tmp_path_factory):
    """The region as `raa demo-data --seed 7` writes it (default defect rate)."""
    out = tmp_path_factory.mktemp("demo_region")
    return generate_demo(out, seed=7)


@pytest.fixture(scope="session")
def demo_registry():
    return load_registry(DEFAULT_COUNCILS_FILE)


def _raw(summary, registry) -> dict[str, list]:
    return {
        c.code: raw_tables(Path(summary.out_dir) / c.code / SUBMISSION, load_profile(c.dialect))
        for c in registry.councils
    }


@pytest.fixture(scope="session")
def clean_raw(clean_region, demo_registry) -> dict[str, list]:
    """council code -> [(table mapping, frame as written)], read back from the files."""
    return _raw(clean_region, demo_registry)


@pytest.fixture(scope="session")
def region_raw(region, demo_registry) -> dict[str, list]:
    return _raw(region, demo_registry)


@pytest.fixture(scope="session")
def clean_tables(clean_raw, demo_registry) -> dict[str, dict]:
    """council code -> canonical table -> frame."""
    out = {}
    for council in demo_registry.councils:
        profile = load_profile(council.dialect)
        out[council.code] = {
            m.table: to_canonical(m, f, profile) for m, f in clean_raw[council.code]
        }
    return out
