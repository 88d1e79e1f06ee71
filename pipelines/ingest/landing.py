"""Submissions in the landing folder, and their immutable, hashed archive.

A submission is one folder `<landing>/<council code>/<submission id>/` holding one complete
export. The latest submission (by folder name) is the council's current one. An optional
`submission.yaml` in the folder may state `collection_year` (e.g. 2024 for 2024-25) and
`reference_date` (the date the export was taken).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

MANIFEST_NAME = "manifest.json"
SUBMISSION_META = "submission.yaml"


@dataclass(frozen=True)
class SubmissionFile:
    name: str
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class Submission:
    council_code: str
    submission_id: str
    folder: Path
    files: tuple[SubmissionFile, ...]
    received_at: datetime
    meta: dict

    @property
    def sha256_by_file(self) -> dict[str, str]:
        return {f.name: f.sha256 for f in self.files}

    @property
    def manifest_sha256(self) -> str:
        """One hash for the whole submission: identical files give an identical hash."""
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.name):
            digest.update(f"{f.name}\0{f.sha256}\n".encode())
        return digest.hexdigest()

    @property
    def reference_date(self) -> date:
        value = self.meta.get("reference_date")
        return date.fromisoformat(str(value)) if value else self.received_at.date()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def submission_folders(landing_dir: Path, council_code: str) -> list[Path]:
    council_dir = landing_dir / council_code
    if not council_dir.is_dir():
        return []
    return sorted(p for p in council_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def is_stable(folder: Path, quiet_seconds: float) -> bool:
    """True when no file in the folder changed for `quiet_seconds` (so it is not mid-copy)."""
    newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)
    return newest > 0 and time.time() - newest >= quiet_seconds


def read_submission(council_code: str, folder: Path) -> Submission:
    files = []
    meta: dict = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        if path.name == SUBMISSION_META:
            meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            continue
        rel = path.relative_to(folder).as_posix()
        files.append(SubmissionFile(rel, path, sha256_file(path), path.stat().st_size))
    newest = max((f.path.stat().st_mtime for f in files), default=folder.stat().st_mtime)
    return Submission(
        council_code=council_code,
        submission_id=folder.name,
        folder=folder,
        files=tuple(files),
        received_at=datetime.fromtimestamp(newest, tz=UTC).replace(tzinfo=None),
        meta=meta,
    )


def latest_submission(landing_dir: Path, council_code: str) -> Submission | None:
    folders = submission_folders(landing_dir, council_code)
    return read_submission(council_code, folders[-1]) if folders else None


def archived_folder(
    archive_dir: Path, council_code: str, submission_id: str, manifest_sha256: str
) -> Path:
    """Where a submission lives in the archive: `<archive>/<council>/<submission id>-<hash12>/`."""
    return archive_dir / council_code / f"{submission_id}-{manifest_sha256[:12]}"


def archive_submission(submission: Submission, archive_dir: Path, dialect: str) -> Path:
    """Copy the submission to `<archive>/<council>/<submission id>-<hash12>/`, read-only.

    Idempotent: an identical submission archived before is left as it is.
    """
    target = archived_folder(
        archive_dir, submission.council_code, submission.submission_id, submission.manifest_sha256
    )
    if (target / MANIFEST_NAME).exists():
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    for f in submission.files:
        destination = staging / "files" / f.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f.path, destination)
        if sha256_file(destination) != f.sha256:
            raise OSError(f"{f.name} changed while it was being archived; try again")
    if (submission.folder / SUBMISSION_META).exists():
        shutil.copy2(submission.folder / SUBMISSION_META, staging / SUBMISSION_META)
    manifest = {
        "council_code": submission.council_code,
        "submission_id": submission.submission_id,
        "received_at": submission.received_at.isoformat(),
        "dialect": dialect,
        "manifest_sha256": submission.manifest_sha256,
        "files": [{"name": f.name, "sha256": f.sha256, "bytes": f.size} for f in submission.files],
    }
    (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    for path in staging.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(staging, target)
    return target


def submission_from_archive(archived: Path) -> Submission:
    """Read an archived submission back (to rebuild a snapshot from exactly what was sent)."""
    manifest = json.loads((archived / MANIFEST_NAME).read_text(encoding="utf-8"))
    files = tuple(
        SubmissionFile(f["name"], archived / "files" / f["name"], f["sha256"], f["bytes"])
        for f in manifest["files"]
    )
    meta_path = archived / SUBMISSION_META
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return Submission(
        council_code=manifest["council_code"],
        submission_id=manifest["submission_id"],
        folder=archived / "files",
        files=files,
        received_at=datetime.fromisoformat(manifest["received_at"]),
        meta=meta or {},
    )
