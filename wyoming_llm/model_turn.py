"""One turn through the language model.

Open answers stream to the speaker as they are generated. When the words are about the home,
the model may call the intent tools the words support; each call goes through the same
executor as the fast path (grounding guard, policy, Home Assistant, read-back), and the
results are spoken from templates: no second generation. A call that named something the home
does not have is fed back once so the model can correct it. Tool syntax is never spoken."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from wyoming_common.speech_text import SpeechStream, clean_for_speech

from .claims import asks_about_weather, commands, honest_answer, off_script
from .engines.base import ChatEngine, ChatMessage, ChatRequest, TextDelta, Toolbox, ToolCall
from .intents.calls import CallResult, IntentCall, Pending, Status
from .intents.executor import IntentExecutor, merge
from .intents.utterance import Utterance
from .turn import TurnContext

_LOGGER = logging.getLogger(__name__)

SpeechSink = Callable[[str], Awaitable[None]]
NO_ANSWER = "Sorry, I don't have an answer to that."
MAX_CALLS = 4
_MORE_THAN_ONE = frozenset({"and", "then", "also", "plus"})


@dataclass(frozen=True)
class GenerationOptions:
    """Sampling and budget of the model's part of a turn."""

    max_tokens: int = 96
    temperature: float = 0.3
    max_tool_rounds: int = 1  # extra rounds after a call named something unknown
    max_sentences: int = 2
    seed: int | None = None


@dataclass(frozen=True)
class ModelOutcome:
    """What was said, whether it counts as handled, and what waits for "confirm"."""

    text: str
    handled: bool = True
    pending: tuple[Pending, ...] = ()
    targets: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class ModelTurn:
    """Everything one model turn needs."""

    engine: ChatEngine
    executor: IntentExecutor
    options: GenerationOptions
    prompt_tools: Toolbox | None  # what the prompt shows (stable)
    turn_tools: Toolbox | None  # what this turn may call (None: answer in words)
    said: Utterance
    previous: Collection[str] = ()


async def _generate(
    turn: ModelTurn, messages: list[ChatMessage], speak: SpeechSink | None
) -> tuple[str, list[ToolCall], bool]:
    """One generation: the text (what was spoken, when streamed to speak), the allowed calls,
    and whether a streamed answer went off script (see claims.off_script) and was cut there."""
    tools = turn.turn_tools if turn.turn_tools is not None and turn.turn_tools.specs else None
    many = bool(set(turn.said.tokens) & _MORE_THAN_ONE) or "," in turn.said.text
    request = ChatRequest(
        tuple(messages),
        toolbox=tools,
        prompt_tools=turn.prompt_tools,
        tool_choice="none" if tools is None else "auto",
        max_tokens=turn.options.max_tokens,
        temperature=turn.options.temperature,
        seed=turn.options.seed,
        max_calls=MAX_CALLS if many else 1,
    )
    stream = SpeechStream(turn.options.max_sentences)
    calls: list[ToolCall] = []
    spoken: list[str] = []
    derailed = False

    async def say(chunk: str) -> None:
        nonlocal derailed
        if not chunk or speak is None or derailed:
            return
        # Checked before each piece is spoken: what went before it stays said.
        derailed = off_script(stream.text)
        if not derailed:
            spoken.append(chunk)
            await speak(chunk)

    async with contextlib.aclosing(turn.engine.chat(request)) as pieces:
        async for piece in pieces:
            if isinstance(piece, TextDelta):
                await say(stream.feed(piece.text))
                if stream.full or derailed:
                    break  # enough for the ear: closing the stream stops generation
            elif request.tools_allowed and tools is not None and piece.name in tools.names:
                if len(calls) < MAX_CALLS:
                    calls.append(piece)
            else:
                _LOGGER.info("Dropping a tool call the words do not allow: %s", piece.name)
    await say(stream.finish())
    if derailed:
        _LOGGER.info("Answer cut off script: %r", stream.text)
    return ("".join(spoken).strip() if speak is not None else stream.text), calls, derailed


async def _cut_short(spoken: str, speak: SpeechSink, calls: tuple[ToolCall, ...]) -> ModelOutcome:
    """An answer cut off script: what was already said, then that there is no answer."""
    join = "" if not spoken else " " if spoken.endswith((".", "!", "?")) else ". "
    await speak(join + NO_ANSWER)
    return ModelOutcome(f"{spoken}{join}{NO_ANSWER}", False, tool_calls=calls)


async def run_model_turn(
    turn: ModelTurn, messages: list[ChatMessage], context: TurnContext, speak: SpeechSink
) -> ModelOutcome:
    """Generate, carry out the calls, and speak what really happened."""
    home_turn = turn.turn_tools is not None and bool(turn.turn_tools.specs)
    # Text about the home or the weather is held until it is checked (it may claim an action
    # or a fact only Home Assistant knows, or say a command back as if done); open answers
    # stream at once.
    held = home_turn or asks_about_weather(turn.said) or commands(turn.said)
    results: list[CallResult] = []
    all_calls: list[ToolCall] = []
    text = ""
    for round_index in range(turn.options.max_tool_rounds + 1):
        last = round_index == turn.options.max_tool_rounds
        text, calls, derailed = await _generate(turn, messages, None if held else speak)
        if derailed:
            return await _cut_short(text, speak, tuple(all_calls))
        if not calls:
            break
        all_calls.extend(calls)
        _LOGGER.info("Model calls: %s", [(c.name, c.arguments) for c in calls])
        outcomes = [
            await turn.executor.run(
                IntentCall(call.name, call.arguments),
                context,
                said=turn.said,
                previous=turn.previous,
            )
            for call in calls
        ]
        results.extend(o for o in outcomes if o.status is not Status.NOT_FOUND or last)
        unknown = [o for o in outcomes if o.status is Status.NOT_FOUND]
        if not unknown or last:
            break
        messages.append(ChatMessage("assistant", "", tool_calls=tuple(calls)))
        for call, outcome in zip(calls, outcomes, strict=True):
            messages.append(ChatMessage("tool", outcome.speech, tool_call_id=call.call_id))
        results = [o for o in results if o.status is not Status.NOT_FOUND]
    if results:
        merged = merge(results)
        if merged.handled:
            await speak(merged.speech)
        return ModelOutcome(
            merged.speech, merged.handled, merged.pending, merged.targets, tuple(all_calls)
        )
    answer = clean_for_speech(text)
    if not answer:
        return ModelOutcome(NO_ANSWER, False, tool_calls=tuple(all_calls))
    honest = honest_answer(turn.said, answer, home_turn=home_turn)
    if held and honest == answer:
        await speak(honest)
    return ModelOutcome(honest, honest == answer, tool_calls=tuple(all_calls))
