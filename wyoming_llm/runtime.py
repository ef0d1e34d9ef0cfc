"""Assembles the agent from its config (engine, Home Assistant view and intent API, fast path,
safety) and owns the lifecycle of those parts. Used by the server, `ask` and `bench`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from wyoming.info import Info

from wyoming_common.hass import HomeAssistantClient
from wyoming_common.worker import ModelWorker

from .agent import ConversationAgent
from .engines.base import ChatEngine
from .fastpath.matcher import IntentMatcher
from .fastpath.path import FastPath
from .hass.home import Home
from .info import agent_info
from .intents.audit import AuditLog
from .intents.calls import HaContext, IntentApi
from .intents.executor import IntentExecutor
from .intents.ratelimit import RateLimiter
from .memory import ConversationMemory
from .settings import AgentConfig

_LOGGER = logging.getLogger(__name__)
AUDIT_FILE = "audit.jsonl"


def build_home(config: AgentConfig) -> Home | None:
    """The live Home Assistant view (not connected yet), or None without --hass-url."""
    if config.hass is None:
        return None
    client = HomeAssistantClient(
        config.hass.url, config.hass.token, request_timeout=config.hass.timeout
    )
    return Home(client)


class AgentRuntime:
    """The agent and the things it owns, started and stopped together."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        engine: ChatEngine | None,
        home: Home | None,
        intent_api: IntentApi | None = None,
        clock: Callable[[], datetime] = datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
        verify_timeout: float = 2.0,
    ) -> None:
        self.config = config
        self.engine = engine
        self.home = home
        self.intent_api = intent_api if intent_api is not None else (home.client if home else None)
        self.intent_worker = ModelWorker("intents", timeout=10.0)
        self.matcher = IntentMatcher()
        self.audit = AuditLog(config.data_dir / AUDIT_FILE)
        context = None
        if home is not None and self.intent_api is not None:
            limiter = RateLimiter(config.max_actions_per_minute, clock=monotonic)
            context = HaContext(
                home, self.intent_api, config.policy, limiter, self.audit, verify_timeout
            )
        self.executor = IntentExecutor(context, clock=clock)
        memory = ConversationMemory(
            idle_timeout=config.memory.idle_timeout,
            max_turns=config.memory.turns,
            max_tokens=config.memory.tokens,
            clock=monotonic,
        )
        self.agent = ConversationAgent(
            config.agent,
            memory,
            self.executor,
            persona=config.persona,
            home=home,
            fast_path=FastPath(self.matcher, self.intent_worker, home),
            engine=engine,
        )

    async def start(self, *, hass_wait: float = 5.0) -> None:
        """Load the model, parse the templates, connect to HA (without failing if it is down)."""
        for language in self.config.languages:
            await self.intent_worker.run(self.matcher.warm_up, language)
        if self.engine is not None:
            await self.engine.load()
        if self.home is None:
            _LOGGER.warning(
                "No Home Assistant configured (--hass-url): device commands will be answered"
                ' with "I\'m not connected to Home Assistant"'
            )
        else:
            await self.home.start()
            if not await self.home.ensure_available(hass_wait):
                _LOGGER.warning(
                    "Home Assistant is not reachable yet (%s); retrying in the background",
                    self.home.last_error,
                )
        await self.agent.warm_up()

    async def stop(self) -> None:
        """Disconnect and free the model."""
        if self.home is not None:
            await self.home.stop()
        if self.engine is not None:
            await self.engine.close()

    def info(self) -> Info:
        """The current `info` (home control follows the HA connection)."""
        return agent_info(
            self.config.languages,
            model_name=self.config.model_name,
            home_control=self.agent.can_control_home,
        )
