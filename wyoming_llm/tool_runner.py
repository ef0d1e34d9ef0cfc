"""Runs the model's tool calls: actions go through the ActionExecutor (policy, rate limit,
verification, audit); queries read the live states. Nothing here trusts the arguments."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .actions.executor import ActionExecutor, ActionRequest, ActionResult, ActionStatus
from .fastpath.queries import state_words
from .hass.home import Home
from .tools import ToolCall
from .turn import TurnContext

_LOGGER = logging.getLogger(__name__)

# tool → (action kind, argument holding the value)
_ACTIONS: dict[str, tuple[str, str | None]] = {
    "turn_on": ("turn_on", None),
    "turn_off": ("turn_off", None),
    "toggle": ("toggle", None),
    "set_brightness": ("set_brightness", "brightness"),
    "set_color": ("set_color", "color"),
    "set_temperature": ("set_temperature", "temperature"),
    "set_position": ("set_position", "position"),
    "set_volume": ("set_volume", "volume"),
    "run": ("run", None),
}


@dataclass(frozen=True)
class ToolOutcome:
    """A tool's result: text for the model (and the ear), and the action result if any."""

    call: ToolCall
    text: str
    action: ActionResult | None = None

    @property
    def pending(self) -> ActionRequest | None:
        """The action waiting for "confirm", if this call needs one."""
        if self.action is not None and self.action.status is ActionStatus.NEEDS_CONFIRMATION:
            return self.action.request
        return None


class ToolRunner:
    """Executes tool calls against the home."""

    def __init__(self, home: Home, executor: ActionExecutor) -> None:
        self.home = home
        self.executor = executor

    async def run(self, call: ToolCall, turn: TurnContext) -> ToolOutcome:
        """Run one call; invalid calls get an explanation instead of an action."""
        arguments = call.arguments if isinstance(call.arguments, dict) else {}
        _LOGGER.debug("Tool call %s %s", call.name, arguments)
        if call.name in _ACTIONS:
            kind, value_key = _ACTIONS[call.name]
            entity_id = arguments.get("entity_id")
            if not isinstance(entity_id, str):
                return ToolOutcome(call, "That tool call did not name a device.")
            value: Any = arguments.get(value_key) if value_key else None
            result = await self.executor.execute(ActionRequest(kind, entity_id, value), turn)
            return ToolOutcome(call, result.speech, result)
        if call.name == "get_state":
            return ToolOutcome(call, self._state_text(arguments.get("entity_id")))
        if call.name == "list_area":
            return ToolOutcome(call, self._area_text(arguments.get("area")))
        return ToolOutcome(call, f"There is no tool called {call.name!r}.")

    def _state_text(self, entity_id: Any) -> str:
        entity = self.home.entities.get(entity_id) if isinstance(entity_id, str) else None
        if entity is None:
            return "That device is not available to the assistant."
        return f"{entity.name} is {state_words(entity, self.home.state(entity.entity_id))}"

    def _area_text(self, area_name: Any) -> str:
        if not isinstance(area_name, str):
            return "That tool call did not name an area."
        wanted = area_name.casefold()
        area = next(
            (
                a
                for a in self.home.areas.values()
                if wanted in (n.casefold() for n in (a.name, *a.aliases))
            ),
            None,
        )
        if area is None:
            return f"There is no area called {area_name}."
        inside = [e for e in self.home.entities.values() if e.area_id == area.area_id]
        if not inside:
            return f"The {area.name} has no devices the assistant can use."
        parts = [f"{e.name} is {state_words(e, self.home.state(e.entity_id))}" for e in inside]
        return f"In the {area.name}: " + "; ".join(parts) + "."
