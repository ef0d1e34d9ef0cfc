"""An intent the agent wants carried out, and how it ended."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from wyoming_common.hass import EntityState, IntentResult

from ..turn import TurnContext
from .audit import AuditLog
from .policy import ActionPolicy
from .ratelimit import RateLimiter
from .resolve import HomeView

StatePredicate = Callable[[EntityState], bool]


@dataclass(frozen=True)
class IntentCall:
    """One intent with HA's slot names (name, area, floor, domain, device_class, and its own
    arguments). `style` is how a state question was asked (one, one_yesno, any, all, which,
    how_many), as HA's sentence templates tell."""

    intent: str
    slots: Mapping[str, Any] = field(default_factory=dict)
    style: str = "default"


@dataclass(frozen=True)
class Pending:
    """An action on one entity that waits for a spoken "confirm" in the same conversation."""

    intent: str
    entity_id: str
    args: Mapping[str, Any] = field(default_factory=dict)


class Status(enum.StrEnum):
    """How a call ended; only DONE and ANSWERED are `handled`."""

    DONE = "done"
    ANSWERED = "answered"
    CONFIRM = "confirm"  # waiting for "confirm"
    REFUSED = "refused"  # policy or rate limit
    NOT_FOUND = "not-found"
    UNSURE = "unsure"  # the grounding guard: the words do not support it
    UNCHANGED = "unchanged"  # HA accepted it but the state did not follow
    FAILED = "failed"  # HA answered with an error
    UNAVAILABLE = "unavailable"  # HA did not answer


@dataclass(frozen=True)
class CallResult:
    """What was said about a call, what waits for confirmation, and what it was about."""

    status: Status
    speech: str
    pending: tuple[Pending, ...] = ()
    targets: tuple[str, ...] = ()  # entity ids acted on or asked about (for "it", "them")

    @property
    def handled(self) -> bool:
        """True when work was done or a question answered."""
        return self.status in (Status.DONE, Status.ANSWERED)


class IntentApi(Protocol):
    """Something that runs an intent in Home Assistant, and reads a to-do list's items
    (`wyoming_common.hass` client)."""

    async def handle_intent(
        self,
        name: str,
        data: dict[str, Any] | None = None,
        *,
        language: str | None = None,
        assistant: str | None = None,
        device_id: str | None = None,
        satellite_id: str | None = None,
    ) -> IntentResult:
        """`POST /api/intent/handle`."""
        ...

    async def todo_items(self, entity_id: str, status: str = "needs_action") -> list[str]:
        """A to-do list's items with that status (`todo.get_items`)."""
        ...


class LiveHome(HomeView, Protocol):
    """The home view the executor needs: resolution data plus waiting for states."""

    @property
    def available(self) -> bool:
        """True while Home Assistant is connected."""

    async def wait_for_state(
        self, entity_id: str, predicate: StatePredicate, timeout: float
    ) -> EntityState | None:
        """Wait until the entity's state satisfies predicate; returns the last state seen."""


@dataclass
class HaContext:
    """Everything carrying out an intent needs."""

    home: LiveHome
    api: IntentApi
    policy: ActionPolicy
    limiter: RateLimiter
    audit: AuditLog
    verify_timeout: float = 2.0


async def run_intent(
    ctx: HaContext, name: str, data: dict[str, Any], turn: TurnContext
) -> IntentResult:
    """Run an intent as the conversation assistant, for the speaking device: HA enforces
    exposure itself and targets that device's timers."""
    return await ctx.api.handle_intent(
        name,
        data,
        language=turn.language,
        assistant="conversation",
        device_id=turn.device_id,
        satellite_id=turn.satellite_id,
    )


def entity_ids(result: IntentResult, *, failed: bool = False) -> list[str]:
    """The entity ids HA reports as done (or failed)."""
    targets = result.failed if failed else result.success
    return [t.id for t in targets if t.type == "entity" and t.id]
