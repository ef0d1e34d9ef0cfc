"""Small pure pieces: memory, response templates, persona, prompt, tools, settings from flags
and environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wyoming_common.config import EnvArgumentParser
from wyoming_common.errors import ConfigError
from wyoming_common.hass import Area, Floor
from wyoming_common.options import add_flags, read_settings
from wyoming_llm.claims import NO_WEATHER, NOT_DONE, honest_answer
from wyoming_llm.clauses import split_clauses
from wyoming_llm.hass.models import ExposedEntity
from wyoming_llm.intents.tools import prompt_toolbox, turn_toolbox
from wyoming_llm.intents.utterance import Utterance
from wyoming_llm.memory import ConversationMemory
from wyoming_llm.persona import DEFAULT_PERSONA, load_persona
from wyoming_llm.phrases import is_confirmation, is_stop_phrase
from wyoming_llm.prompt import system_prompt
from wyoming_llm.settings import ENV_PREFIX, AgentFlags, agent_config

from .homes import StaticHome

HOME = StaticHome(
    [
        ExposedEntity("light.kitchen", "Kitchen Lights", ("Kitchen",), "kitchen"),
        ExposedEntity("lock.front_door", "Front Door"),
        ExposedEntity("sensor.temp", "Temperature", (), "kitchen", "temperature"),
        ExposedEntity("media_player.tv", "TV", (), "kitchen", "tv"),
    ],
    [Area("kitchen", "Kitchen", "ground")],
    [Floor("ground", "Ground Floor")],
)


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


def test_persona_file(tmp_path: Path) -> None:
    path = tmp_path / "persona.yaml"
    path.write_text("name: Jarvis\nstyle: dry and witty\ninstructions: Call the user sir.\n")
    persona = load_persona(path)
    prompt = system_prompt(persona, None)
    assert "You are Jarvis" in prompt and "dry and witty" in prompt and "sir" in prompt
    assert "not connected to Home Assistant" in prompt
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="--persona"):
        load_persona(path)
    path.write_text("voice: deep\n")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_persona(path)


def test_prompt_prefix_is_stable_and_has_no_states() -> None:
    first = system_prompt(DEFAULT_PERSONA, HOME)
    reversed_home = StaticHome(
        list(reversed(HOME.entities.values())), HOME.areas.values(), HOME.floors.values()
    )
    assert first == system_prompt(DEFAULT_PERSONA, reversed_home)
    assert "- Kitchen Lights, Kitchen: light, Kitchen" in first
    assert "- Kitchen, Ground Floor" in first
    assert " on" not in first.split("Devices")[1].replace("one", "")


def test_tools_are_home_assistants_intents() -> None:
    tools = prompt_toolbox(HOME)
    assert {"HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState", "HassMediaPause"} <= set(
        tools.names
    )
    assert "HassVacuumStart" not in tools.names  # no vacuum exposed (as HA's LLM API does)
    assert "HassGetCurrentTime" not in tools.names
    turn_on = tools.get("HassTurnOn")
    assert turn_on is not None
    assert turn_on.parameters["properties"]["name"]["type"] == "string"  # stable prompt
    # This turn: only intents whose verb was said, names and numbers the words support.
    said = Utterance.of("set the kitchen lights to 40 percent")
    allowed = turn_toolbox(said, HOME, tools)
    assert allowed.names == ("HassLightSet",)
    light_set = allowed.get("HassLightSet")
    assert light_set is not None and light_set.strict_parameters is not None
    strict = light_set.strict_parameters["properties"]
    assert strict["name"] == {"enum": ["Kitchen", "Kitchen Lights"]}
    assert strict["brightness"] == {"enum": [40]}
    assert strict["area"] == {"enum": ["Kitchen"]}
    assert json.dumps(allowed.call_schema()).count('"const": "HassLightSet"') == 1
    assert turn_toolbox(Utterance.of("tell me a joke"), HOME, tools).names == ()
    paused = turn_toolbox(Utterance.of("pause the music"), HOME, tools).names
    assert "HassMediaPause" in paused and "HassTurnOff" not in paused


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
    add_flags(parser, AgentFlags)
    config = agent_config(
        read_settings(AgentFlags, parser.parse_args(["--allow-domains", "light"]))
    )
    assert config.hass is not None and config.hass.token == "secret-token"
    assert "secret-token" not in repr(config)
    assert config.policy.allowed_domains == frozenset({"light"})  # the flag wins
    assert config.policy.sensitive.value == "confirm"
    assert "[env: WYOMING_LLM_HASS_TOKEN_FILE]" in " ".join(parser.format_help().split())


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


def test_several_requests_are_split_with_their_verbs() -> None:
    assert split_clauses("turn off the TV and turn on the floor lamp") == [
        "turn off the TV",
        "turn on the floor lamp",
    ]
    assert split_clauses("turn on the porch light and the dock lights") == [
        "turn on the porch light",
        "turn on the dock lights",
    ]
    assert split_clauses("close the blinds, then lock the door") == [
        "close the blinds",
        "lock the door",
    ]
    assert split_clauses("turn on the kitchen lights") == []
    assert split_clauses("rock and roll") == []  # no verb to start from


def test_model_claims_it_cannot_know_are_replaced() -> None:
    weather = Utterance.of("what's the weather in New York")
    assert honest_answer(weather, "It is sunny and 72 degrees.", home_turn=False) == NO_WEATHER
    light = Utterance.of("the kitchen light please")
    assert honest_answer(light, "I turned on the kitchen light.", home_turn=True) == NOT_DONE
    assert honest_answer(light, "Which light do you mean?", home_turn=True).endswith("?")
    joke = Utterance.of("tell me a joke")
    assert honest_answer(joke, "Why did the tomato blush?", home_turn=False).startswith("Why")
    vacuum = Utterance.of("start the vacuum")
    written_call = '{"name" "HassStartTimer" "arguments" {"minutes" 10 "name" "Vacuum"}}'
    assert honest_answer(vacuum, written_call, home_turn=True) == NOT_DONE
    # The request said back as if done (Qwen 0.5B, `bench agent`), though no tool ran.
    assert honest_answer(vacuum, "Start the vacuum.", home_turn=True) == NOT_DONE
    said_back = "Starts the vacuum on the device the user is speaking to."
    assert honest_answer(vacuum, said_back, home_turn=True) == NOT_DONE
    assert honest_answer(vacuum, "Start the vacuum?", home_turn=True).endswith("?")
    assert honest_answer(vacuum, "The vacuum has no start button.", home_turn=True).startswith(
        "The"
    )
    generator = Utterance.of("start the generator")  # no device matched: no tools on offer
    assert honest_answer(generator, "start the generator", home_turn=False) == NOT_DONE
    morning = Utterance.of("good morning")
    assert honest_answer(morning, "Good morning!", home_turn=False) == "Good morning!"
    assert honest_answer(joke, '{"name": "HassTurnOn"}', home_turn=False) == NOT_DONE
