"""Shared fixtures for the funding-formula tests: a small registry and a valid formula dict."""

from __future__ import annotations

import copy

import pytest

from pipelines.registry import Council, Registry


@pytest.fixture
def registry() -> Registry:
    """Three partner councils and the agency's own system (which takes no share)."""
    return Registry(
        partnership_code="REGION",
        partnership_name="Test partnership",
        councils=(
            Council("AAA", "Council A", "ssda903"),
            Council("BBB", "Council B", "mosaic"),
            Council("CCC", "Council C", "liquidlogic"),
            Council("RAA", "Agency system", "charms", role="agency"),
        ),
    )


VALID = {
    "versions": [
        {
            "id": "v2019",
            "effective_from": "2019-04-01",
            "effective_to": "2022-03-31",
            "pools": {"central_hub": "formula", "locality_hub": "owning_council"},
            "drivers": {
                "placement_orders": {"weight": 0.5, "basis": "single_year"},
                "adm_decisions": {"weight": 0.5, "basis": "single_year"},
            },
        },
        {
            "id": "v2022",
            "effective_from": "2022-04-01",
            "demand_lag_years": 1,
            "transitional_limit": 0.05,
            "pools": {"central_hub": "formula", "interagency_fees": "child_council"},
            "base_share": {"weight": 0.1, "shares": {"AAA": 0.5, "BBB": 0.3, "CCC": 0.2}},
            "drivers": {
                "placement_orders": {"weight": 0.6, "basis": "rolling_3yr"},
                "approvals": {"weight": 0.3, "basis": "single_year"},
            },
        },
    ]
}


@pytest.fixture
def valid_formula() -> dict:
    return copy.deepcopy(VALID)
