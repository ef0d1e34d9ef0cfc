"""To-do lists in words Home Assistant's English sentences lack.

Reading one aloud: "what's on my shopping list" answered with its open items. HA has no intent
for it (its HassGetState reads "what's on ..." as a question whether something is on, and a
list's state is only its item count), so the items come from `todo.get_items` on an exposed
`todo` entity the words name. Read-only: nothing in the home changes.

Checking an item off in other words than HA's "check off milk on my shopping list": "mark
milk as done on the shopping list", "cross milk off my shopping list" become HA's own
HassListCompleteItem (the item as said, the list by name), carried out by the executor with
every check a model's call gets. English only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from wyoming_common.hass import HomeAssistantConnectionError, HomeAssistantError
from wyoming_common.speech_text import join_names

from ..hass.models import ExposedEntity
from .calls import CallResult, HaContext, IntentCall, Status
from .queries import UNREACHABLE
from .resolve import entities_named

_LOGGER = logging.getLogger(__name__)

_ASKS_ITEMS = re.compile(
    r"^(?:(?:what(?:'s| is| are| do i have)|tell me what(?:'s| is))\s+(?:on|in)"
    r"|read(?:\s+me)?|list)\s+(?:my\s+|the\s+)?(?P<name>[\w' -]+?)(?:\s+list)?\s*[?.!]*$",
    re.IGNORECASE,
)
_CHECKS_OFF = re.compile(
    r"^(?:(?:mark|tick)\s+(?P<done>.+?)\s+(?:as\s+)?(?:done|complete|completed|bought)"
    r"|(?:cross|tick|strike)\s+(?P<off>.+?)\s+off)"
    r"\s+(?:(?:on|in|from|of)\s+)?(?:my\s+|the\s+)?(?P<name>[\w' -]+?)(?:\s+list)?\s*[.!]*$",
    re.IGNORECASE,
)
MAX_READ = 10
"""Items read aloud at most; the rest are counted."""


def asked_list(text: str, entities: Iterable[ExposedEntity]) -> ExposedEntity | None:
    """The exposed to-do list whose items the words ask for, if they do."""
    found = _ASKS_ITEMS.match(text.strip())
    if found is None:
        return None
    return _named_list(found.group("name"), entities)


def asked_check_off(text: str, entities: Iterable[ExposedEntity]) -> IntentCall | None:
    """HassListCompleteItem for "mark milk as done on the shopping list", if the words say
    that of an exposed to-do list."""
    found = _CHECKS_OFF.match(text.strip())
    if found is None:
        return None
    item = (found.group("done") or found.group("off")).strip()
    entity = _named_list(found.group("name"), entities)
    if entity is None or not item:
        return None
    return IntentCall("HassListCompleteItem", {"item": item, "name": entity.name})


def _named_list(name: str, entities: Iterable[ExposedEntity]) -> ExposedEntity | None:
    lists = [e for e in entities if e.domain == "todo"]
    named = entities_named(lists, name.strip()) or entities_named(lists, f"{name.strip()} list")
    return named[0] if len(named) == 1 else None


async def read_list(ctx: HaContext, entity: ExposedEntity) -> CallResult:
    """The list's open items, said: "Shopping List has Milk, Eggs and Bread."."""
    try:
        items = await ctx.api.todo_items(entity.entity_id)
    except HomeAssistantConnectionError as err:
        _LOGGER.warning("todo.get_items: %s", err)
        return CallResult(Status.UNAVAILABLE, UNREACHABLE)
    except HomeAssistantError as err:
        _LOGGER.warning("todo.get_items rejected: %s", err)
        return CallResult(Status.FAILED, f"Sorry, I couldn't read {entity.name}.")
    targets = (entity.entity_id,)
    if not items:
        return CallResult(Status.ANSWERED, f"{entity.name} is empty.", targets=targets)
    said = items[:MAX_READ]
    more = len(items) - len(said)
    tail = f", and {more} more" if more else ""
    return CallResult(
        Status.ANSWERED, f"{entity.name} has {join_names(said)}{tail}.", targets=targets
    )
