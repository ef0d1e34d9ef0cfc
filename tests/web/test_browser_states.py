"""The console when things go wrong, in headless Chromium, checked on screenshots (OCR).

- A service down: the pill says which (not a green "Connected"), a spoken turn that fails while
  the button is still held ends in the error (not "Thinking…" forever).
- The gateway gone: "Offline", never "Ready"; back to "Connected" when it returns.
- A phone: nothing covers the hints (the input bar used to float over them).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fake_hass.testing import free_port
from tests.support.stack import ServiceStack

from .browser import Page, chromium, gateway_process, ocr

pytestmark = pytest.mark.timeout(180)

STT_DOWN_LABEL = "STT down \u2013 type instead"


def test_a_service_down_is_shown_and_a_failed_turn_ends(
    stack: ServiceStack, command_wav: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    dead_stt = f"tcp://127.0.0.1:{free_port()}"
    uris = ["--stt-uri", dead_stt, "--agent-uri", stack.agent_uri, "--tts-uri", stack.tts_uri]
    with gateway_process(tmp_path, *uris) as url, chromium(command_wav) as browser:
        page = Page(browser)
        page.open(url, connection="degraded")
        assert page.text("connection") == "STT down"
        assert "STT down" in page.text("services")
        assert page.text("state-label") == STT_DOWN_LABEL

        talk = browser.find_element(By.ID, "talk")
        ActionChains(browser).click_and_hold(talk).perform()
        # The turn fails at the STT while the button is still held: the page stops listening.
        page.wait.until(lambda _d: "cannot connect" in page.text("reply"), "the STT error")
        page.wait.until(lambda _d: page.attribute("data-state") == "idle", "idle while held")
        ActionChains(browser).release(talk).perform()
        time.sleep(1.0)  # a stuck page would now turn to "Thinking…"
        assert page.attribute("data-state") == "idle"
        assert page.text("state-label") == STT_DOWN_LABEL
        seen = ocr(page.screenshot("web-console-stt-down"))
    for words in ("STT down", "cannot connect", "type instead"):
        assert words in seen, f"{words!r} not on the screenshot: {seen}"
    assert "Thinking" not in seen and "Connected" not in seen and "Ready" not in seen


def test_offline_says_offline_and_comes_back(stack: ServiceStack, tmp_path: Path) -> None:
    uris = ["--stt-uri", stack.stt_uri, "--agent-uri", stack.agent_uri, "--tts-uri", stack.tts_uri]
    port = free_port()
    with chromium() as browser:
        page = Page(browser)
        with gateway_process(tmp_path, *uris, port=port) as url:
            page.open(url)
        # The gateway has stopped.
        page.wait.until(lambda _d: page.attribute("data-connection") == "offline", "offline")
        assert page.text("state-label") == "Offline"
        seen = ocr(page.screenshot("web-console-offline"))
        assert "Offline" in seen, seen
        assert "Ready" not in seen and "Connected" not in seen, seen
        with gateway_process(tmp_path, *uris, port=port):
            page.wait.until(lambda _d: page.attribute("data-connection") == "connected", "back")
            assert page.text("state-label") == "Ready"


# Every hint and live text must be on top where it is shown, at every scroll position.
COVERED = """
const covered = [];
for (const selector of ['#hint', '.log-empty', '#state-label', '.live']) {
  const element = document.querySelector(selector);
  for (const y of [0, 150, 300, 450, 600, 900, 1200]) {
    window.scrollTo(0, y);
    const r = element.getBoundingClientRect();
    if (r.bottom <= 0 || r.top >= innerHeight) continue;  // scrolled out of view
    const cy = (Math.max(r.top, 0) + Math.min(r.bottom, innerHeight)) / 2;
    for (const fx of [0.1, 0.5, 0.9]) {
      const top = document.elementFromPoint(r.left + r.width * fx, cy);
      if (top && top !== element && !element.contains(top)) {
        covered.push(`${selector} at scroll ${y}: under ${top.id || top.className}`);
      }
    }
  }
}
window.scrollTo(0, 0);
return covered;
"""


@pytest.mark.parametrize("size", [(390, 844), (360, 640), (375, 560)])
def test_nothing_covers_the_hints_on_a_phone(
    stack: ServiceStack, tmp_path: Path, size: tuple[int, int]
) -> None:
    uris = ["--stt-uri", stack.stt_uri, "--agent-uri", stack.agent_uri, "--tts-uri", stack.tts_uri]
    with gateway_process(tmp_path, *uris) as url, chromium(size=size, mobile=True) as browser:
        page = Page(browser)
        page.open(url)
        assert browser.execute_script(COVERED) == []
        page.screenshot(f"web-console-phone-{size[0]}x{size[1]}")


def test_the_key_dialog_unlocks_the_page_and_its_status(
    stack: ServiceStack, tmp_path: Path
) -> None:
    """With --api-key-file: the page asks for the key, then /health (Bearer) fills the status."""
    from selenium.webdriver.common.by import By

    key = tmp_path / "key"
    key.write_text("browser-test-key")
    uris = ["--stt-uri", stack.stt_uri, "--agent-uri", stack.agent_uri, "--tts-uri", stack.tts_uri]
    with gateway_process(tmp_path, *uris, "--api-key-file", str(key)) as url, chromium() as browser:
        page = Page(browser)
        page.open(url, connection="locked")
        assert page.text("state-label") == "API key needed"
        browser.find_element(By.ID, "key-input").send_keys("wrong\n")
        page.wait.until(lambda _d: "not accepted" in page.text("key-error"), "the wrong key")
        browser.find_element(By.ID, "key-input").send_keys("browser-test-key\n")
        page.wait.until(lambda _d: page.attribute("data-connection") == "connected", "unlocked")
        page.wait.until(lambda _d: "TTS espeak-ng" in page.text("services"), "/health with key")
        assert page.text("state-label") == "Ready"
