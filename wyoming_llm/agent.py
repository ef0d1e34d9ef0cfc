"""The conversation agent: stop phrases, confirmations, the fast local path, then the model."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field

from wyoming_common.errors import EngineError

from .actions.executor import ActionExecutor
from .engines.base import ChatEngine, ChatMessage
from .fastpath.intents import FastPath
from .hass.home import Home
from .llm_turn import GenerationOptions, SpeechSink, run_llm_turn
from .memory import Conversation, ConversationMemory
from .persona import DEFAULT_PERSONA, Persona
from .prompt import build_messages, system_prompt
from .tool_runner import ToolRunner
from .tools import Toolbox, build_toolbox
from .turn import TurnContext, TurnRequest

_LOGGER = logging.getLogger(__name__)

STOP_PHRASES = frozenset(
    {"stop", "stop it", "never mind", "nevermind", "cancel", "cancel that", "forget it"}
)
NO_MODEL_TEXT = "I can only control devices without a language model."
NO_HASS_TEXT = "Sorry, I can't reach Home Assistant right now."
TOO_SLOW_TEXT = "Sorry, that took too long."
ENGINE_DOWN_TEXT = "Sorry, my language model is not available right now."
_CONFIRM = re.compile(r"\bconfirm(ed)?\b")
_NEGATION = re.compile(r"\b(don't|do not|no|not)\b")


def normalize(text: str) -> str:
    """Lower case, punctuation removed, single spaces."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())


def is_stop_phrase(text: str) -> bool:
    """ "Stop", "never mind", "cancel" … end the turn at once."""
    return normalize(text) in STOP_PHRASES


def is_confirmation(text: str) -> bool:
    """The follow-up that releases a sensitive action: contains "confirm", no negation."""
    words = normalize(text)
    return bool(_CONFIRM.search(words)) and not _NEGATION.search(words)


@dataclass(frozen=True)
class AgentSettings:
    """Behaviour of the agent as a whole."""

    language: str = "en"
    generation: GenerationOptions = field(default_factory=GenerationOptions)
    turn_timeout: float = 60.0
    hass_wait: float = 2.0  # how long a turn waits for Home Assistant to come back


@dataclass(frozen=True)
class AgentReply:
    """The whole answer to one turn."""

    conversation_id: str
    text: str
    handled: bool = True
    source: str = "llm"  # stop, confirm, fast-path, llm, no-model


class ConversationAgent:
    """Answers turns; each collaborator is optional (no model, no Home Assistant)."""

    def __init__(
        self,
        settings: AgentSettings,
        memory: ConversationMemory,
        *,
        persona: Persona = DEFAULT_PERSONA,
        home: Home | None = None,
        executor: ActionExecutor | None = None,
        fast_path: FastPath | None = None,
        engine: ChatEngine | None = None,
    ) -> None:
        self.settings = settings
        self.memory = memory
        self.persona = persona
        self.home = home
        self.executor = executor
        self.fast_path = fast_path
        self.engine = engine
        self.runner = ToolRunner(home, executor) if home and executor else None
        self._prefix: tuple[int, Toolbox | None, str] | None = None

    @property
    def can_control_home(self) -> bool:
        """True while Home Assistant is connected."""
        return self.home is not None and self.home.available

    def prompt_prefix(self) -> tuple[Toolbox | None, str]:
        """Toolbox and system prompt for the current home (rebuilt when names change)."""
        home = self.home
        generation = -1 if home is None or not home.entities else home.generation
        if self._prefix is None or self._prefix[0] != generation:
            toolbox = None
            entities, areas = [], []
            if home is not None and home.entities and self.runner is not None:
                entities, areas = list(home.entities.values()), list(home.areas.values())
                toolbox = build_toolbox(entities, areas)
            inline = self.engine.inline_tools if self.engine is not None else True
            prompt = system_prompt(
                self.persona, entities=entities, areas=areas, toolbox=toolbox, inline_tools=inline
            )
            self._prefix = (generation, toolbox, prompt)
        return self._prefix[1], self._prefix[2]

    async def warm_up(self) -> None:
        """Evaluate the stable prompt prefix so the first turn is fast."""
        if self.engine is not None:
            _toolbox, prompt = self.prompt_prefix()
            await self.engine.prefill([ChatMessage("system", prompt), ChatMessage("user", "hi")])

    def _context(self, request: TurnRequest, conversation: Conversation) -> TurnContext:
        area_id = None
        if self.home is not None:
            area_id = self.home.area_of_device(request.satellite_id) or self.home.area_of_device(
                request.device_id
            )
        return TurnContext(
            text=request.text.strip(),
            conversation_id=conversation.conversation_id,
            language=(request.language or self.settings.language).split("-")[0].split("_")[0],
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
        if is_stop_phrase(turn.text) or not turn.text:
            conversation.pending = ()
            self.memory.touch(conversation)
            return AgentReply(cid, "", source="stop")
        pending, conversation.pending = conversation.pending, ()
        if pending and self.executor is not None and is_confirmation(turn.text):
            results = [await self.executor.execute(r, turn, confirmed=True) for r in pending]
            text = ". ".join(result.speech for result in results)
            await speak(text)
            self.memory.record(conversation, turn.text, text)
            return AgentReply(cid, text, source="confirm")
        if self.home is not None and not self.home.available:
            await self.home.ensure_available(self.settings.hass_wait)
        if self.fast_path is not None:
            answer = await self.fast_path.answer(turn)
            if answer is not None:
                if answer.handled and answer.speech:
                    await speak(answer.speech)
                conversation.pending = answer.pending
                self.memory.record(conversation, turn.text, answer.speech)
                return AgentReply(cid, answer.speech, answer.handled, source="fast-path")
        if self.engine is None:
            self.memory.touch(conversation)
            unreachable = self.home is not None and not self.home.available
            return AgentReply(
                cid, NO_HASS_TEXT if unreachable else NO_MODEL_TEXT, False, "no-model"
            )
        text = await self._ask_model(turn, conversation, speak)
        self.memory.record(conversation, turn.text, text)
        return AgentReply(cid, text, source="llm")

    async def _ask_model(
        self, turn: TurnContext, conversation: Conversation, speak: SpeechSink
    ) -> str:
        assert self.engine is not None
        spoken: list[str] = []

        async def tracked(chunk: str) -> None:
            spoken.append(chunk)
            await speak(chunk)

        toolbox, prompt = self.prompt_prefix()
        messages = build_messages(prompt, conversation.exchanges, turn.text)
        try:
            async with asyncio.timeout(self.settings.turn_timeout):
                outcome = await run_llm_turn(
                    self.engine,
                    messages,
                    turn,
                    tracked,
                    toolbox=toolbox,
                    runner=self.runner,
                    options=self.settings.generation,
                )
        except TimeoutError:
            _LOGGER.warning(
                "Turn %s ran past %.0f s", turn.conversation_id, self.settings.turn_timeout
            )
            return await self._apologise(spoken, TOO_SLOW_TEXT, tracked)
        except EngineError as err:
            _LOGGER.error("Chat engine failed: %s", err)
            return await self._apologise(spoken, ENGINE_DOWN_TEXT, tracked)
        conversation.pending = outcome.pending
        return outcome.text

    @staticmethod
    async def _apologise(spoken: list[str], text: str, speak: SpeechSink) -> str:
        chunk = f" {text}" if spoken else text
        await speak(chunk)
        return "".join(spoken).strip()
