"""Answers that are no answers (tool names, tool syntax, the rules read back) are never spoken.

The engine here replays a fixed answer word by word: what a model wrote in a real run (Qwen2.5
1.5B in `bench pipeline --real`), so the guard is tested on exactly that text."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

import pytest

from wyoming_llm.claims import NOT_DONE, honest_answer, off_script
from wyoming_llm.engines.base import (
    ChatMessage,
    ChatRequest,
    GenerationStats,
    TextDelta,
    Toolbox,
    ToolCall,
)
from wyoming_llm.intents.utterance import Utterance
from wyoming_llm.model_turn import NO_ANSWER, GenerationOptions, ModelTurn, run_model_turn
from wyoming_llm.turn import TurnContext

MOON = (
    "To find out how far away the moon is, you can call the HassClimateSetTemperature "
    "function with the temperature parameter set to 0 degrees Celsius."
)
RULES_READ_BACK = (
    "You can control the home only through the tools, and only when the user asks for it."
)


class ReplayEngine:
    """A ChatEngine that writes one given answer, a word per delta."""

    name = "replay"
    last_stats: GenerationStats | None = None

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.deltas_sent = 0

    async def load(self) -> None:
        """Nothing to load."""

    async def chat(self, request: ChatRequest) -> AsyncGenerator[TextDelta | ToolCall, None]:
        for index, word in enumerate(self.answer.split(" ")):
            self.deltas_sent += 1
            yield TextDelta(word if index == 0 else " " + word)

    async def prefill(self, messages: Sequence[ChatMessage], tools: Toolbox | None) -> None:
        """No prompt cache."""

    async def close(self) -> None:
        """Nothing to release."""


async def answer(text: str, said: str) -> tuple[str, list[str], int]:
    """(the turn's final text, the pieces spoken as they streamed, deltas the engine sent)."""
    engine = ReplayEngine(text)
    spoken: list[str] = []

    async def speak(chunk: str) -> None:
        spoken.append(chunk)

    turn = ModelTurn(
        engine=engine,
        executor=None,  # type: ignore[arg-type]  # no tools on offer: never called
        options=GenerationOptions(max_sentences=3),
        prompt_tools=None,
        turn_tools=None,
        said=Utterance.of(said),
    )
    context = TurnContext(said, "conversation", "en")
    outcome = await run_model_turn(turn, [ChatMessage("user", said)], context, speak)
    return outcome.text, spoken, engine.deltas_sent


@pytest.mark.parametrize(
    ("text", "off"),
    [
        (MOON, True),
        (RULES_READ_BACK, True),
        ('{"name": "HassTurnOn", "arguments": {}}', True),
        ("The moon is about 384,000 kilometres away.", False),
        ("I can turn lights on and off and set timers for you.", False),
        ("Only when you ask, and only for the lights.", False),
    ],
)
def test_off_script(text: str, off: bool) -> None:
    assert off_script(text) is off


def test_a_held_answer_that_names_a_tool_is_replaced() -> None:
    assert honest_answer(Utterance.of("how far is the moon"), MOON, home_turn=False) == NOT_DONE


async def test_a_streamed_answer_stops_before_a_tool_name() -> None:
    text, spoken, sent = await answer(MOON, "how far away is the moon")
    said = "".join(spoken)
    assert "Hass" not in said and "function" not in said
    assert said.startswith("To find out how far away the moon is, you can call the.")
    assert said.endswith(NO_ANSWER) and text == said
    assert sent < len(MOON.split())  # generation stopped there


async def test_a_streamed_answer_stops_when_it_reads_the_rules_back() -> None:
    text, spoken, _sent = await answer(RULES_READ_BACK, "what can you do")
    said = "".join(spoken)
    assert "only through the tools" not in said
    assert said.endswith(NO_ANSWER) and text == said


async def test_a_good_answer_streams_whole() -> None:
    good = "The moon is about 384,000 kilometres away. That is far."
    text, spoken, _sent = await answer(good, "how far away is the moon")
    assert "".join(spoken) == good == text


async def test_a_command_said_back_as_if_done_is_never_spoken() -> None:
    """No device matched "start the generator" (nothing exposed): no tools were on offer, and
    Qwen 0.5B wrote the command back (`bench agent`). A command's answer is held and checked."""
    text, spoken, _sent = await answer("Starts the generator.", "start the generator")
    assert "generator" not in "".join(spoken)
    assert text == NOT_DONE
