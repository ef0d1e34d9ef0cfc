"""The conversation agent: stop phrases, confirmations, HA's own sentences (the fast path),
then the model. Every action goes through one IntentExecutor."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

from wyoming_common.errors import EngineError
from wyoming_common.info import wyoming_language

from .capabilities import asks_capabilities, capability_answer
from .clauses import split_clauses
from .engines.base import ChatEngine, ChatMessage, Toolbox
from .fastpath.path import FastPath, call_for
from .hass.home import Home
from .intents.calls import CallResult, Status
from .intents.catalog import Kind, intent_spec
from .intents.executor import NOT_CONNECTED, UNREACHABLE, IntentExecutor, merge
from .intents.policy import ActionPolicy
from .intents.tools import prompt_toolbox, turn_toolbox
from .intents.utterance import Utterance
from .memory import Conversation, ConversationMemory
from .model_turn import GenerationOptions, ModelOutcome, ModelTurn, SpeechSink, run_model_turn
from .persona import DEFAULT_PERSONA, Persona
from .phrases import asks_something, is_confirmation, is_stop_phrase, looks_like_command
from .prompt import build_messages, system_prompt
from .turn import TurnContext, TurnRequest

_LOGGER = logging.getLogger(__name__)

NOTHING_TO_CONFIRM = "There is nothing waiting for confirmation."
NOT_UNDERSTOOD = "Sorry, I didn't understand that."
NO_MODEL_TEXT = "Sorry, I can only help with your home; I have no language model for that."
TOO_SLOW_TEXT = "Sorry, that took too long."
ENGINE_DOWN_TEXT = "Sorry, my language model is not available right now."


@dataclass(frozen=True)
class AgentSettings:
    """Behaviour of the agent as a whole."""

    language: str = "en"
    generation: GenerationOptions = field(default_factory=GenerationOptions)
    turn_timeout: float = 60.0
    hass_wait: float = 1.5  # how long a turn waits for Home Assistant to come back


@dataclass(frozen=True)
class AgentReply:
    """The whole answer to one turn."""

    conversation_id: str
    text: str
    handled: bool = True
    source: str = "llm"  # stop, confirm, fast-path, llm, no-model, no-hass
    expects_answer: bool = False  # the reply asks something (a question, "say confirm …")

    @property
    def context(self) -> dict[str, object]:
        """`handled`/`not-handled` context: the conversation id, and HA's
        `continue_conversation` (our satellite then listens again without the wake word)."""
        return {
            "conversation_id": self.conversation_id,
            "continue_conversation": self.expects_answer,
        }


class ConversationAgent:
    """Answers turns; each collaborator is optional (no model, no Home Assistant)."""

    def __init__(
        self,
        settings: AgentSettings,
        memory: ConversationMemory,
        executor: IntentExecutor,
        *,
        persona: Persona = DEFAULT_PERSONA,
        home: Home | None = None,
        fast_path: FastPath | None = None,
        engine: ChatEngine | None = None,
    ) -> None:
        self.settings = settings
        self.memory = memory
        self.executor = executor
        self.persona = persona
        self.home = home
        self.fast_path = fast_path
        self.engine = engine
        self._prefix: tuple[int, Toolbox | None, str] | None = None

    @property
    def can_control_home(self) -> bool:
        """True while Home Assistant is connected."""
        return self.home is not None and self.home.available

    def prompt_prefix(self) -> tuple[Toolbox | None, str]:
        """Tools and system prompt for the current home (rebuilt when names change)."""
        home = self.home
        generation = -1 if home is None or not home.entities else home.generation
        if self._prefix is None or self._prefix[0] != generation:
            tools = prompt_toolbox(home) if home is not None and home.entities else None
            prompt = system_prompt(self.persona, home if tools is not None else None)
            self._prefix = (generation, tools, prompt)
        return self._prefix[1], self._prefix[2]

    async def warm_up(self) -> None:
        """Evaluate the stable prompt prefix so the first turn is fast."""
        if self.engine is not None:
            tools, prompt = self.prompt_prefix()
            await self.engine.prefill([ChatMessage("system", prompt)], tools)

    def _context(self, request: TurnRequest, conversation: Conversation) -> TurnContext:
        area_id = None
        if self.home is not None:
            area_id = self.home.area_of_device(request.satellite_id) or self.home.area_of_device(
                request.device_id
            )
        return TurnContext(
            text=request.text.strip(),
            conversation_id=conversation.conversation_id,
            language=wyoming_language(request.language or self.settings.language),
            device_id=request.device_id,
            satellite_id=request.satellite_id,
            area_id=area_id,
        )

    async def converse(self, request: TurnRequest, speak: SpeechSink) -> AgentReply:
        """Answer one turn; `speak` receives the answer in pieces as soon as they exist."""
        conversation = self.memory.open(request.conversation_id)
        turn = self._context(request, conversation)
        cid = conversation.conversation_id
        _LOGGER.debug("Turn %s: %r", cid, turn.text)
        pending, conversation.pending = conversation.pending, ()
        if is_stop_phrase(turn.text) or not turn.text:
            self.memory.touch(conversation)
            return AgentReply(cid, "", source="stop")
        if is_confirmation(turn.text):
            result = (
                await self.executor.confirm(pending, turn)
                if pending
                else CallResult(Status.NOT_FOUND, NOTHING_TO_CONFIRM)
            )
            return await self._finish(conversation, turn, result, speak, "confirm")
        if asks_capabilities(turn.text):
            result = CallResult(Status.ANSWERED, self._capabilities())
            return await self._finish(conversation, turn, result, speak, "capabilities")
        said = Utterance.of(turn.text, turn.language)
        if (listed := await self.executor.read_asked_list(said)) is not None:
            return await self._finish(conversation, turn, listed, speak, "todo-items")
        fast = await self._fast_path(turn, conversation)
        if fast is not None and (fast.status is not Status.NOT_FOUND or self.engine is None):
            return await self._finish(conversation, turn, fast, speak, "fast-path")
        if (plain := await self.executor.without_templates(said, turn)) is not None:
            return await self._finish(conversation, turn, plain, speak, "no-template")
        return await self._without_templates(conversation, turn, said, speak)

    def _capabilities(self) -> str:
        ctx = self.executor.ctx
        home = self.home if self.can_control_home else None
        return capability_answer(
            home.entities.values() if home is not None else None,
            ctx.policy if ctx is not None else ActionPolicy(),
            has_model=self.engine is not None,
        )

    async def _fast_path(self, turn: TurnContext, conversation: Conversation) -> CallResult | None:
        """HA's sentences: for the whole text, else for each of several requests in it (all
        of them must be recognised); None when the templates do not cover it."""
        if self.fast_path is None:
            return None
        clauses = [turn.text]
        matches = [await self.fast_path.recognise(turn)]
        if matches[0] is None:
            clauses = split_clauses(turn.text)
            parts = [replace(turn, text=clause) for clause in clauses]
            matches = [await self.fast_path.recognise(part) for part in parts]
        found = [(m, intent_spec(m.intent)) for m in matches if m is not None]
        if not clauses or len(found) != len(clauses) or any(s is None for _m, s in found):
            return None
        if any(s is not None and s.kind is not Kind.LOCAL for _m, s in found):
            await self._wait_for_home()
        results = []
        for clause, (match, _spec) in zip(clauses, found, strict=True):
            result = await self.executor.run(
                call_for(match, clause),
                replace(turn, text=clause),
                previous=conversation.last_targets,
            )
            results.append(self.fast_path.in_language(match, result, turn.language))
        return merge(results)

    async def _without_templates(
        self, conversation: Conversation, turn: TurnContext, said: Utterance, speak: SpeechSink
    ) -> AgentReply:
        command = looks_like_command(said)
        if command and self.home is None:
            result = CallResult(Status.UNAVAILABLE, NOT_CONNECTED)
            return await self._finish(conversation, turn, result, speak, "no-hass")
        if command and not await self._wait_for_home():
            result = CallResult(Status.UNAVAILABLE, UNREACHABLE)
            return await self._finish(conversation, turn, result, speak, "no-hass")
        if self.engine is None:
            text = NOT_UNDERSTOOD if command or self.home is not None else NO_MODEL_TEXT
            result = CallResult(Status.NOT_FOUND, text)
            return await self._finish(conversation, turn, result, speak, "no-model")
        return await self._ask_model(conversation, turn, said, speak)

    async def _wait_for_home(self) -> bool:
        if (home := self.home) is None:
            return False
        return home.available or await home.ensure_available(self.settings.hass_wait)

    async def _finish(
        self,
        conversation: Conversation,
        turn: TurnContext,
        result: CallResult,
        speak: SpeechSink,
        source: str,
    ) -> AgentReply:
        if result.speech and result.handled:
            await speak(result.speech)  # a refusal travels only in `not-handled`
        conversation.pending = result.pending
        if result.targets:
            conversation.last_targets = result.targets
        self.memory.record(conversation, turn.text, result.speech)
        asks = result.status in (Status.CONFIRM, Status.UNSURE) or asks_something(result.speech)
        return AgentReply(conversation.conversation_id, result.speech, result.handled, source, asks)

    async def _ask_model(
        self, conversation: Conversation, turn: TurnContext, said: Utterance, speak: SpeechSink
    ) -> AgentReply:
        spoken: list[str] = []

        async def tracked(chunk: str) -> None:
            spoken.append(chunk)
            await speak(chunk)

        # Several requests the templates did not all cover: one model turn for each part
        # (a small model makes one call per turn far more reliably than several).
        parts = split_clauses(turn.text) if self.can_control_home else []
        texts = parts or [turn.text]
        outcomes: list[ModelOutcome] = []
        limit = self.settings.turn_timeout
        try:
            async with asyncio.timeout(limit):
                for text in texts:
                    part = replace(turn, text=text)
                    outcomes.append(await self._part(conversation, part, len(texts) > 1, tracked))
        except TimeoutError:
            _LOGGER.warning("Turn %s ran past %.0f s", turn.conversation_id, limit)
            return await self._apologise(conversation, spoken, TOO_SLOW_TEXT, tracked)
        except EngineError as err:
            _LOGGER.error("Chat engine failed: %s", err)
            return await self._apologise(conversation, spoken, ENGINE_DOWN_TEXT, tracked)
        text = " ".join(o.text for o in outcomes if o.text)
        conversation.pending = tuple(p for o in outcomes for p in o.pending)
        targets = tuple(t for o in outcomes for t in o.targets)
        if targets:
            conversation.last_targets = targets
        self.memory.record(conversation, turn.text, text)
        handled = any(o.handled for o in outcomes)
        return AgentReply(conversation.conversation_id, text, handled, "llm", asks_something(text))

    async def _part(
        self, conversation: Conversation, turn: TurnContext, several: bool, speak: SpeechSink
    ) -> ModelOutcome:
        """One request: HA's sentences first when it is part of several, else the model."""
        if several:
            fast = await self._fast_path(turn, conversation)
            if fast is not None and fast.status is not Status.NOT_FOUND:
                if fast.handled:
                    await speak(fast.speech)
                return ModelOutcome(fast.speech, fast.handled, fast.pending, fast.targets)
        assert self.engine is not None
        said = Utterance.of(turn.text, turn.language)
        tools, prompt = self.prompt_prefix()
        home = self.home if self.can_control_home else None
        model_turn = ModelTurn(
            engine=self.engine,
            executor=self.executor,
            options=self.settings.generation,
            prompt_tools=tools,
            turn_tools=turn_toolbox(said, home, tools) if home and tools else None,
            said=said,
            previous=conversation.last_targets,
        )
        messages = build_messages(prompt, conversation.exchanges, turn.text)
        return await run_model_turn(model_turn, messages, turn, speak)

    async def _apologise(
        self, conversation: Conversation, spoken: list[str], text: str, speak: SpeechSink
    ) -> AgentReply:
        if spoken:  # the answer was under way: end it audibly
            await speak(f" {text}")
        self.memory.touch(conversation)
        said = "".join(spoken).strip() if spoken else text
        return AgentReply(conversation.conversation_id, said, False, "llm")
