"""A submission's files opened and told apart: size limits, compression, text encodings and line
ends, then each read as a CSV or a workbook."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zlib

from data_contracts.profiles import Profile
from pipelines.ingest.landing import (
    Submission,
    SubmissionFile,
    hard_link_problem,
    open_regular,
)
from pipelines.ingest.read.csv_text import read_csv
from pipelines.ingest.read.raw import MAX_FILE_BYTES, FileProblem, RawTable, where
from pipelines.ingest.read.workbook import read_workbook

BOM = b"\xef\xbb\xbf"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


COMPRESSED = {
    b"\x1f\x8b": lambda f: gzip.GzipFile(fileobj=f),
    b"BZh": bz2.BZ2File,
    b"\xfd7zXZ\x00": lzma.LZMAFile,
}


UNICODE_LINE_ENDS = ("\u2028".encode(), "\u2029".encode(), "\x85".encode())


def read_submission_files(
    submission: Submission, profile: Profile
) -> tuple[list[RawTable], list[tuple[str, str | None, str]]]:
    """Every table in the submission's files, and the problems (file, sheet, message) that stop
    it from being loaded: unreadable files, no files, a table sent twice."""
    raws, problems = [], []
    for file in submission.files:
        try:
            raws += read_file(file, profile)
        except FileProblem as problem:
            problems.append((file.name, None, str(problem)))
    if not submission.files:
        problems.append(("(none)", None, "The submission folder holds no files."))
    return raws, problems + _duplicate_tables(raws)


def _duplicate_tables(raws: list[RawTable]) -> list[tuple[str, str | None, str]]:
    """Two files (or sheets) holding the same table make the export ambiguous."""
    seen: dict[str, RawTable] = {}
    problems = []
    for raw in raws:
        if raw.mapping.table in seen:
            first = seen[raw.mapping.table]
            problems.append((raw.file_name, raw.sheet,
                             f"{raw.location} and {first.location} both hold the "
                             f"{raw.mapping.shown_name} table; send each table once."))  # fmt: skip
        seen[raw.mapping.table] = raw
    return problems


def read_file(file: SubmissionFile, profile: Profile) -> list[RawTable]:
    shown = where(file.name)
    if file.size > MAX_FILE_BYTES:
        raise FileProblem(f"{shown} is {file.size / 2**20:,.0f} MB; files over "
                          f"{MAX_FILE_BYTES / 2**20:,.0f} MB are not loaded.")  # fmt: skip
    try:
        with open_regular(file.path) as handle:
            if os.fstat(handle.fileno()).st_nlink > 1:  # linked since the folder was read
                raise FileProblem(hard_link_problem(shown))
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileProblem(f"{shown} could not be opened ({exc.strerror or exc}).") from exc
    data = _decompressed(shown, data)
    if not data.strip():
        raise FileProblem(f"{shown} is empty.")
    if data[:4] == b"PK\x03\x04":
        return read_workbook(file.name, data, profile)
    text, note = _as_utf8(shown, data, profile)
    if _looks_binary(text):
        raise FileProblem(
            f"{shown} is not a CSV or XLSX file (it holds binary data, or is damaged). "
            f"Please send {profile.label} files."
        )
    try:
        raw = read_csv(file.name, _normalise_line_ends(text), profile)
    except FileProblem as problem:  # a CSV named .xlsx loads; one that does not says why
        if not file.name.lower().endswith(WORKBOOK_SUFFIXES):
            raise
        raise FileProblem(
            f"{shown} is named as an Excel workbook but is not one (it holds text); if it "
            f"should be a workbook, save or export it again as one. Read as text: {problem}"
        ) from problem
    if note:
        raw.notes.insert(0, note)
    return [raw]


def _decompressed(name: str, data: bytes) -> bytes:
    """A gzip, bzip2 or xz file's content (bounded by MAX_FILE_BYTES); other data as it is."""
    opener = next((o for magic, o in COMPRESSED.items() if data.startswith(magic)), None)
    if opener is None:
        return data
    try:
        with opener(io.BytesIO(data)) as stream:
            content = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise FileProblem(
            f"{name} is a damaged compressed file: it could not be unpacked. It may have been "
            "cut short or changed in transfer; please send it again."
        ) from exc
    if len(content) > MAX_FILE_BYTES:
        raise FileProblem(f"{name} unpacks to more than {MAX_FILE_BYTES / 2**20:,.0f} MB; "
                          "files that large are not loaded.")  # fmt: skip
    return content


def _as_utf8(name: str, data: bytes, profile: Profile) -> tuple[bytes, str | None]:
    """The text as UTF-8, and a note when it was written in another encoding: UTF-16 (with its
    byte-order mark, or without one when every other byte is zero) or Windows-1252."""
    utf16 = None if data.startswith(BOM) else _utf16_codec(data)
    data = data.removeprefix(BOM)  # a UTF-8 mark; the text after it is still checked
    if utf16:
        try:
            return data.decode(utf16).removeprefix("\ufeff").encode("utf-8"), (
                "read as UTF-16 text; please save it as CSV UTF-8"
            )
        except UnicodeDecodeError as exc:
            raise FileProblem(f"{name} looks like UTF-16 text but is damaged at byte "
                              f"{exc.start}.") from exc  # fmt: skip
    try:
        data.decode(profile.encoding)
        return data, None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            return data.decode("cp1252").encode("utf-8"), (
                f"read as Windows-1252 text (byte 0x{data[exc.start]:02x} on line {line} is not "
                "UTF-8); please save it as CSV UTF-8"
            )
        except UnicodeDecodeError:
            raise FileProblem(
                f"{name} is not {profile.encoding.upper()} text: byte 0x{data[exc.start]:02x} on "
                f"line {line} cannot be read. Please save the file as CSV UTF-8."
            ) from exc


def _utf16_codec(data: bytes) -> str | None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 8 and head.count(0) * 2 >= len(head) - 2:
        if head[1::2].count(0) == len(head[1::2]):
            return "utf-16-le"
        if head[0::2].count(0) == len(head[0::2]):
            return "utf-16-be"
    return None


def _normalise_line_ends(data: bytes) -> bytes:
    """Lines ended by CR alone (old Mac exports), CRLF or a mix all end in LF; a file with no
    CR or LF at all, but Unicode line or paragraph separators or NEL, has those as line ends."""
    if b"\r" in data:
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"\n" not in data:
        for separator in UNICODE_LINE_ENDS:
            data = data.replace(separator, b"\n")
    return data


def _looks_binary(data: bytes) -> bool:
    """A NUL byte anywhere: no text export has one (it is a binary or damaged file)."""
    return b"\x00" in data
