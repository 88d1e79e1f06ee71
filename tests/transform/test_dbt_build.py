"""The whole adoption dbt project (models, data tests, unit tests) builds on the scenario."""


def test_dbt_build_succeeds(built):
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (built.result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert built.result.success, failures or built.result.exception
    assert not failures


def test_unit_tests_ran(built):
    unit = [r for r in built.result.result if r.node.resource_type == "unit_test"]
    assert len(unit) >= 3
