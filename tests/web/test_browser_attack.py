"""A hostile website in a real browser tries to drive the gateway: 0 actions in Home Assistant.

Chromium resolves `evil.example` and `rebind.example` to 127.0.0.1 (`--host-resolver-rules`),
so its requests really reach the gateway, as from a page the user opened:

- http://evil.example:PORT/ (another origin) posts `text/plain` with `fetch` (no preflight
  needed), submits a form, and opens a WebSocket that asks to turn the light on;
- http://rebind.example:GATEWAY_PORT/ is DNS rebinding: the attacker's name now points at the
  gateway, so its script is *same-origin* and only the Host check stands in the way.

The gateway's /metrics prove the requests arrived and were refused; the fake Home Assistant's
states prove nothing changed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_hass.testing import free_port
from tests.support.stack import ServiceStack, wait_for_http

from .browser import chromium, gateway_process

pytestmark = pytest.mark.timeout(120)

COMMAND = "turn on the kitchen lights"
EVIL_PAGE = """<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" target="sink" action="GATEWAY/api/ask">
<input name="x" value="COMMAND"></form><iframe name="sink"></iframe>
<script>
window.report = {};
fetch("GATEWAY/api/ask", {method: "POST", mode: "no-cors",
      headers: {"Content-Type": "text/plain"}, body: "COMMAND"})
  .then(() => report.fetch = "sent", (e) => report.fetch = "failed " + e);
fetch("GATEWAY/api/interact", {method: "POST", mode: "no-cors", body: new Blob(["RIFF"])})
  .then(() => report.interact = "sent", (e) => report.interact = "failed " + e);
const ws = new WebSocket("GATEWAY".replace("http", "ws") + "/ws");
ws.onopen = () => { report.ws = "open"; ws.send(JSON.stringify({type: "text", text: "COMMAND"})); };
ws.onclose = (e) => report.wsClosed = e.code;
document.getElementById("f").submit();
report.form = "submitted";
</script></body></html>
"""
REBIND_SCRIPT = """
const done = arguments[arguments.length - 1];
const post = await fetch("/api/ask", {method: "POST", headers: {"Content-Type": "text/plain"},
                                      body: arguments[0]});
const ws = await new Promise((resolve) => {
  const socket = new WebSocket(`ws://${location.host}/ws`);
  socket.onopen = () => { socket.send(JSON.stringify({type: "text", text: arguments[0]}));
                          resolve("open"); };
  socket.onerror = () => resolve("error");
});
done({post: post.status, ws});
"""


def _states(stack: ServiceStack) -> dict[str, Any]:
    return {s["entity_id"]: s for s in stack.hass_request("/api/states")}


def _refused(gateway: str) -> dict[str, int]:
    """Requests the gateway answered 403/421, by route, from its /metrics."""
    with urllib.request.urlopen(f"{gateway}metrics", timeout=5) as response:
        text = response.read().decode()
    counts: dict[str, int] = {}
    pattern = r'web_requests_total\{route="([^"]+)",status="(403|421)"\} (\d+)'
    for route, status, value in re.findall(pattern, text):
        counts[f"{route} {status}"] = int(float(value))
    return counts


@pytest.fixture
def evil_site(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A plain static web server for the attacker's page (another origin)."""
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    log = tmp_path / "evil.log"
    with log.open("wb") as out:
        server = subprocess.Popen(argv, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", server, log)
        yield tmp_path, port
    finally:
        server.terminate()
        server.wait(10)


def test_a_hostile_page_changes_nothing(
    stack: ServiceStack, tmp_path: Path, evil_site: tuple[Path, int]
) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    site, evil_port = evil_site
    stack.turn_off("light.kitchen")
    before = _states(stack)
    uris = ["--stt-uri", stack.stt_uri, "--agent-uri", stack.agent_uri, "--tts-uri", stack.tts_uri]
    rules = "--host-resolver-rules=MAP evil.example 127.0.0.1, MAP rebind.example 127.0.0.1"
    with gateway_process(tmp_path, *uris) as url, chromium(extra=[rules]) as browser:
        gateway = url.rstrip("/")
        page = EVIL_PAGE.replace("GATEWAY", gateway).replace("COMMAND", COMMAND)
        (site / "index.html").write_text(page, encoding="utf-8")

        browser.get(f"http://evil.example:{evil_port}/")
        WebDriverWait(browser, 20).until(
            lambda b: {"fetch", "interact", "wsClosed"} <= set(b.execute_script("return report"))
        )
        report = browser.execute_script("return report")
        assert "ws" not in report, report  # the handshake itself was refused

        gateway_port = gateway.rsplit(":", 1)[1]
        browser.get(f"http://rebind.example:{gateway_port}/")  # the gateway answers 421
        browser.set_script_timeout(20)
        rebound = browser.execute_async_script(REBIND_SCRIPT, COMMAND)
        assert rebound == {"post": 421, "ws": "error"}

        refused = _refused(url)
    assert refused.get("/api/ask 403", 0) >= 2, refused  # fetch and the form
    assert refused.get("/api/interact 403", 0) >= 1, refused
    assert refused.get("/ws 403", 0) >= 1, refused
    assert refused.get("/api/ask 421", 0) >= 1, refused
    assert _states(stack) == before  # 0 actions
