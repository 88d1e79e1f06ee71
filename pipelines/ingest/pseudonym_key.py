"""The warehouse keeps using the pseudonym key its children were first loaded with.

A child's key (and a household's, a case's) is a keyed hash of its id under RAA_PSEUDONYM_KEY.
Loading under another key (a secret store rotated, the demo key left set, a typo) would give every
new row keys that join nothing already stored: the agency's households would stop matching the
councils' adoptions and children's history would split, with no error anywhere. So the warehouse
records a check value of its key, a keyed hash of a fixed text (it reveals nothing of the key),
and a load under another key is refused before anything is written.
"""

from __future__ import annotations

import hmac
from pathlib import Path

import duckdb

from pipelines.settings import SettingsError
from pipelines.warehouse import connect

CHECKED_TEXT = b"raa pseudonym key check"


class PseudonymKeyChanged(SettingsError):
    """RAA_PSEUDONYM_KEY is not the key the warehouse was loaded with."""


def check_value(key: str) -> str:
    return hmac.digest(key.encode(), CHECKED_TEXT, "sha256")[:16].hex()


def ensure_same_key(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Record the key's check value in a warehouse that has none (a new one, or one loaded
    before this check existed: its key is taken to be this one); refuse any other key."""
    recorded = _recorded(con)
    if recorded is None:
        con.execute("insert into audit.pseudonym_key values (?, now())", [check_value(key)])
    elif problem := _problem(recorded, key):
        raise PseudonymKeyChanged(problem)


def warehouse_key_problem(database: Path, key: str, wait_seconds: float = 600.0) -> str | None:
    """`key_problem` for the warehouse file: None when there is no warehouse yet or it records
    no key (`raa run` asks before it starts any run). While another process writes it (a run of
    the daemon's: DuckDB then refuses even a reader), wait up to `wait_seconds` for the lock to
    be let go, as a run does between its steps; still held then, None, and the load asks."""
    checked = _warehouse_check(database, key, wait_seconds)
    return checked if isinstance(checked, str) else None


def warehouse_key_is_right(database: Path, key: str, wait_seconds: float = 0.0) -> bool | None:
    """Whether `key` is the warehouse's (or there is no warehouse, or it records no key yet);
    None when another process held it for `wait_seconds`."""
    checked = _warehouse_check(database, key, wait_seconds)
    return None if checked is _LOCKED else checked is None


_LOCKED = object()  # the warehouse's lock was held by a writer


def _warehouse_check(database: Path, key: str, wait_seconds: float) -> str | object | None:
    """key_problem's answer for the warehouse file, or _LOCKED."""
    if not database.exists():
        return None
    try:
        con = connect(database, read_only=True, lock_wait_seconds=wait_seconds)
    except duckdb.Error:  # still locked by a writer
        return _LOCKED
    try:
        return key_problem(con, key)
    finally:
        con.close()


def key_problem(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """Why `key` is not the warehouse's; None when it is, or the warehouse records no key (a
    new one, or one from before the check: its next load records the key)."""
    try:
        recorded = _recorded(con)
    except duckdb.Error:
        return None
    return None if recorded is None else _problem(recorded, key)


def _recorded(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """The check value the warehouse records, and when; None for a warehouse that has none."""
    return con.execute(
        "select check_value, recorded_at from audit.pseudonym_key limit 1"
    ).fetchone()


def _problem(recorded: tuple, key: str) -> str | None:
    check, since = recorded
    if hmac.compare_digest(check, check_value(key)):
        return None
    return (
        "RAA_PSEUDONYM_KEY is not the key this warehouse's children were loaded with (recorded "
        f"{since:%d/%m/%Y %H:%M}). Loading with it would give every child and household new keys "
        "that join nothing already stored, so nothing was loaded: the warehouse and the published "
        "figures are unchanged. Set RAA_PSEUDONYM_KEY back to the warehouse's key (from your "
        "secret store) where the nights run: for the schedule and sensors, in the environment of "
        "dagster-daemon (and of `make ui`), then restart them; the refused exports are loaded by "
        "the next night's schedule, or at once by `raa run`. To change the key on purpose, build "
        "a new warehouse with the new key from the archive (`raa rebuild --out DIR`) and point "
        "RAA_WAREHOUSE_DIR at it."
    )
