"""Headless Chromium for the console tests: the gateway as a process, a page, waits, OCR.

Without chromium/chromedriver/selenium the browser tests skip, under CI they fail (.ci/run
installs them). Screenshots are read back with tesseract (`tesseract-ocr`), so a test checks
what a person would see, not only the DOM.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fake_hass.testing import free_port
from tests.support.services import REPO
from tests.support.stack import wait_for_http

ARTIFACTS = REPO / "test-artifacts"
WAIT = 20.0


def _require(tool: str, found: bool, install: str) -> None:
    if not found:
        message = f"{tool} is needed for the browser tests"
        if os.environ.get("CI"):
            pytest.fail(f"{message} ({install})")
        pytest.skip(message)


def browser_paths() -> tuple[str, str]:
    """chromium and chromedriver (skips, or fails under CI, without them or selenium)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        driver = None
    _require("chromium, chromedriver and selenium", bool(chromium and driver),
             "apt-get install chromium chromium-driver; pip install selenium")  # fmt: skip
    assert chromium is not None and driver is not None
    return chromium, driver


@contextmanager
def gateway_process(log_dir: Path, *argv: str, port: int | None = None) -> Iterator[str]:
    """`python -m wyoming_web ARGV` (on a free port), the way users run it; yields its URL."""
    port = port or free_port()
    log = log_dir / f"web-{port}.log"
    command = [sys.executable, "-m", "wyoming_web", "--port", str(port), "--debug", *argv]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def chromium(
    microphone: Path | None = None,
    *,
    size: tuple[int, int] = (1280, 860),
    extra: Sequence[str] = (),
    mobile: bool = False,
) -> Iterator[Any]:
    """Headless Chromium; its fake microphone plays `microphone` once (silence without)."""
    binary, driver_path = browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    arguments = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        f"--window-size={size[0]},{size[1]}", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required",
        *extra,
    ]  # fmt: skip
    if microphone is not None:
        arguments.append(f"--use-file-for-fake-audio-capture={microphone}%noloop")
    for argument in arguments:
        options.add_argument(argument)
    if mobile:
        metrics = {"width": size[0], "height": size[1], "pixelRatio": 2.0, "touch": True}
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


PAGE_SCRIPT = (
    "const c = document.getElementById('console');"
    "return {dataset: {...c.dataset}, label: document.getElementById('state-label')"
    ".textContent, transcript: document.getElementById('transcript').textContent,"
    "reply: document.getElementById('reply').textContent,"
    "connection: document.getElementById('connection').textContent,"
    "console: window.voiceConsole};"
)


class PageWait:
    """WebDriverWait whose timeouts say what the page showed and logged."""

    def __init__(self, browser: Any, timeout: float = WAIT) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.browser = browser
        self._wait = WebDriverWait(browser, timeout, poll_frequency=0.1)

    def until(self, condition: Any, what: str) -> None:
        """Wait for condition(driver) to be truthy; fail with the page's state if it is not."""
        from selenium.common.exceptions import TimeoutException

        try:
            self._wait.until(condition)
        except TimeoutException:
            page = self.browser.execute_script(PAGE_SCRIPT)
            logs = self.browser.get_log("browser")
            pytest.fail(f"timed out waiting for {what}: page {page}, browser log {logs}")


class Page:
    """Reading the console page: texts by id, attributes of #console."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.wait = PageWait(browser)

    def text(self, element_id: str) -> str:
        """The visible text of an element."""
        from selenium.webdriver.common.by import By

        return str(self.browser.find_element(By.ID, element_id).text)

    def attribute(self, name: str) -> str:
        """An attribute of #console (data-state, data-connection, data-played)."""
        from selenium.webdriver.common.by import By

        return str(self.browser.find_element(By.ID, "console").get_attribute(name))

    def open(self, url: str, connection: str = "connected") -> None:
        """Load the page and wait until the WebSocket reaches a state."""
        self.browser.get(url)
        self.wait.until(
            lambda _d: self.attribute("data-connection") == connection, f"connection {connection}"
        )

    def screenshot(self, name: str) -> Path:
        """Save test-artifacts/NAME.png and return its path."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.browser.save_screenshot(str(path))
        return path


def ocr(image: Path) -> str:
    """The text tesseract reads in a screenshot, whitespace folded (skips/fails without it)."""
    tesseract = shutil.which("tesseract")
    _require("tesseract", tesseract is not None, "apt-get install tesseract-ocr")
    assert tesseract is not None
    result = subprocess.run(
        [tesseract, str(image), "-", "--psm", "11"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return " ".join(result.stdout.split())
