"""Carries out one action: policy and rate limit first, then the service call, then the
state read back, so the spoken result says what really happened. Every attempt is audited."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from wyoming_common.hass_ws import HomeAssistantCommandError, HomeAssistantConnectionError

from ..hass.home import Home
from ..hass.models import EntityState
from ..turn import TurnContext
from .audit import AuditLog
from .catalog import plan_action
from .policy import ActionPolicy, PolicyDecision
from .ratelimit import RateLimiter

_LOGGER = logging.getLogger(__name__)


class ActionStatus(enum.StrEnum):
    """How an action ended."""

    DONE = "done"
    UNCHANGED = "unchanged"  # HA accepted the call but the state did not follow
    FAILED = "failed"  # HA answered with an error
    UNAVAILABLE = "unavailable"  # HA could not be reached in time
    DENIED = "denied"
    NEEDS_CONFIRMATION = "needs-confirmation"
    RATE_LIMITED = "rate-limited"
    INVALID = "invalid"  # the action makes no sense for this entity


@dataclass(frozen=True)
class ActionRequest:
    """Do `kind` (see catalog.ACTION_KINDS) to one entity, with an optional value."""

    kind: str
    entity_id: str
    value: Any = None


@dataclass(frozen=True)
class ActionResult:
    """The outcome of one action and the sentence that tells it."""

    request: ActionRequest
    status: ActionStatus
    speech: str
    state: EntityState | None = None

    @property
    def ok(self) -> bool:
        """True when the action verifiably happened."""
        return self.status is ActionStatus.DONE


class ActionExecutor:
    """The single path from an intended action to a Home Assistant service call."""

    def __init__(
        self,
        home: Home,
        policy: ActionPolicy,
        limiter: RateLimiter,
        audit: AuditLog,
        *,
        verify_timeout: float = 2.0,
    ) -> None:
        self.home = home
        self.policy = policy
        self.limiter = limiter
        self.audit = audit
        self.verify_timeout = verify_timeout

    async def execute(
        self, request: ActionRequest, turn: TurnContext, *, confirmed: bool = False
    ) -> ActionResult:
        """Check, call, verify and audit one action."""
        result, service = await self._execute(request, turn, confirmed=confirmed)
        await self.audit.record(
            conversation_id=turn.conversation_id,
            satellite_id=turn.satellite_id,
            device_id=turn.device_id,
            text=turn.text,
            action={
                "kind": request.kind,
                "entity_id": request.entity_id,
                "value": request.value,
                "service": service,
            },
            result={
                "status": str(result.status),
                "state": result.state.state if result.state is not None else None,
            },
        )
        _LOGGER.info("Action %s on %s: %s", request.kind, request.entity_id, result.status)
        return result

    async def _execute(
        self, request: ActionRequest, turn: TurnContext, *, confirmed: bool
    ) -> tuple[ActionResult, str | None]:
        entity = self.home.entities.get(request.entity_id)
        if entity is None:
            speech = "I can't control that device; it is not exposed to the assistant."
            return ActionResult(request, ActionStatus.DENIED, speech), None
        name = entity.name
        plan = plan_action(request.kind, entity.domain, request.value)
        if plan is None:
            speech = f"I can't do that with {name}."
            return ActionResult(request, ActionStatus.INVALID, speech), None
        service = f"{plan.domain}.{plan.service}"
        current = self.home.state(entity.entity_id)
        if plan.supports is not None and current is not None and not plan.supports(current):
            speech = f"{name} does not support that."
            return ActionResult(request, ActionStatus.INVALID, speech, current), None
        decision = self.policy.decide(entity, confirmed=confirmed)
        if decision is PolicyDecision.NEEDS_CONFIRMATION:
            speech = f"Say confirm if you want me to {plan.verb} {name}."
            return ActionResult(request, ActionStatus.NEEDS_CONFIRMATION, speech), service
        if decision is PolicyDecision.SENSITIVE_DENIED:
            speech = f"For safety, I can't {plan.verb} {name} by voice."
            return ActionResult(request, ActionStatus.DENIED, speech), service
        if decision is not PolicyDecision.ALLOW:
            speech = f"I'm not allowed to control {name}."
            return ActionResult(request, ActionStatus.DENIED, speech), service
        if not self.limiter.try_acquire():
            speech = "That is too many actions in a short time. Please try again in a minute."
            return ActionResult(request, ActionStatus.RATE_LIMITED, speech), service

        before = current
        try:
            await self.home.client.call_service(
                plan.domain, plan.service, dict(plan.data), {"entity_id": entity.entity_id}
            )
        except HomeAssistantCommandError as err:
            _LOGGER.warning("%s on %s failed: %s", service, entity.entity_id, err)
            speech = f"Sorry, Home Assistant could not {plan.verb} {name}."
            return ActionResult(request, ActionStatus.FAILED, speech, before), service
        except HomeAssistantConnectionError as err:
            _LOGGER.warning("%s on %s: %s", service, entity.entity_id, err)
            speech = f"Sorry, I could not reach Home Assistant to {plan.verb} {name}."
            return ActionResult(request, ActionStatus.UNAVAILABLE, speech, before), service

        check = plan.check

        def took_effect(state: EntityState) -> bool:
            return check is None or check(before, state)

        after = await self.home.wait_for_state(entity.entity_id, took_effect, self.verify_timeout)
        if after is not None and took_effect(after):
            return ActionResult(
                request, ActionStatus.DONE, plan.speech(name, after), after
            ), service
        still = f", but it is still {after.state}" if after is not None else ""
        speech = f"I asked Home Assistant to {plan.verb} {name}{still}."
        return ActionResult(request, ActionStatus.UNCHANGED, speech, after), service
