"""The written files: deterministic, in each council's dialect, valid, with a few defects."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pandera.errors
import pytest

from data_contracts.profiles import load_profile
from data_contracts.tables import TABLES
from demo import generate_demo
from tests.demo.conftest import SUBMISSION

PARTNER_TABLES = {
    "children", "episodes", "adoption_decisions", "adoption_matches", "support_cases",
    "support_fund_applications", "letterbox_exchanges",
}  # fmt: skip
AGENCY_TABLES = {"adopter_households", "adopter_events", "finance_ledger"}
SUPPORT = {"support_cases", "support_fund_applications", "letterbox_exchanges"}


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(region, tmp_path):
    again = generate_demo(tmp_path / "again", seed=7)
    first, second = _hashes(Path(region.out_dir)), _hashes(tmp_path / "again")
    assert first == second
    assert any(name.endswith(".xlsx") for name in first)
    assert again.rows == region.rows


def test_another_seed_gives_other_data(clean_region, tmp_path):
    other = generate_demo(tmp_path / "other", seed=8, defect_rate=0.0)
    first, second = _hashes(Path(clean_region.out_dir)), _hashes(tmp_path / "other")
    assert first.keys() == second.keys()
    changed = [name for name in first if first[name] != second[name]]
    assert len(changed) >= len(first) - 6  # only submission.yaml files may be equal
    assert other.rows != clean_region.rows


def test_layout_and_files_per_dialect(clean_region, demo_registry):
    root = Path(clean_region.out_dir)
    assert sorted(p.name for p in root.iterdir()) == sorted(demo_registry.codes)
    for council in demo_registry.councils:
        folder = root / council.code / SUBMISSION
        names = sorted(p.name for p in folder.iterdir())
        assert "submission.yaml" in names
        if council.dialect == "liquidlogic":
            assert names == ["lcs_export.xlsx", "submission.yaml"]
        elif council.dialect == "ssda903":
            assert {"header.csv", "episodes.csv", "ad1.csv", "placed_for_adoption.csv"} <= set(
                names
            )


def test_files_reread_with_profile_cover_exactly_the_canonical_columns(clean_raw, demo_registry):
    for council in demo_registry.councils:
        profile = load_profile(council.dialect)
        found = {}
        for mapping, frame in clean_raw[council.code]:
            assert set(frame.columns) == set(mapping.known_headers), (council.code, mapping.table)
            assert set(mapping.columns.values()) <= set(TABLES[mapping.table].column_names)
            found[mapping.table] = frame
        if council.role == "agency":
            expected = AGENCY_TABLES | {
                t for t in SUPPORT for p in demo_registry.partners
                if t not in load_profile(p.dialect).tables
            }  # fmt: skip
        else:
            expected = PARTNER_TABLES & set(profile.tables)
        assert set(found) == expected, council.code
        assert all(len(frame) > 0 for frame in found.values()), council.code


def test_clean_data_passes_every_contract(clean_tables):
    for code, tables in clean_tables.items():
        for table, frame in tables.items():
            frame = frame.assign(reference_date=SUBMISSION, collection_year="2026")
            try:
                TABLES[table].model.validate(frame, lazy=True)
            except pandera.errors.SchemaErrors as exc:  # pragma: no cover - shown on failure
                cases = exc.failure_cases[["column", "check", "failure_case"]].head(20)
                pytest.fail(f"{code} {table}:\n{cases.to_string()}")


def test_defects_are_a_small_deterministic_share(
    region, clean_region, region_raw, clean_raw, demo_registry
):
    """Same seed with and without defects: the clean data is the same, about 0.5% of rows
    differ, and every kind of defect occurs."""
    changed = total = duplicates = 0
    kinds = Counter()
    for council in demo_registry.councils:
        clean = {m.table: f for m, f in clean_raw[council.code]}
        for mapping, frame in region_raw[council.code]:
            before = clean[mapping.table]
            total += len(before)
            duplicates += len(frame) - len(before)
            extra = Counter(map(tuple, frame.itertuples(index=False)))
            extra.subtract(Counter(map(tuple, before.itertuples(index=False))))
            bad = [row for row, n in extra.items() for _ in range(max(n, 0))]
            changed += len(bad)
            for row in bad:
                text = " ".join(str(v) for v in row)
                if "31/02/2020" in text or "2020-02-31" in text or "31-Feb-2020" in text:
                    kinds["date"] += 1
                elif "ZZ9" in text or any(isinstance(v, str) and v.islower() for v in row):
                    kinds["code"] += 1
                elif any(v is None for v in row):
                    kinds["missing"] += 1
    share = changed / total
    assert 0.003 < share < 0.007, share  # duplicated rows count among the changed rows
    assert duplicates > 0
    assert kinds["date"] > 0 and kinds["code"] > 0 and kinds["missing"] > 0
    assert sum(region.defects.values()) == pytest.approx(0.005 * total, rel=0.1)
    assert sum(clean_region.defects.values()) == 0
    assert region.in_care == clean_region.in_care
