"""Submissions in the landing folder, and their immutable, hashed archive.

A submission is one folder `<landing>/<council code>/<submission id>/` holding one complete
export. The latest submission (by folder name) is the council's current one. A folder's or a
file's name is kept (audit keys, archive, messages) with any direct identifier in it by its shape
(`council_text.without_identifiers`), and the council is told. An optional
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from data_contracts.council_text import names_kept, printable, safe_text, without_identifiers
from data_contracts.submission_meta import MAX_META_BYTES, META_FILE, read_meta

MANIFEST_NAME = "manifest.json"
SUBMISSION_META = META_FILE
# Files an operating system or an open workbook leaves beside an export: never a council's data
# (a lock file even holds the name of whoever had the workbook open). Ignored, and said so.
SYSTEM_FILES = {
    ".DS_Store": "a macOS folder settings file",
    "Thumbs.db": "a Windows thumbnail cache",
    "desktop.ini": "a Windows folder settings file",
}
SYSTEM_PREFIXES = {
    "._": "a macOS resource file",
    "~$": "an Office lock file, left while the workbook was open",
}


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
    meta_sha256: str | None = None  # of submission.yaml: a corrected note is a new submission
    problems: tuple[str, ...] = ()  # why the submission as a whole cannot be used
    ignored: tuple[tuple[str, str], ...] = ()  # (file, why) not read, told to the council
    # rows per canonical table of the council's submission in use (what this one would replace)
    rows_in_use: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()  # told to the council: the submission is loaded all the same

    @property
    def sha256_by_file(self) -> dict[str, str]:
        return {f.name: f.sha256 for f in self.files}

    @property
    def manifest_sha256(self) -> str:
        """One hash for the whole submission: identical files give an identical hash."""
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.name):
            digest.update(f"{f.name}\0{f.sha256}\n".encode())
        if self.meta_sha256:
            digest.update(f"{SUBMISSION_META}\0{self.meta_sha256}\n".encode())
        for problem in self.problems:  # a refused submission is never "identical" to a loaded one
            digest.update(f"problem\0{problem}\n".encode())
        return digest.hexdigest()

    @property
    def fewer_rows_expected(self) -> bool:
        return self.meta.get("fewer_rows_expected") is True

    @property
    def reference_date(self) -> date:
        value = self.meta.get("reference_date")
        return value if isinstance(value, date) else self.received_at.date()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading, never through a link and never a pipe or device (which
    could block a night or read another machine's data)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(f"{path.name} is not a regular file")
    return os.fdopen(descriptor, "rb")


def submission_folders(landing_dir: Path, council_code: str) -> list[Path]:
    """The council's submission folders, oldest name first. A council folder that is a link to
    another place (another council's folder) is never looked into: it is its own one
    "submission", which `read_submission` refuses, so that operators and the council hear why
    nothing is loaded from it."""
    council_dir = landing_dir / council_code
    if council_dir.is_symlink():
        return [council_dir]
    if not council_dir.is_dir():
        return []
    return sorted(
        p for p in council_dir.iterdir()
        if not p.name.startswith(".") and (p.is_dir() or p.is_symlink())
    )  # fmt: skip


def unregistered_folders(landing_dir: Path, codes: list[str]) -> list[str]:
    """Folders in the landing area that are not a council in the registry (nothing in them is
    loaded: operators must hear of it). A folder differing only in case says so."""
    if not landing_dir.is_dir():
        return []
    known = {c.upper(): c for c in codes}
    found = []
    for entry in sorted(landing_dir.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name in codes or not entry.is_dir():
            continue
        hint = (
            f" (the registry has {known[entry.name.upper()]})"
            if entry.name.upper() in known
            else ""
        )
        found.append(f"{safe_text(entry.name)}{hint}")
    return found


# An export date this long before its files arrived is no export's: it may be a child's date of
# birth typed in its place, so a report gives only its month and a failed submission's audit
# row keeps only its month (a loaded one's is the export date every figure stands at).
PLAUSIBLE_EXPORT_DAYS = 3 * 366


def export_date_plausible(reference: date, received: datetime) -> bool:
    return (received.date() - reference).days <= PLAUSIBLE_EXPORT_DAYS


def is_stable(folder: Path, quiet_seconds: float) -> bool:
    """True when nothing in the folder changed for `quiet_seconds` (so it is not mid-copy): no
    file written, and no file added, deleted or renamed (its folder's modification time; a
    copy that keeps the files' old times, or an upload under a temporary name, changes it)."""
    entries = [p for p, kind in _walk(folder) if kind != "other"]
    folders = {folder} | {p.parent for p in entries}
    newest = max((p.lstat().st_mtime for p in [*entries, *folders]), default=0.0)
    return bool(entries) and time.time() - newest >= quiet_seconds


def folder_state(folder: Path) -> str:
    """The folder's name and what is in it, cheaply (each file's name, size and modification
    time, not its bytes): a corrected file sent into the same folder changes it."""
    digest = hashlib.sha256()
    try:
        for path, kind in _walk(folder):
            info = path.lstat()
            digest.update(f"{path.relative_to(folder)}\0{kind}\0{info.st_size}\0"
                          f"{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))  # fmt: skip
    except OSError:
        return submission_id_of(folder)  # unreadable now: the load will say why
    return f"{submission_id_of(folder)}@{digest.hexdigest()[:16]}"


def submission_id_of(folder: Path) -> str:
    """The submission's id as it is kept: its folder's name, any direct identifier by shape."""
    return without_identifiers(folder.name)


IDENTIFIER_IN_NAME = (
    "holds what looks like a personal identifier (an NHS number, UPN, postcode, phone number or "
    "email address), so it is kept and shown here as '{kept}'. Nothing else changes: {then}"
)


def _walk(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every entry under `folder`, never following a link: (path, file | link | other). A
    folder that is itself a link is one entry, the link."""
    if folder.is_symlink():
        yield folder, "link"
        return
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            path = Path(entry.path)
            if entry.is_symlink():
                yield path, "link"
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk(path)
            elif entry.is_file(follow_symlinks=False):
                yield path, "file"
            else:
                yield path, "other"


def _system_file(name: str) -> str | None:
    if name in SYSTEM_FILES:
        return SYSTEM_FILES[name]
    return next((why for prefix, why in SYSTEM_PREFIXES.items() if name.startswith(prefix)), None)


def read_submission(council_code: str, folder: Path) -> Submission:
    """What a submission folder holds. Never raises for what is in it: anything that stops the
    submission being used is a `problem` (the load then fails and tells the council why)."""
    files: list[SubmissionFile] = []
    problems: list[str] = []
    ignored: list[tuple[str, str]] = []
    meta: dict = {}
    meta_sha256 = None
    entries: list[tuple[Path, str]] = []
    notes: list[str] = []
    submission_id = submission_id_of(folder)
    if submission_id != printable(folder.name):
        notes.append(
            "The submission folder's name "
            + IDENTIFIER_IN_NAME.format(
                kept=submission_id, then="please name submission folders by date (e.g. 2026-11-07)."
            )
        )
    if printable(folder.name) != folder.name:
        problems.append(
            f"The submission folder's name is not plain text (shown here as "
            f"'{safe_text(folder.name)}'): rename it with letters, digits, '-', '_' and '.' "
            "(e.g. starting yyyy-mm-dd), and send the submission again."
        )
    if folder.is_symlink() and folder.name == council_code:
        problems.append(
            f"The council's folder in the landing area ({council_code}) is a link to another "
            "place (another council's folder, say); only a real folder in the landing area is "
            "read, so nothing in it was loaded. Replace the link with a real folder."
        )
    elif folder.is_symlink():
        problems.append(
            "The submission folder is a link to another place; only a real folder in the "
            "landing area is read."
        )
    else:
        try:
            entries = list(_walk(folder))
        except OSError as exc:
            problems.append(f"The submission folder could not be read ({exc.strerror}).")
    kept_names = names_kept([path.relative_to(folder).as_posix() for path, _ in entries])
    for path, kind in entries:
        rel = path.relative_to(folder).as_posix()
        shown = safe_text(rel)
        if printable(rel) == rel and kept_names[rel] != rel:
            notes.append(
                "A file's name "
                + IDENTIFIER_IN_NAME.format(
                    kept=kept_names[rel],
                    then="its rows are read as usual. Please name files by the table they hold.",
                )
            )
            rel = kept_names[rel]
        if printable(rel) != rel:
            problems.append(
                f"A file name is not plain text (shown here as '{shown}'): rename it with "
                "letters, digits, '-', '_' and '.', and send the submission again."
            )
            continue
        if kind == "link":
            problems.append(
                f"{shown} is a link to another file, not the file itself; links are never "
                "followed. Put the file itself in the submission."
            )
            continue
        if kind == "other":
            problems.append(f"{shown} is not an ordinary file (a pipe, socket or device).")
            continue
        if not path.resolve().is_relative_to(folder.resolve()):  # never, short of a race
            problems.append(f"{shown} resolves to a place outside the submission folder.")
            continue
        why_ignored = _system_file(path.name)
        if why_ignored:
            ignored.append((rel, f"not read: {why_ignored}"))
            continue
        try:
            if path.lstat().st_nlink > 1:
                problems.append(hard_link_problem(shown))
                continue
            if rel == SUBMISSION_META:
                with open_regular(path) as handle:
                    data = handle.read(MAX_META_BYTES + 1)
                meta_sha256 = hashlib.sha256(data).hexdigest()
                settings, meta_problems = read_meta(data)
                meta = settings.model_dump(exclude_none=True)
                problems += meta_problems
                continue
            files.append(SubmissionFile(rel, path, sha256_file(path), path.lstat().st_size))
        except OSError as exc:
            problems.append(f"{shown} could not be opened ({exc.strerror or exc}).")
    try:
        newest = max((f.path.lstat().st_mtime for f in files), default=folder.lstat().st_mtime)
    except OSError:
        newest = time.time()
    return Submission(
        council_code=council_code,
        submission_id=submission_id,
        folder=folder,
        files=tuple(files),
        received_at=datetime.fromtimestamp(newest, tz=UTC).replace(tzinfo=None),
        meta=meta,
        meta_sha256=meta_sha256,
        problems=tuple(problems),
        ignored=tuple(ignored),
        notes=tuple(notes),
    )


def hard_link_problem(shown: str) -> str:
    """Why a file with other (hard) links to it is refused: nothing says which copy is the
    council's, and a link may be to a file of another council's that the council cannot read."""
    return (
        f"{shown} has other links to it (a hard link: the same file is also elsewhere on the "
        "disk, perhaps in another council's folder), so it cannot be proven to be this "
        "council's own copy; it was not read. Put a plain copy of the file in the submission "
        "and send it again."
    )


def arrived_after_the_current(landing_dir: Path, council_code: str) -> list[str]:
    """Folders that sort before the current (last-named) submission but arrived after it (by
    the folders' modification times): a newer export its name puts out of turn."""
    folders = submission_folders(landing_dir, council_code)
    if len(folders) < 2:
        return []
    try:
        arrived = {folder: folder.lstat().st_mtime for folder in folders}
    except OSError:
        return []
    current = folders[-1]
    # (submission ids, as the warning names the current one: an export date is what they hold)
    return [submission_id_of(f) for f in folders[:-1] if arrived[f] > arrived[current]]


def out_of_turn_note(landing_dir: Path, council_code: str) -> str | None:
    """What the night's log and `raa status` say of folders arrived_after_the_current: never
    loaded while their names sort first."""
    behind = arrived_after_the_current(landing_dir, council_code)
    if not behind:
        return None
    current = submission_id_of(submission_folders(landing_dir, council_code)[-1])
    return (
        f"{council_code}: {', '.join(behind)} arrived after {current} but sorts before it by "
        f"name, so it is never loaded: {current} is still the submission loaded. Name submission "
        "folders so that the newest sorts last (e.g. starting yyyy-mm-dd), or rename it."
    )


def latest_submission_id(landing_dir: Path, council_code: str) -> str | None:
    """The id of the council's latest (last-named) submission folder; None when it has none."""
    folders = submission_folders(landing_dir, council_code)
    return submission_id_of(folders[-1]) if folders else None


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
    (staging / "files").mkdir(parents=True)  # an empty submission is archived too
    for f in submission.files:
        destination = staging / "files" / f.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f.path, destination, follow_symlinks=False)
        if sha256_file(destination) != f.sha256:
            raise OSError(f"{f.name} changed while it was being archived; try again")
    if submission.meta_sha256:
        shutil.copy2(submission.folder / SUBMISSION_META, staging / SUBMISSION_META,
                     follow_symlinks=False)  # fmt: skip
    manifest = {
        "council_code": submission.council_code,
        "submission_id": submission.submission_id,
        "received_at": submission.received_at.isoformat(),
        "dialect": dialect,
        "manifest_sha256": submission.manifest_sha256,
        "submission_meta_sha256": submission.meta_sha256,
        "problems": list(submission.problems),
        "files": [{"name": f.name, "sha256": f.sha256, "bytes": f.size} for f in submission.files],
    }
    (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    # What the council sent, identifiers in clear: its owner and group only (files read-only),
    # as the restricted snapshot files; it was readable by every user of the machine.
    for path in [staging, *staging.rglob("*")]:
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP)
        elif path.is_dir():
            path.chmod(0o750)
    os.replace(staging, target)
    return target


def submission_from_archive(archived: Path) -> Submission:
    """Read an archived submission back (to rebuild a snapshot from exactly what was sent)."""
    manifest = json.loads((archived / MANIFEST_NAME).read_text(encoding="utf-8"))
    files = tuple(
        SubmissionFile(f["name"], archived / "files" / f["name"], f["sha256"], f["bytes"])
        for f in manifest["files"]
    )
    meta, meta_sha256, problems = {}, None, list(manifest.get("problems") or ())
    meta_path = archived / SUBMISSION_META
    if meta_path.exists():
        data = meta_path.read_bytes()
        meta_sha256 = hashlib.sha256(data).hexdigest()
        meta = read_meta(data)[0].model_dump(exclude_none=True)
    return Submission(
        council_code=manifest["council_code"],
        submission_id=manifest["submission_id"],
        folder=archived / "files",
        files=files,
        received_at=datetime.fromisoformat(manifest["received_at"]),
        meta=meta,
        meta_sha256=meta_sha256,
        problems=tuple(problems),
    )
