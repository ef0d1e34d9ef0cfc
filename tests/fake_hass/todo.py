"""To-do lists: the items behind each `todo.*` entity and the `todo.*` services.

HA keeps items out of the state (the state is the number of open items); clients read them
with `todo.get_items` (a service with a response), as the fake does too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import InvalidServiceData, ServiceValidationError

if TYPE_CHECKING:
    from .house import State

NEEDS_ACTION = "needs_action"
COMPLETED = "completed"
DEFAULT_FEATURES = 7  # CREATE_TODO_ITEM | DELETE_TODO_ITEM | UPDATE_TODO_ITEM


@dataclass
class TodoItem:
    """One item of a list."""

    summary: str
    status: str = NEEDS_ACTION
    uid: str = field(default_factory=lambda: secrets.token_hex(8))

    def as_dict(self) -> dict[str, Any]:
        """Return the item as `todo.get_items` lists it."""
        return {"summary": self.summary, "uid": self.uid, "status": self.status}


class TodoLists:
    """Items per `todo.*` entity id."""

    def __init__(self) -> None:
        """Start with no items anywhere."""
        self.items: dict[str, list[TodoItem]] = {}

    def of(self, entity_id: str) -> list[TodoItem]:
        """Return the (live) item list of a list entity."""
        return self.items.setdefault(entity_id, [])

    def replace(self, entity_id: str, items: list[TodoItem]) -> None:
        """Set a list's items (tests and benchmarks)."""
        self.items[entity_id] = list(items)

    def open_count(self, entity_id: str) -> int:
        """Return the number of items that still need action (the entity's state)."""
        return sum(1 for item in self.of(entity_id) if item.status == NEEDS_ACTION)

    def find(self, entity_id: str, key: str) -> TodoItem | None:
        """Find an item by uid or exact summary, as the todo services do."""
        for item in self.of(entity_id):
            if key in (item.uid, item.summary):
                return item
        return None


TodoAction = Callable[[TodoLists, "State", Mapping[str, Any]], tuple[str | None, dict[str, Any]]]


def _item_text(data: Mapping[str, Any], key: str = "item") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidServiceData(f"required key not provided @ data['{key}']")
    return value


def _state(lists: TodoLists, entity_id: str) -> tuple[str | None, dict[str, Any]]:
    return str(lists.open_count(entity_id)), {}


def add_item(
    lists: TodoLists, state: State, data: Mapping[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """todo.add_item {item}: a new open item, summary exactly as given."""
    lists.of(state.entity_id).append(TodoItem(_item_text(data)))
    return _state(lists, state.entity_id)


def update_item(
    lists: TodoLists, state: State, data: Mapping[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """todo.update_item {item, rename?, status?}."""
    key = _item_text(data)
    item = lists.find(state.entity_id, key)
    if item is None:
        raise ServiceValidationError(f"Unable to find To-do item: {key}")
    if "rename" in data:
        item.summary = _item_text(data, "rename")
    if "status" in data:
        if data["status"] not in (NEEDS_ACTION, COMPLETED):
            raise InvalidServiceData("value must be one of ['completed', 'needs_action']")
        item.status = str(data["status"])
    return _state(lists, state.entity_id)


def remove_item(
    lists: TodoLists, state: State, data: Mapping[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """todo.remove_item {item: str | [str]}."""
    keys = data.get("item")
    wanted = [keys] if isinstance(keys, str) else list(keys or [])
    found = [lists.find(state.entity_id, str(key)) for key in wanted]
    if not wanted or any(item is None for item in found):
        raise ServiceValidationError(f"Unable to find To-do item: {keys}")
    items = lists.of(state.entity_id)
    items[:] = [item for item in items if item not in found]
    return _state(lists, state.entity_id)


def get_items(
    lists: TodoLists, state: State, data: Mapping[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """todo.get_items changes nothing; the response is built by `items_response`."""
    return None, {}


def items_response(
    lists: TodoLists, entity_ids: list[str], data: Mapping[str, Any]
) -> dict[str, Any]:
    """The `todo.get_items` response: items per list, filtered by `status`."""
    statuses = data.get("status") or [NEEDS_ACTION, COMPLETED]
    statuses = [statuses] if isinstance(statuses, str) else list(statuses)
    return {
        entity_id: {
            "items": [item.as_dict() for item in lists.of(entity_id) if item.status in statuses]
        }
        for entity_id in entity_ids
    }


TODO_SERVICES: dict[str, TodoAction] = {
    "add_item": add_item,
    "update_item": update_item,
    "remove_item": remove_item,
    "get_items": get_items,
}
