"""The published folder: immutable snapshot folders and one symlink (`current`) that is switched
atomically with os.replace. Stable names point through `current`, so an analyst opening
`published/raa.duckdb` always gets one whole snapshot, old or new, never a mix.

    published/
      current -> snapshots/<snapshot id>
      raa.duckdb -> current/raa.duckdb            general snapshot (marts + meta), read-only
      parquet -> current/parquet                  one Parquet file per published mart
      restricted -> current/restricted            child-level marts (<mart>.duckdb, parquet/)
      data_docs/                                  release gate Data Docs (HTML)
      snapshots/<id>/  snapshots/.staging-<id>/   snapshots, and one being written
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CURRENT = "current"
SNAPSHOTS = "snapshots"
STAGING_PREFIX = ".staging-"
STABLE_LINKS = {"raa.duckdb": "current/raa.duckdb", "parquet": "current/parquet",
                "restricted": "current/restricted"}  # fmt: skip
KEEP_SNAPSHOTS = 3


def published_database(published_dir: Path) -> Path:
    return published_dir / "raa.duckdb"


def data_docs_dir(published_dir: Path) -> Path:
    return published_dir / "data_docs"


def current_snapshot(published_dir: Path) -> Path | None:
    link = published_dir / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().exists() else None


def staging_dir(published_dir: Path, snapshot_id: str) -> Path:
    path = published_dir / SNAPSHOTS / f"{STAGING_PREFIX}{snapshot_id}"
    shutil.rmtree(path, ignore_errors=True)
    (path / "parquet").mkdir(parents=True)
    (path / "restricted" / "parquet").mkdir(parents=True)
    return path


def _atomic_symlink(link: Path, target: str) -> None:
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    os.replace(temporary, link)


def switch_to(published_dir: Path, staging: Path, snapshot_id: str) -> Path:
    """Make the staged snapshot the published one: rename it into place, then one atomic
    replacement of the `current` symlink."""
    final = published_dir / SNAPSHOTS / snapshot_id
    os.replace(staging, final)
    for name, target in STABLE_LINKS.items():
        link = published_dir / name
        if not link.is_symlink() or os.readlink(link) != target:
            if link.is_dir() and not link.is_symlink():
                shutil.rmtree(link)
            _atomic_symlink(link, target)
    _atomic_symlink(published_dir / CURRENT, f"{SNAPSHOTS}/{snapshot_id}")
    return final


def finished_snapshots(published_dir: Path) -> list[Path]:
    """The snapshot folders written to the end (not `.staging-` ones), oldest first."""
    snapshots = published_dir / SNAPSHOTS
    if not snapshots.is_dir():
        return []
    return sorted(p for p in snapshots.iterdir() if not p.name.startswith("."))


def remove_leftovers(published_dir: Path) -> list[str]:
    """Remove half-written snapshots (a killed load) and all but the newest few snapshots."""
    snapshots = published_dir / SNAPSHOTS
    if not snapshots.is_dir():
        return []
    current = current_snapshot(published_dir)
    removed = []
    finished = finished_snapshots(published_dir)
    stale = [p for p in snapshots.iterdir() if p.name.startswith(STAGING_PREFIX)]
    stale += [p for p in finished[:-KEEP_SNAPSHOTS] if p != current]
    for path in stale:
        for item in [path, *path.rglob("*")]:
            item.chmod(0o700 if item.is_dir() else 0o600)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def make_read_only(snapshot: Path) -> None:
    """Files read-only (child-level ones for their owner and group only); the restricted
    folders too are their owner's and group's (0750), as the outbox's restricted folder is."""
    for path in snapshot.rglob("*"):
        restricted = "restricted" in path.relative_to(snapshot).parts
        if path.is_file():
            path.chmod(0o440 if restricted else 0o444)
        elif path.is_dir() and restricted:
            path.chmod(0o750)
