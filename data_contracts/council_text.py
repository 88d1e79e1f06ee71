"""Text a council controls (a column header, a file, folder or sheet name, a setting in its
note) as a message may quote it.

Such text is not a value of any column, so the contracts do not protect it; but it is typed by
the council and may hold anything, a child's NHS number or date of birth included. Messages go
to the audit tables, the council's report, alerts, the terminal and Dagster's event log, so a
message quotes it through `safe_text`: ordinary words stay as sent (a council must recognise
its own header), and any token that could be a direct identifier is shown by its shape (9 for
each digit, A for each letter, other characters as sent), as redact.py shows rejected values:

- a run of 5 or more digits, or groups of 2 or more digits with a space, '-', '.', '/', '_' or
  another dash between them (an NHS number, '9434765919' or '943 476 5919'; a phone number; a
  date);
- a UPN-like letter followed by 12 digits (or 11 and a letter, a temporary UPN);
- an email address;
- a UK postcode, with or without its space ('ZZ9 9ZZ', 'zz99zz');
- a date ('28/09/2010', '2010-09-28', '28-Sep-2010', '28 September 2010').

Control characters and bytes that are not text show as '?', and long text is cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

SHOWN_CHARACTERS = 80
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# Not inside a longer word or number: a postcode is not the tail of 'WBRI1AB', nor a date the
# middle of a longer run of digits. '_' joins words in file names, so it separates here.
_START = r"(?<![A-Za-z0-9])"
_END = r"(?![A-Za-z0-9])"
# What may stand between groups of digits: a space, / . - _, or another dash (en dash, minus).
_SEP = r"[\s/.\-_\u2010-\u2015\u2212]"
_EMAIL = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
_UPN = (
    rf"[A-Za-z]\s?\d{{11}}[A-Za-z\d]{_END}"  # a letter, 11 digits, a digit (a temporary: a letter)
)
IDENTIFIER_LIKE = re.compile(
    "|".join([
        _UPN,
        rf"{_START}[A-Za-z]{{1,2}}\d[A-Za-z\d]?\s*\d[A-Za-z]{{2}}{_END}",  # a UK postcode
        rf"\d{{1,4}}{_SEP}\d{{1,2}}{_SEP}\d{{1,4}}",  # a date in digits
        rf"\d{{1,2}}(?:st|nd|rd|th)?[\s/.\-]*{_MONTH}[\s/.,\-]*\d{{2,4}}",  # 28-Sep-2010
        rf"{_START}{_MONTH}[\s/.\-]*\d{{1,2}}(?:st|nd|rd|th)?[\s/.,\-]*\d{{2,4}}",  # Sep 28 2010
        r"\d{5,}",  # 5+ digits: an NHS number, a phone number, a date without separators
        rf"\d{{2,}}(?:{_SEP}\d{{2,}})+",  # groups of digits: an NHS number 3-3-4, a phone number
        _EMAIL,
    ]),
    re.IGNORECASE,
)  # fmt: skip
# What a name that is kept (a submission folder's, a file's, a sheet's) may not hold in clear:
# tokens that are a direct identifier whatever surrounds them. Dates and shorter runs of digits
# are not among them: submissions are named by their date ('2026-11-07', '20261107T0230').
DIRECT_IDENTIFIER = re.compile(
    "|".join([
        _UPN,
        rf"{_START}[A-Za-z]{{1,2}}\d[A-Za-z\d]?\s*\d[A-Za-z]{{2}}{_END}",  # a UK postcode
        rf"(?<!\d)\d{{3}}{_SEP}?\d{{3}}{_SEP}?\d{{4}}(?!\d)",  # an NHS number, 3-3-4 or 10 digits
        # a UK phone number, its area code perhaps in brackets: (01632) 960123, +44 (0)7700 900123
        rf"(?<![\d+])\(?(?:0|\+44{_SEP}?(?:\(0\))?)(?:(?:{_SEP}|[()]){{0,2}}\d){{10}}(?!\d)",
        _EMAIL,
    ]),
    re.IGNORECASE,
)  # fmt: skip
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def shape_of(text: str) -> str:
    """Digits as 9, letters as A, other characters as sent."""
    return _LETTER.sub("A", _DIGIT.sub("9", text))


def printable(text: str) -> str:
    """Bytes that are not UTF-8 (a file name's, kept by surrogateescape) and characters that do
    not print (control characters, a bell, a line break) as '?'."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def without_identifiers(text: str) -> str:
    """A name as it may be kept (an audit key, an archive folder): any direct identifier in it
    by its shape, the rest as sent, so a council still knows its own submission."""
    return DIRECT_IDENTIFIER.sub(lambda found: shape_of(found.group()), printable(text))


def names_kept(names: Iterable[str]) -> dict[str, str]:
    """Each name as it is kept (without_identifiers), kept apart with ' (2)', ' (3)', ... before
    its extension where it would then read the same as another one kept, or as a name that
    stays as it is."""
    kept = {name: without_identifiers(name) for name in names}
    taken = {name for name, as_kept in kept.items() if as_kept == name}
    for name, as_kept in kept.items():
        if as_kept == name:
            continue
        path, n = PurePosixPath(as_kept), 1
        while str(path) in taken:
            n += 1
            path = path.with_name(f"{PurePosixPath(as_kept).stem} ({n}){path.suffix}")
        kept[name] = str(path)
        taken.add(kept[name])
    return kept


def safe_text(text: object) -> str:
    """Council text as a message may quote it: ordinary words as sent, anything that could be a
    direct identifier (see the module's notes) by its shape, at most SHOWN_CHARACTERS long."""
    shown = IDENTIFIER_LIKE.sub(lambda found: shape_of(found.group()), printable(str(text)))
    if len(shown) > SHOWN_CHARACTERS:
        shown = shown[:SHOWN_CHARACTERS] + "..."
    return shown
