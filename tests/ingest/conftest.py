"""Every ingestion test ends with a privacy walk: no protected value it sent is anywhere in the
warehouse, the council reports or the log (tests.privacy_scan)."""

from __future__ import annotations

import logging

import pytest

from tests.privacy_scan import leaks, protected_values


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
    found = leaks(values, warehouse, settings.outbox_dir, caplog.text)
    assert not found, "protected values stored or logged: " + "; ".join(
        f"{value} in {', '.join(places)}" for value, places in sorted(found.items())[:3]
    )
