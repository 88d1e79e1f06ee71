"""The national registry (the national run itself takes ~40 s and is left to `make bench`)."""

from __future__ import annotations

import numpy as np

from demo.national import national_registry, write_registry
from pipelines.registry import load_registry


def test_national_registry_is_loadable_fictional_and_mixed(tmp_path):
    path = tmp_path / "councils.yaml"
    write_registry(national_registry(np.random.default_rng([42, 0])), path)
    registry = load_registry(path)
    assert len(registry.partners) == 150
    assert [c.code for c in registry.councils if c.role == "agency"] == ["NATRAA"]
    assert {c.dialect for c in registry.partners} == {"ssda903", "mosaic", "liquidlogic", "charms"}
    assert all("(synthetic)" in c.name for c in registry.partners)
    assert len({c.name for c in registry.councils}) == len(registry.councils)
    again = tmp_path / "again.yaml"
    write_registry(national_registry(np.random.default_rng([42, 0])), again)
    assert path.read_bytes() == again.read_bytes()
