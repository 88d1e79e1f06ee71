"""Which table of the layout a file or sheet holds, recognised by its column headers, and the
columns a council must not send (personal details, no header, one header twice)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from data_contracts.council_text import without_identifiers
from data_contracts.profiles import Profile, TableMapping
from pipelines.ingest.read.raw import FileProblem, RawTable, where
from pipelines.ingest.redact import safe_text, shape_text

HEADERS_NAMED = 8  # headers read ignoring capitals named in the note


HEADERS_SHOWN_INSTEAD = 5  # headers a table does not know named beside its missing ones


IDENTIFIER_HEADER = re.compile(
    r"(?i)(^|[^a-z])((first|last|full|given|family|child|middle|maiden|preferred|known[ _-]?as)?"
    r"[ _-]?names?|forenames?|surnames?|address|street|addr|postcode|post ?code|phone|"
    r"telephone|mobile|email|e-mail|nhs|ni ?number)([^a-z]|$)"
)


# Where a CamelCase header's words meet (NHSNumber, ChildFullName, HomeAddress): split there first.
CAMEL_CASE_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def recognise(
    location: str, headers: list[str], profile: Profile
) -> tuple[TableMapping, list[str], str | None]:
    """The canonical table a file holds, recognised by its set of column headers; the headers as
    read (one sent in other capitals than the layout's, `child` for CHILD, as the layout's); and
    a note naming those, for the council. Headers as sent are preferred: the capitals are ignored
    only when they decide nothing (no two headers, and no two tables, become one)."""
    present = set(headers)
    mapping = _best_fit(location, profile, lambda m: m.required_headers <= present)
    if mapping is None:
        folded = {h.casefold() for h in headers}
        mapping = _best_fit(
            location,
            profile,
            lambda m: {r.casefold() for r in m.required_headers} <= folded,
            " ignoring capitals",
        )
    if mapping is None:
        _refuse_unrecognised(location, headers, profile)
    return (mapping, *_read_ignoring_case(location, mapping, headers))


def _best_fit(
    location: str, profile: Profile, fits: Callable[[TableMapping], bool], how: str = ""
) -> TableMapping | None:
    """Of the tables whose required headers the file has, the one needing the most of them."""
    complete = [m for m in profile.tables.values() if fits(m)]
    if not complete:
        return None
    best = max(len(m.required_headers) for m in complete)
    winners = [m for m in complete if len(m.required_headers) == best]
    if len(winners) > 1:
        names = " and ".join(m.table for m in winners)
        raise FileProblem(f"{location} could be either {names}{how}; its columns are ambiguous.")
    return winners[0]


def _read_ignoring_case(
    location: str, mapping: TableMapping, headers: list[str]
) -> tuple[list[str], str | None]:
    """The headers, each the layout's header it matches ignoring capitals when it is not one of
    the layout's as sent; and the note naming them. A layout header sent as it is keeps its
    column (another header matching it ignoring capitals stays a column the layout does not
    know); two headers that match the same layout header only ignoring capitals are refused:
    which of them holds its values is not for us to guess."""
    known = {h.casefold(): h for h in mapping.known_headers}
    claims: dict[str, list[str]] = {}
    for header in headers:
        layout = known.get(header.casefold())
        if layout is not None and header != layout and layout not in headers:
            claims.setdefault(layout, []).append(header)
    twice = {layout: sent for layout, sent in claims.items() if len(sent) > 1}
    if twice:
        named = "; ".join(
            f"{' and '.join(map(safe_text, sent))} for {layout}"
            for layout, sent in sorted(twice.items())
        )
        raise FileProblem(
            f"{location} looks like the {mapping.shown_name} table, but more than one of its headers "
            f"is a header of the layout in other capitals ({named}): which column holds its "
            "values is not clear. Please use the layout's headers exactly, once each."
        )
    if not claims:
        return headers, None
    read_as = {sent[0]: layout for layout, sent in claims.items()}
    renamed = [f"{safe_text(h)} as {read_as[h]}" for h in headers if h in read_as]
    shown = ", ".join(renamed[:HEADERS_NAMED]) + (
        f" and {len(renamed) - HEADERS_NAMED} more" if len(renamed) > HEADERS_NAMED else ""
    )
    note = (
        f"{len(renamed)} header(s) read ignoring capitals ({shown}); please use the layout's "
        "headers exactly"
    )
    return [read_as.get(h, h) for h in headers], note


def _refuse_unrecognised(location: str, headers: list[str], profile: Profile) -> None:
    """Why no table of the layout fits the headers: the nearest one's missing columns (its
    headers in other capitals count as sent), or the tables the layout has."""
    folded = {h.casefold() for h in headers}

    def found(m: TableMapping) -> int:
        return sum(r.casefold() in folded for r in m.required_headers)

    nearest = max(profile.tables.values(), key=lambda m: found(m) / len(m.required_headers))
    if found(nearest) / len(nearest.required_headers) >= 0.5:
        missing = sorted(r for r in nearest.required_headers if r.casefold() not in folded)
        raise FileProblem(
            f"{location} looks like the {nearest.shown_name} table but is missing the required "
            f"column(s) {', '.join(missing)}.{_sent_instead(headers, nearest, missing)}"
        )
    expected = "; ".join(
        f"{m.shown_name}{f' (sheet {m.sheet})' if m.sheet else ''}: {', '.join(sorted(m.required_headers)[:4])}..."
        for m in profile.tables.values()
    )
    raise FileProblem(
        f"{location} is not a table of the {profile.label} layout (its columns are "
        f"{', '.join(_header_shown(h, profile) for h in headers[:8])}"
        f"{'...' if len(headers) > 8 else ''})."
        f" Expected tables: {expected}"
    )


def _sent_instead(headers: list[str], mapping: TableMapping, missing: list[str]) -> str:
    """The headers sent that the table does not know (in other capitals than the layout's
    count as known), named after its missing ones: usually one of them is a missing column
    under another name (CHILD_ID for CHILD), and renaming it is the fix. Quoted through
    safe_text; one that looks like a personal detail is not quoted but found by its position
    and the word that gave it away, as _identifying_headers finds it; past HEADERS_SHOWN_INSTEAD
    the rest are counted."""
    known = {h.casefold() for h in mapping.known_headers}
    unknown = [
        f"column {position} (its header has the word '{word}')"
        if (word := identifying_word(header))
        else safe_text(header)
        for position, header in enumerate(headers, start=1)
        if header and header.casefold() not in known
    ]
    if not unknown:
        return ""
    shown = unknown[:HEADERS_SHOWN_INSTEAD]
    more = len(unknown) - len(shown)
    if more:
        listed = f"{', '.join(shown)} and {more} more"
    else:
        listed = f"{', '.join(shown[:-1])} and {shown[-1]}" if len(shown) > 1 else shown[0]
    one_sent, one_missing = len(unknown) == 1, len(missing) == 1
    if one_sent:
        fix = f"if it holds {missing[0] if one_missing else 'a missing column'}, rename it"
    elif one_missing:
        fix = f"if one of them holds {missing[0]}, rename it"
    else:
        fix = "if they hold missing columns, rename them"
    return f" It has {listed}, which the {mapping.shown_name} table does not use: {fix}."


def _header_shown(header: str, profile: Profile) -> str:
    """A header as it may be repeated: one of the layout's own in clear; anything else by its
    shape, since a sheet of notes or a file sent without its header row starts with someone's
    data."""
    known = any(header in mapping.known_headers for mapping in profile.tables.values())
    return header if known else shape_text(header)


def finish(
    name: str,
    sheet: str | None,
    mapping: TableMapping,
    frame: pd.DataFrame,
    ragged: list,
    notes: list[str],
) -> RawTable:
    identifying = _identifying_headers(frame, mapping)
    frame, unnamed = _without_unnamed_columns(frame)
    notes = notes + unnamed
    unknown = [c for c in frame.columns if c != "source_row" and c not in mapping.known_headers]
    location = where(name, sheet)
    if identifying:
        # The header itself is never repeated: a column named after a child is the very thing
        # the check is for. Its position, and the word that gave it away, are enough to find it.
        raise FileProblem(
            f"{location} has column(s) that look like names, addresses or contact details and "
            f"are not part of the agreed layout ({'; '.join(identifying)}). Personal details "
            "must not be sent: remove the column(s) and send the file again."
        )
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise FileProblem(f"{location} has the column(s) "
                          f"{', '.join(map(safe_text, duplicated))} more than once.")  # fmt: skip
    frame = frame.copy()
    frame["file_name"] = name
    # a sheet's name is kept (audit rows, reports) as a file's is (landing.py): without identifiers
    kept_sheet = sheet and without_identifiers(sheet)
    return RawTable(name, kept_sheet, mapping, frame, ragged, unknown, notes)


def _identifying_headers(frame: pd.DataFrame, mapping: TableMapping) -> list[str]:
    """Each column not in the layout whose header looks like a personal detail, named by its
    position (from 1, as the council counts columns) and the word that makes it look so."""
    found = []
    for position, header in enumerate(frame.columns, start=1):
        if header in ("", "source_row") or header in mapping.known_headers:
            continue
        word = identifying_word(header)
        if word:
            found.append(f"column {position}, by the word '{word}'")
    return found


def identifying_word(header: str) -> str | None:
    """The word that makes a header look like a personal detail ('Child Name', 'NHS'), if any."""
    if "@" in header:  # an email address as a header (red-team probe): its '@' names it
        return "@"
    word = IDENTIFIER_HEADER.search(CAMEL_CASE_WORD.sub(" ", header))
    return word.group(2).strip(" _-") if word else None


def _without_unnamed_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Columns with a blank header (a trailing comma on every line, an empty first column) are
    left out, and the council is told; one holding values is named by its position."""
    blank = [i for i, c in enumerate(frame.columns) if c == ""]
    if not blank:
        return frame, []
    filled = [i + 1 for i in blank if frame.iloc[:, i].fillna("").ne("").any()]
    notes = [f"{len(blank)} column(s) with no header left out"]
    if filled:
        notes[0] += (f", of which column(s) {', '.join(map(str, filled))} hold values: give them "
                     "a header from the layout or leave them out")  # fmt: skip
    keep = [i for i in range(frame.shape[1]) if i not in set(blank)]
    return frame.iloc[:, keep], notes
