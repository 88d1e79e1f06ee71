"""Configuration in one place: every setting is a Settings field read from RAA_<NAME>; the
Definitions' resources carry the same fields, as environment variables the UI names, and nothing
writes the environment."""

import dagster as dg
import pytest

from pipelines.cli import main
from pipelines.definitions import build_definitions
from pipelines.defs.resources import AlertResource, WarehouseResource
from pipelines.settings import PROJECT_ROOT, Settings, SettingsError, env_name


@pytest.fixture
def clean_env(monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    return monkeypatch


def test_every_setting_is_read_from_its_variable(clean_env, tmp_path):
    given = {
        "RAA_LANDING_DIR": str(tmp_path / "in"), "RAA_WAREHOUSE_DIR": str(tmp_path / "wh"),
        "RAA_FUNDING_FORMULA_FILE": str(tmp_path / "f.yaml"), "RAA_PSEUDONYM_KEY": "s3cret",
        "RAA_INGEST_WORKERS": "3", "RAA_LANDING_QUIET_SECONDS": "5", "RAA_FRESHNESS_DAYS": "7.5",
        "RAA_ROW_COUNT_TOLERANCE": "0.25", "RAA_DATA_DOCS": " Always ",
        "RAA_SENSOR_INTERVAL_SECONDS": "10", "RAA_SMTP_HOST": "mail", "RAA_SMTP_PORT": "2525",
        "RAA_ALERT_TO": "a@x.org, b@x.org,", "RAA_SMTP_PASSWORD": "pw",
    }  # fmt: skip
    for name, value in given.items():
        clean_env.setenv(name, value)
    settings = Settings.from_env()
    assert (
        settings.landing_dir == tmp_path / "in" and settings.database == tmp_path / "wh/raa.duckdb"
    )
    assert settings.funding_formula_file == tmp_path / "f.yaml"
    assert settings.pseudonym_key.get_secret_value() == "s3cret"
    assert (settings.ingest_workers, settings.landing_quiet_seconds, settings.freshness_days) == (
        3, 5.0, 7.5)  # fmt: skip
    assert (settings.row_count_tolerance, settings.data_docs) == (0.25, "always")
    assert (settings.sensor_interval_seconds, settings.smtp_port) == (10, 2525)
    assert settings.alert_to == ("a@x.org", "b@x.org") and settings.email_configured
    assert "s3cret" not in repr(settings) and "pw" not in str(settings)


def test_defaults_without_environment(clean_env):
    settings = Settings.from_env()
    assert settings.landing_dir == PROJECT_ROOT / "data" / "landing"
    assert settings.councils_file == PROJECT_ROOT / "config" / "councils.yaml"
    assert (settings.freshness_days, settings.data_docs, settings.smtp_port) == (
        3.0,
        "on_failure",
        25,
    )
    assert not settings.email_configured


def test_a_bad_value_is_one_line_naming_its_variable(clean_env):
    clean_env.setenv("RAA_FRESHNESS_DAYS", "three")
    clean_env.setenv("RAA_DATA_DOCS", "sometimes")
    with pytest.raises(SettingsError) as told:
        Settings.from_env()
    message = str(told.value)
    assert "\n" not in message
    assert "RAA_FRESHNESS_DAYS='three'" in message and "RAA_DATA_DOCS='sometimes'" in message


def test_the_cli_tells_a_bad_setting_in_one_line(clean_env, capsys):
    clean_env.setenv("RAA_INGEST_WORKERS", "0")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("raa status: RAA_INGEST_WORKERS='0'") and err.count("\n") == 1


def test_a_secret_is_never_repeated_in_a_message(clean_env):
    with pytest.raises(SettingsError) as told:
        Settings.parse({"smtp_password": 12345, "pseudonym_key": ["not", "text"]})
    assert "12345" not in str(told.value) and "not" not in str(told.value).replace("not set", "")


def test_resources_show_the_environment_variables_they_read(clean_env, tmp_path):
    clean_env.setenv("RAA_WAREHOUSE_DIR", str(tmp_path))
    clean_env.setenv("RAA_PSEUDONYM_KEY", "s3cret")
    clean_env.setenv("RAA_SMTP_PORT", "2525")
    defs = build_definitions(Settings.from_env())
    warehouse = defs.resources["warehouse"]
    alerts = defs.resources["alerts"]
    assert isinstance(warehouse, WarehouseResource) and isinstance(alerts, AlertResource)
    # Set in the environment: the variable's name (resolved when a run starts), never the value.
    assert warehouse.warehouse_dir == dg.EnvVar("RAA_WAREHOUSE_DIR")
    assert warehouse.pseudonym_key == dg.EnvVar("RAA_PSEUDONYM_KEY")
    assert alerts.smtp_port == dg.EnvVar.int("RAA_SMTP_PORT")
    # Not set: the value in use, so the UI shows it.
    assert warehouse.landing_dir == str(PROJECT_ROOT / "data" / "landing")
    assert warehouse.freshness_days == "3.0" and alerts.smtp_host is None
    # Under Dagster the fields become the same Settings.
    resolved = WarehouseResource(warehouse_dir=str(tmp_path), pseudonym_key="s3cret").settings()
    assert resolved == Settings.from_env()


def test_a_value_given_in_code_wins_and_is_shown(clean_env, tmp_path):
    clean_env.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "from-env"))
    settings = Settings.from_env(warehouse_dir=tmp_path / "given")
    resource = WarehouseResource.from_settings(settings)
    assert resource.warehouse_dir == str(tmp_path / "given")


def test_nothing_in_the_product_writes_the_environment():
    writes = []
    for path in sorted((PROJECT_ROOT / "pipelines").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if ("os.environ[" in code and "=" in code.split("os.environ[", 1)[1]) \
                    or any(f"os.environ.{verb}(" in code for verb in
                           ("setdefault", "update", "pop", "clear", "__setitem__")):  # fmt: skip
                writes.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    # The one exception: the waiting dbt process takes on the environment of the command it runs
    # in place of a fresh dbt (pipelines/platform/warm_dbt.py serve), which is that process's own.
    assert [w for w in writes if "warm_dbt.py" not in w] == []


def test_instance_home_works_without_dagster_home(clean_env, tmp_path):
    from pipelines.platform.event_log import prepare_home

    clean_env.delenv("DAGSTER_HOME", raising=False)
    home = tmp_path / "home with space"
    prepare_home(home)

    @dg.asset
    def anything() -> None:
        return None

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert dg.materialize([anything], instance=instance).success
    assert list((home / "history" / "runs").glob("*.db"))
