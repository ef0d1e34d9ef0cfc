"""To-do lists in words HA's sentences lack: which words ask to read one, what is said, and
which words check an item off (the agent over the Wyoming protocol against the fake Home
Assistant is in test_fast_path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from wyoming_common.hass import HomeAssistantConnectionError
from wyoming_llm.hass.models import ExposedEntity
from wyoming_llm.intents.calls import HaContext, Status
from wyoming_llm.intents.lists import asked_check_off, asked_list, read_list

SHOPPING = ExposedEntity("todo.shopping_list", "Shopping List")
CHORES = ExposedEntity("todo.chores", "Chores")
TV = ExposedEntity("media_player.tv", "TV")
HOME = (SHOPPING, CHORES, TV)


@pytest.mark.parametrize(
    ("text", "entity_id"),
    [
        ("what's on my shopping list", "todo.shopping_list"),
        ("What is on the Shopping List?", "todo.shopping_list"),
        ("read me my shopping list", "todo.shopping_list"),
        ("what do I have on my chores list", "todo.chores"),
        ("list my chores", "todo.chores"),
        ("what's on the TV", None),  # not a list
        ("what's on my grocery list", None),  # no such list
        ("what is the temperature", None),
        ("add milk to my shopping list", None),  # HassListAddItem's
    ],
)
def test_which_words_ask_for_a_list(text: str, entity_id: str | None) -> None:
    found = asked_list(text, HOME)
    assert (found.entity_id if found else None) == entity_id


@dataclass
class Api:
    items: list[str] | Exception

    async def todo_items(self, entity_id: str, status: str = "needs_action") -> list[str]:
        assert status == "needs_action"
        if isinstance(self.items, Exception):
            raise self.items
        return self.items


def context(api: Api) -> Any:
    return HaContext(home=None, api=api, policy=None, limiter=None, audit=None)  # type: ignore[arg-type]


async def test_what_is_said() -> None:
    result = await read_list(context(Api(["Milk", "Eggs", "Bread"])), SHOPPING)
    assert result.status is Status.ANSWERED and result.handled
    assert result.speech == "Shopping List has Milk, Eggs and Bread."
    empty = await read_list(context(Api([])), SHOPPING)
    assert empty.speech == "Shopping List is empty." and empty.handled
    many = await read_list(context(Api([f"item {n}" for n in range(12)])), SHOPPING)
    assert many.speech.endswith("item 9, and 2 more.")
    down = await read_list(context(Api(HomeAssistantConnectionError("gone"))), SHOPPING)
    assert down.status is Status.UNAVAILABLE and not down.handled


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("mark milk as done on the shopping list", {"item": "milk", "name": "Shopping List"}),
        ("cross oat milk off my shopping list", {"item": "oat milk", "name": "Shopping List"}),
        (
            "Mark mow the lawn complete on my chores list.",
            {"item": "mow the lawn", "name": "Chores"},
        ),
        ("mark milk as done", None),  # which list?
        ("mark milk as done on the grocery list", None),  # no such list
        ("cross the road off the TV", None),  # not a list
    ],
)
def test_which_words_check_an_item_off(text: str, slots: dict[str, str] | None) -> None:
    call = asked_check_off(text, HOME)
    assert (call.slots if call else None) == slots
    assert call is None or call.intent == "HassListCompleteItem"
