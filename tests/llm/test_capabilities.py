""" "What can you do?" is answered from the home and the action policy, never by the model
reading its instructions back; nothing is called in Home Assistant."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from wyoming_llm.capabilities import asks_capabilities

from .support import agent_server, config_for, running_runtime, say


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("What can you do?", True),
        ("what can I ask you", True),
        ("What else can you help me with?", True),
        ("Help!", True),
        ("what can you do about the kitchen lights", False),
        ("can you help me turn on the light", False),
        ("turn on the lights", False),
    ],
)
def test_asks_capabilities(text: str, asks: bool) -> None:
    assert asks_capabilities(text) is asks


async def test_the_answer_names_what_this_home_allows(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    default = config_for(tmp_path, hass_url=hass.url)
    async with running_runtime(default) as runtime, agent_server(runtime) as server:
        said = await say(server.uri, "What can you do?")
    assert said.handled and said.text == said.streamed
    assert said.text.startswith("I can control your lights")
    assert "set timers" in said.text
    assert "locks" not in said.text  # sensitive: denied by default
    confirm = config_for(tmp_path, "--sensitive-actions", "confirm", hass_url=hass.url)
    async with running_runtime(confirm) as runtime, agent_server(runtime) as server:
        said = await say(server.uri, "what can you do")
    assert "locks" in said.text
    only_lights = config_for(tmp_path, "--allow-domains", "light", hass_url=hass.url)
    async with running_runtime(only_lights) as runtime, agent_server(runtime) as server:
        said = await say(server.uri, "what can you do")
    assert said.text.startswith("I can control your lights, tell you")
    assert hass.service_calls == []


async def test_without_home_assistant_it_says_so(tmp_path: Path) -> None:
    async with running_runtime(config_for(tmp_path)) as runtime, agent_server(runtime) as server:
        said = await say(server.uri, "what can you do")
    assert said.handled
    assert said.text == "I'm not connected to Home Assistant, so I can only set timers."
