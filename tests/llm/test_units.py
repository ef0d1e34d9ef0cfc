"""Small pure pieces: memory, speech shaping, response templates, persona, prompt, tools,
settings from flags and environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wyoming_common.config import EnvArgumentParser
from wyoming_common.errors import ConfigError
from wyoming_common.hass_ws import websocket_url
from wyoming_llm.agent import is_confirmation, is_stop_phrase
from wyoming_llm.fastpath.responses import render_response
from wyoming_llm.hass.client import HomeAssistantClient
from wyoming_llm.hass.models import Area, ExposedEntity
from wyoming_llm.memory import ConversationMemory
from wyoming_llm.persona import load_persona
from wyoming_llm.prompt import system_prompt
from wyoming_llm.settings import ENV_PREFIX, add_agent_arguments, agent_config
from wyoming_llm.speech import SpeechStream, clean_for_speech, spoken_number, spoken_quantity
from wyoming_llm.tools import build_toolbox

ENTITIES = [
    ExposedEntity("light.kitchen", "Kitchen Lights", ("Kitchen",), "kitchen"),
    ExposedEntity("lock.front_door", "Front Door"),
    ExposedEntity("sensor.temp", "Temperature", (), "kitchen", "temperature"),
]
AREAS = [Area("kitchen", "Kitchen")]


def test_memory_is_bounded_and_expires() -> None:
    now = [0.0]
    memory = ConversationMemory(idle_timeout=300, max_turns=3, max_tokens=40, clock=lambda: now[0])
    conversation = memory.open(None)
    cid = conversation.conversation_id
    assert len(cid) == 32
    for n in range(5):
        memory.record(conversation, f"question {n}", f"answer {n}")
    assert [e.user for e in memory.open(cid).exchanges] == [
        "question 2",
        "question 3",
        "question 4",
    ]
    memory.record(conversation, "x" * 120, "y")  # 32 tokens: only one more turn fits in 40
    assert [e.user for e in memory.open(cid).exchanges] == ["question 4", "x" * 120]
    now[0] += 299
    assert memory.open(cid).exchanges
    now[0] += 300
    assert memory.open(cid).exchanges == [] and len(memory) == 1


def test_stop_and_confirm_phrases() -> None:
    assert is_stop_phrase("Stop!") and is_stop_phrase("never mind") and is_stop_phrase("Cancel.")
    assert not is_stop_phrase("stop the music in the kitchen")
    assert is_confirmation("Confirm") and is_confirmation("yes, I confirm")
    assert not is_confirmation("don't confirm") and not is_confirmation("yes")


def test_speech_for_the_ear() -> None:
    assert clean_for_speech("**Sure!** Here:\n- one\n- two 🎉") == "Sure! Here: one two"
    assert spoken_number(21.0) == "21" and spoken_number("21.50") == "21.5"
    assert spoken_quantity("22.1", "°C") == "22.1 degrees"
    assert spoken_quantity(62, "%") == "62 percent"
    stream = SpeechStream(max_sentences=2)
    out = [
        stream.feed(piece) for piece in ["The ", "sky is ", "blue. It ", "is **big**. And more. "]
    ]
    out.append(stream.finish())
    assert "".join(out) == "The sky is blue. It is big." and stream.full


def test_response_templates() -> None:
    variables = {"slots": {"name": "kitchen light", "area": "Kitchen", "brightness": 50.0}}
    assert render_response("Turned on {{ slots.name | capitalize }}", variables) == (
        "Turned on Kitchen light"
    )
    assert render_response("Set to {{ slots.brightness }}%", variables) == "Set to 50%"
    assert render_response("{{ domain.replace('_', ' ') }}", {"domain": "media_player"}) == (
        "media player"
    )
    assert render_response("{% if x %}y{% endif %}", variables) is None
    assert render_response("{{ slots.missing }}", variables) is None


def test_persona_file(tmp_path: Path) -> None:
    path = tmp_path / "persona.yaml"
    path.write_text("name: Jarvis\nstyle: dry and witty\ninstructions: Call the user sir.\n")
    persona = load_persona(path)
    prompt = system_prompt(persona)
    assert "You are Jarvis" in prompt and "dry and witty" in prompt and "sir" in prompt
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="--persona"):
        load_persona(path)
    path.write_text("voice: deep\n")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_persona(path)


def test_prompt_prefix_is_stable_and_has_no_states() -> None:
    toolbox = build_toolbox(ENTITIES, AREAS)
    first = system_prompt(load_default(), entities=ENTITIES, areas=AREAS, toolbox=toolbox)
    second = system_prompt(
        load_default(), entities=list(reversed(ENTITIES)), areas=AREAS, toolbox=toolbox
    )
    assert first == second
    assert "- light.kitchen: Kitchen Lights (also Kitchen), in Kitchen" in first
    assert " on" not in first.split("Devices")[1].replace("one", "")


def load_default():  # type: ignore[no-untyped-def]
    from wyoming_llm.persona import DEFAULT_PERSONA

    return DEFAULT_PERSONA


def test_tool_schemas() -> None:
    toolbox = build_toolbox(ENTITIES, AREAS)
    assert toolbox.names == ("turn_on", "turn_off", "toggle", "set_brightness", "set_color",
                             "get_state", "list_area")  # fmt: skip
    turn_on = toolbox.openai_tools()[0]["function"]["parameters"]
    assert turn_on["properties"]["entity_id"]["enum"] == ["light.kitchen", "lock.front_door"]
    schema = json.dumps(toolbox.call_schema())
    assert '"enum": [0, 1, 2,' in schema  # ranges spelled out for the grammar
    assert "sensor.temp" not in json.dumps(toolbox.openai_tools()[:3])


def test_settings_from_flags_and_environment(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("secret-token\n")
    environ = {
        "WYOMING_LLM_HASS_URL": "http://ha.local:8123",
        "WYOMING_LLM_HASS_TOKEN_FILE": str(token_file),
        "WYOMING_LLM_ALLOW_DOMAINS": "light,cover",
        "WYOMING_LLM_SENSITIVE_ACTIONS": "confirm",
    }
    parser = EnvArgumentParser(prog="t", env_prefix=ENV_PREFIX, environ=environ)
    add_agent_arguments(parser)
    config = agent_config(parser.parse_args(["--allow-domains", "light"]))
    assert config.hass is not None and config.hass.token == "secret-token"
    assert "secret-token" not in repr(config)
    assert config.policy.allowed_domains == frozenset({"light"})  # the flag wins
    assert config.policy.sensitive.value == "confirm"
    assert "[env: WYOMING_LLM_HASS_TOKEN_FILE]" in " ".join(parser.format_help().split())


def test_home_assistant_urls() -> None:
    assert websocket_url("http://ha.local:8123/") == "ws://ha.local:8123/api/websocket"
    assert websocket_url("https://ha.example") == "wss://ha.example/api/websocket"
    assert websocket_url("ws://h:1/api/websocket") == "ws://h:1/api/websocket"
    with pytest.raises(ValueError):
        websocket_url("ha.local:8123")
    assert "tok" not in repr(HomeAssistantClient("http://h:1", "tok-secret"))


def test_importing_the_package_loads_no_engine() -> None:
    code = (
        "import sys, wyoming_llm, wyoming_llm.__main__\n"
        "import wyoming_voice.ask, wyoming_voice.bench.llm\n"
        "heavy = {'llama_cpp', 'hassil', 'home_assistant_intents', 'jinja2', 'yaml'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
