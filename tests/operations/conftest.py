"""One small demo warehouse per session (generate, then `run_pipeline` through Dagster, which
publishes), copies of it for tests that change things, and a real local SMTP server."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from pipelines.defs.resources import AlertResource
from pipelines.registry import Registry, load_registry
from pipelines.settings import Settings

SESSION_ENV = ("RAA_LANDING_DIR", "RAA_WAREHOUSE_DIR", "DAGSTER_HOME", "RAA_PSEUDONYM_KEY")
SMTP_ENV = ("RAA_SMTP_HOST", "RAA_SMTP_PORT", "RAA_SMTP_USER", "RAA_SMTP_PASSWORD",
            "RAA_ALERT_FROM", "RAA_ALERT_TO")  # fmt: skip


@dataclass
class Region:
    settings: Settings
    registry: Registry
    report: object
    progress: list[str]
    seconds: float


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    from demo import generate_demo
    from pipelines.run import run_pipeline

    root = tmp_path_factory.mktemp("region")
    with pytest.MonkeyPatch.context() as env:
        values = (root / "landing", root / "warehouse", root / "dagster", "ops-test-key")
        for name, value in zip(SESSION_ENV, values, strict=True):
            env.setenv(name, str(value))
        for name in SMTP_ENV:
            env.delenv(name, raising=False)
        settings = Settings.from_env()
        generate_demo(settings.landing_dir, registry_file=settings.councils_file)
        progress: list[str] = []
        started = time.perf_counter()
        report = run_pipeline(settings, progress=progress.append)
        seconds = time.perf_counter() - started
    assert report.success, progress
    return Region(settings, load_registry(settings.councils_file), report, progress, seconds)


def use_copy(region: Region, source: Path, target: Path, env: pytest.MonkeyPatch) -> Settings:
    """Copy a warehouse folder `source` (working db, archive, published snapshot) to `target` and
    point the environment at the copy, with the session region's landing folder and Dagster
    home."""
    shutil.copytree(source, target, symlinks=True)
    for name, value in (("RAA_LANDING_DIR", region.settings.landing_dir),
                        ("RAA_WAREHOUSE_DIR", target), ("RAA_PSEUDONYM_KEY", "ops-test-key"),
                        ("DAGSTER_HOME", region.settings.warehouse_dir.parent / "dagster")):  # fmt: skip
        env.setenv(name, str(value))
    return Settings.from_env()


@pytest.fixture
def copied(region: Region, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A private copy of the session's warehouse (working db, archive, published snapshot)."""
    return use_copy(region, region.settings.warehouse_dir, tmp_path / "warehouse", monkeypatch)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []
        self.raw: list[bytes] = []  # each message as it came, headers included

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.raw.append(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = f"Subject: {message['Subject']}\n{message.get_content()}"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), text))
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return [m[2] for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(env: pytest.MonkeyPatch):
    """A real SMTP server on 127.0.0.1 and the RAA_SMTP_* environment pointing at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env.setenv("RAA_SMTP_HOST", "127.0.0.1")
    env.setenv("RAA_SMTP_PORT", str(port))
    env.setenv("RAA_ALERT_FROM", "warehouse@raa.example")
    env.setenv("RAA_ALERT_TO", "ops@raa.example")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):
    with smtp_server(monkeypatch) as inbox:
        yield inbox


@pytest.fixture
def alerts() -> AlertResource:
    return AlertResource()


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def browser():
    """Debian's headless Chromium, driven by Selenium, its console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium is not installed: apt-get install chromium chromium-driver "
                    "(.ci/run does this)")  # fmt: skip
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1600,1000"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()
