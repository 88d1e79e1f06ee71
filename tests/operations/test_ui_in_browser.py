"""`make ui` as the data team opens it, in a real headless Chromium (Debian's `chromium` and
`chromium-driver`, which .ci/run installs): the code location is healthy, the asset graph shows
its groups, a materialisation launched from the UI succeeds and the asset checks show.
Screenshots go to test-artifacts/ui/."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from pipelines.settings import PROJECT_ROOT
from tests.operations.conftest import CHROMEDRIVER, CHROMIUM, free_port

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "ui"
GROUPS = ("ingest", "finance", "reference", "staging", "intermediate", "star", "marts", "publish")


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def _wait_for(what, timeout: float, step: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = what()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s")


@dataclass
class Ui:
    url: str
    log: Path  # what `make ui` printed: the webserver's and the daemon's lines


@pytest.fixture
def ui(copied, region, tmp_path):
    """`make ui` (dagster dev on the project's workspace) over a private copy of the warehouse,
    with its own Dagster home; stopped, with its daemon, after the test."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium is not installed: apt-get install chromium chromium-driver "
                    "(.ci/run does this)")  # fmt: skip
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "MAKEFLAGS": ""}
    log_path = tmp_path / "ui.log"
    log = log_path.open("w")
    # Started as a script's `make ui &` starts it, with SIGINT ignored: `dagster dev` then
    # ignored SIGTERM too, and only SIGKILL stopped it (pipelines/platform/ui_server.py).
    server = subprocess.Popen(
        ["make", "--no-print-directory", "ui", f"UI_PORT={port}"], cwd=PROJECT_ROOT, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: urllib.request.urlopen(f"{url}/server_info", timeout=5).status == 200,
                  timeout=180)  # fmt: skip
        yield Ui(url, log_path)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            pytest.fail("make ui did not stop within 60 s of SIGTERM")
        finally:
            log.close()


def _page_shows(driver, *texts: str, timeout: float = 90) -> str:
    def shown():
        body = driver.find_element(By.TAG_NAME, "body").text
        return body if all(t in body for t in texts) else None

    return WebDriverWait(driver, timeout, poll_frequency=1).until(lambda d: shown())


def _skip_welcome(driver) -> None:
    """Dagster's "Join the community" dialogue comes up once in a new home: skip it."""
    try:
        WebDriverWait(driver, 10).until(
            lambda d: [b for b in d.find_elements(By.TAG_NAME, "button") if b.text == "Skip"]
        )[0].click()
        WebDriverWait(driver, 10).until(lambda d: "Join the Dagster community" not in d.page_source)
    except Exception:  # no dialogue this time
        return


def _shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


@pytest.mark.slow
def test_make_ui_in_a_browser(ui, browser):
    location = _graphql(ui.url, "{ workspaceOrError { ... on Workspace { locationEntries { name "
                        "loadStatus locationOrLoadError { __typename } } } } }")  # fmt: skip
    (entry,) = location["workspaceOrError"]["locationEntries"]
    assert entry["loadStatus"] == "LOADED"
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation"

    browser.get(f"{ui.url}/locations")
    _page_shows(browser, "pipelines.definitions", "Loaded")
    _shot(browser, "1-code-location")

    browser.get(f"{ui.url}/asset-groups")
    _page_shows(browser, *GROUPS)
    _shot(browser, "2-asset-graph")

    # Launch a materialisation from the UI: the council registry table, on its asset page.
    _launch_from_asset_page(browser, ui, "canonical/councils")
    _shot(browser, "3-launched")
    _wait_or_explain(ui, lambda: _successful_runs(ui.url), timeout=300, waiting_for="the run")
    browser.get(f"{ui.url}/assets/canonical/councils")
    WebDriverWait(browser, 60, poll_frequency=2).until(
        lambda d: (
            d.refresh() or "Never materialized" not in _page_shows(d, "Latest materialization")
        )
    )
    _shot(browser, "4-materialized")

    browser.get(f"{ui.url}/assets/canonical/council_submission?view=checks")
    _page_shows(browser, "contract")
    _skip_welcome(browser)
    _shot(browser, "5-asset-checks")
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not [e for e in errors if "graphql" in e.get("message", "").lower()], errors


def _launch_from_asset_page(browser, ui: Ui, asset: str, attempts: int = 3) -> None:
    """Click the asset page's Materialize button until Dagster has a run for it. On a busy
    machine the page can take the click before it has finished loading and do nothing, as it
    would for a person, who would then click again."""
    for attempt in range(1, attempts + 1):
        browser.get(f"{ui.url}/assets/{asset}")
        _page_shows(browser, "Materialize")
        _click_button(browser, "Materialize")
        try:
            _wait_for(lambda: _runs(ui.url), timeout=60, step=2)
            return
        except AssertionError:
            _shot(browser, f"3-no-run-after-click-{attempt}")
    _wait_or_explain(ui, lambda: _runs(ui.url), timeout=0, waiting_for="a run after the clicks")


def _wait_or_explain(ui: Ui, what, timeout: float, waiting_for: str):
    """Wait as _wait_for does; on a timeout, say what Dagster was doing: every run's status,
    the daemons' health and the end of what `make ui` printed."""
    try:
        return _wait_for(what, timeout=timeout, step=2)
    except AssertionError as problem:
        state = _graphql(ui.url, "{ runsOrError { ... on Runs { results { runId status } } } "
                         "instance { daemonHealth { allDaemonStatuses { daemonType healthy "
                         "required } } } }")  # fmt: skip
        printed = ui.log.read_text(errors="replace").splitlines()[-60:]
        raise AssertionError(
            f"waiting for {waiting_for}: {problem}\n"
            f"runs: {state['runsOrError']}\ndaemons: {state['instance']}\n"
            "make ui printed (last 60 lines):\n" + "\n".join(printed)
        ) from None


def _runs(url: str) -> list[dict]:
    data = _graphql(url, "{ runsOrError { ... on Runs { results { runId status } } } }")
    return data["runsOrError"]["results"]


def _successful_runs(url: str) -> list[dict] | None:
    runs = _runs(url)
    failed = [r for r in runs if r["status"] in ("FAILURE", "CANCELED")]
    assert not failed, failed
    done = [r for r in runs if r["status"] == "SUCCESS"]
    return done if runs and len(done) == len(runs) else None


def _click_button(browser, label: str, timeout: float = 30) -> None:
    """Click the button showing `label`. The UI re-renders while it loads, so an element found a
    moment ago can be gone ("stale"), and Dagster's "Join the community" dialogue can come up over
    it at any moment (the click is intercepted): skip the dialogue, look again until a click
    lands."""

    def click(d) -> bool:
        try:
            buttons = {b.text.strip(): b for b in d.find_elements(By.TAG_NAME, "button")}
            if label not in buttons:
                return False
            buttons[label].click()
            return True
        except ElementClickInterceptedException:
            skip = [b for b in d.find_elements(By.TAG_NAME, "button") if b.text == "Skip"]
            if skip:
                skip[0].click()
            return False
        except StaleElementReferenceException:
            return False

    WebDriverWait(browser, timeout, poll_frequency=0.5,
                  ignored_exceptions=[StaleElementReferenceException]).until(click)  # fmt: skip
