"""One turn through the language model: stream the answer, run tool calls for a few rounds,
and speak verified action results rather than the model's own claims."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .actions.executor import ActionRequest
from .engines.base import ChatEngine, ChatMessage, ChatRequest, TextDelta
from .speech import SpeechStream, clean_for_speech
from .tool_runner import ToolOutcome, ToolRunner
from .tools import Toolbox, ToolCall
from .turn import TurnContext

_LOGGER = logging.getLogger(__name__)

SpeechSink = Callable[[str], Awaitable[None]]
NO_ANSWER = "Sorry, I don't have an answer to that."
MAX_CALLS_PER_ROUND = 3


@dataclass(frozen=True)
class GenerationOptions:
    """Sampling and budget of the model's part of a turn."""

    max_tokens: int = 160
    temperature: float = 0.3
    max_tool_rounds: int = 3
    max_sentences: int = 2
    seed: int | None = None


@dataclass(frozen=True)
class LlmOutcome:
    """What was said, and actions waiting for a spoken confirmation."""

    text: str
    pending: tuple[ActionRequest, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()


async def run_llm_turn(
    engine: ChatEngine,
    messages: list[ChatMessage],
    turn: TurnContext,
    speak: SpeechSink,
    *,
    toolbox: Toolbox | None,
    runner: ToolRunner | None,
    options: GenerationOptions,
) -> LlmOutcome:
    """Generate until the model answers in words or an action has been carried out."""
    stream = SpeechStream(options.max_sentences)
    all_calls: list[ToolCall] = []
    answers: list[ToolOutcome] = []  # query results, spoken if the model says nothing
    tools_usable = toolbox is not None and runner is not None and bool(toolbox.specs)
    for round_index in range(options.max_tool_rounds + 1):
        last_round = round_index == options.max_tool_rounds
        request = ChatRequest(
            tuple(messages),
            toolbox=toolbox if tools_usable else None,
            tool_choice="none" if last_round or not tools_usable else "auto",
            max_tokens=options.max_tokens,
            temperature=options.temperature,
            seed=options.seed,
        )
        calls: list[ToolCall] = []
        async with contextlib.aclosing(engine.chat(request)) as pieces:
            async for piece in pieces:
                if isinstance(piece, TextDelta):
                    chunk = stream.feed(piece.text)
                    if chunk:
                        await speak(chunk)
                    if stream.full:
                        break  # enough for the ear: closing the stream stops generation
                elif len(calls) < MAX_CALLS_PER_ROUND:
                    calls.append(piece)
        rest = stream.finish()
        if rest:
            await speak(rest)
        if not calls or runner is None:
            break
        all_calls.extend(calls)
        outcomes = [await runner.run(call, turn) for call in calls]
        if any(outcome.action is not None for outcome in outcomes):
            # What happened is what Home Assistant reported, not what the model expects.
            return await _finish_with_results(stream, outcomes, speak, all_calls)
        messages.append(ChatMessage("assistant", "", tool_calls=tuple(calls)))
        for call, outcome in zip(calls, outcomes, strict=True):
            messages.append(ChatMessage("tool", outcome.text, tool_call_id=call.call_id))
        answers = outcomes
    if not stream.text and answers:
        return await _finish_with_results(stream, answers, speak, all_calls)
    if not stream.text:
        await speak(NO_ANSWER)
        return LlmOutcome(NO_ANSWER, tool_calls=tuple(all_calls))
    return LlmOutcome(stream.text, tool_calls=tuple(all_calls))


async def _finish_with_results(
    stream: SpeechStream, outcomes: list[ToolOutcome], speak: SpeechSink, calls: list[ToolCall]
) -> LlmOutcome:
    sentences = [clean_for_speech(o.text).rstrip(".") + "." for o in outcomes if o.text]
    text = " ".join(sentences)
    chunk = (" " + text) if stream.text else text
    await speak(chunk)
    pending = tuple(p for o in outcomes if (p := o.pending) is not None)
    spoken = f"{stream.text} {text}".strip()
    return LlmOutcome(spoken, pending=pending, tool_calls=tuple(calls))
