"""Every ingestion test ends with a privacy walk: no protected value it sent is anywhere in the
warehouse, the council reports or the log (tests.privacy_scan)."""

from __future__ import annotations

import logging

import pytest

from tests.privacy_scan import file_texts, leaks, protected_values, warehouse_texts, where


@pytest.fixture(autouse=True)
def nothing_protected_is_stored(request, caplog):
    if "settings" not in request.fixturenames or "warehouse" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("settings")
    warehouse = request.getfixturevalue("warehouse")
    caplog.set_level(logging.DEBUG)
    yield
    values = protected_values(settings.landing_dir)
    texts = [
        *warehouse_texts(warehouse),
        *file_texts(settings.outbox_dir),
        caplog.text,
    ]
    found = leaks(values, texts)
    assert not found, "protected values stored or logged: " + "; ".join(
        f"{value} in {where(value, warehouse, settings.outbox_dir) or 'the log'}"
        for value in sorted(found)[:3]
    )
