"""Typed views of Home Assistant's payloads: states, registries, intents, config flows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import HomeAssistantResponseError


def as_list(result: Any) -> list[Any]:
    """A websocket result that must be a list."""
    if not isinstance(result, list):
        raise HomeAssistantResponseError(f"expected a list, got {type(result).__name__}")
    return result


def as_dict(result: Any) -> dict[str, Any]:
    """A result that must be a JSON object."""
    if not isinstance(result, dict):
        raise HomeAssistantResponseError(f"expected an object, got {type(result).__name__}")
    return result


def _aliases(data: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(a) for a in data.get("aliases") or () if isinstance(a, str) and a.strip())


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class EntityState:
    """One entity's state as `get_states`, `/api/states` and `state_changed` report it."""

    entity_id: str
    state: str
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        """The entity's domain (`light` for `light.kitchen`)."""
        return self.entity_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """Friendly name, or the object id when there is none."""
        return str(self.attributes.get("friendly_name") or self.entity_id.split(".", 1)[-1])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntityState:
        """Parse HA's `State.as_dict()` shape."""
        return cls(
            entity_id=str(data["entity_id"]),
            state=str(data.get("state", "unknown")),
            attributes=dict(data.get("attributes") or {}),
        )


@dataclass(frozen=True)
class Floor:
    """A floor of the home."""

    floor_id: str
    name: str
    aliases: tuple[str, ...] = ()
    level: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Floor:
        """Parse a `config/floor_registry/list` item."""
        level = data.get("level")
        return cls(
            floor_id=str(data["floor_id"]),
            name=str(data.get("name") or data["floor_id"]),
            aliases=_aliases(data),
            level=level if isinstance(level, int) else None,
        )


@dataclass(frozen=True)
class Area:
    """An area (room)."""

    area_id: str
    name: str
    floor_id: str | None = None
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Area:
        """Parse a `config/area_registry/list` item."""
        return cls(
            area_id=str(data["area_id"]),
            name=str(data.get("name") or data["area_id"]),
            floor_id=_opt(data.get("floor_id")),
            aliases=_aliases(data),
        )


@dataclass(frozen=True)
class Device:
    """A device of the device registry."""

    device_id: str
    name: str
    area_id: str | None = None
    config_entries: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Device:
        """Parse a `config/device_registry/list` item (the user's name wins)."""
        return cls(
            device_id=str(data["id"]),
            name=str(data.get("name_by_user") or data.get("name") or data["id"]),
            area_id=_opt(data.get("area_id")),
            config_entries=tuple(str(e) for e in data.get("config_entries") or ()),
        )


@dataclass(frozen=True)
class EntityEntry:
    """An entity registry entry. `aliases` is None for `list` items (HA sends them only
    from `get_entries`)."""

    entity_id: str
    platform: str = ""
    name: str | None = None  # the user's name
    original_name: str | None = None  # the integration's name
    area_id: str | None = None  # None: the device's area
    device_id: str | None = None
    config_entry_id: str | None = None
    unique_id: str = ""
    translation_key: str | None = None
    device_class: str | None = None
    disabled: bool = False
    aliases: tuple[str, ...] | None = None

    @property
    def domain(self) -> str:
        """The entity's domain."""
        return self.entity_id.split(".", 1)[0]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntityEntry:
        """Parse a `list` item or an extended `get_entries` item."""
        device_class = data.get("device_class") or data.get("original_device_class")
        return cls(
            entity_id=str(data["entity_id"]),
            platform=str(data.get("platform") or ""),
            name=_opt(data.get("name")),
            original_name=_opt(data.get("original_name")),
            area_id=_opt(data.get("area_id")),
            device_id=_opt(data.get("device_id")),
            config_entry_id=_opt(data.get("config_entry_id")),
            unique_id=str(data.get("unique_id") or ""),
            translation_key=_opt(data.get("translation_key")),
            device_class=_opt(device_class),
            disabled=data.get("disabled_by") is not None,
            aliases=_aliases(data) if "aliases" in data else None,
        )


@dataclass(frozen=True)
class RegistryChange:
    """One `<registry>_registry_updated` event: `registry` is entity, device, area or floor."""

    registry: str
    action: str  # create, update, remove (and reorder for areas/floors)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IntentTarget:
    """One item of an intent answer's `success` or `failed` list."""

    name: str
    type: str  # entity, area, floor
    id: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IntentTarget:
        """Parse `{"name", "type", "id"}`."""
        return cls(str(data.get("name", "")), str(data.get("type", "")), str(data.get("id", "")))


@dataclass(frozen=True)
class IntentResult:
    """HA's `IntentResponse`: `response_type` action_done, query_answer or error."""

    response_type: str
    success: tuple[IntentTarget, ...] = ()
    failed: tuple[IntentTarget, ...] = ()
    speech: str = ""
    error_code: str | None = None  # e.g. failed_to_handle, no_intent_match
    speech_slots: dict[str, Any] = field(default_factory=dict)
    language: str | None = None

    @property
    def ok(self) -> bool:
        """True unless Home Assistant answered with an error response."""
        return self.response_type != "error"

    @classmethod
    def from_dict(cls, data: Any) -> IntentResult:
        """Parse the body of `/api/intent/handle` (or a conversation's `response`)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("response_type"), str):
            raise HomeAssistantResponseError(f"unexpected intent answer: {str(data)[:200]}")
        body: Mapping[str, Any] = data["data"] if isinstance(data.get("data"), Mapping) else {}
        speech = data.get("speech")
        plain = (speech.get("plain") if isinstance(speech, Mapping) else None) or {}
        slots = data.get("speech_slots")
        return cls(
            response_type=data["response_type"],
            success=tuple(IntentTarget.from_dict(t) for t in body.get("success") or ()),
            failed=tuple(IntentTarget.from_dict(t) for t in body.get("failed") or ()),
            speech=str(plain.get("speech") or ""),
            error_code=_opt(body.get("code")),
            speech_slots=dict(slots) if isinstance(slots, Mapping) else {},
            language=_opt(data.get("language")),
        )


@dataclass(frozen=True)
class ConversationResult:
    """The answer of `/api/conversation/process`."""

    response: IntentResult
    conversation_id: str | None = None
    continue_conversation: bool = False

    @classmethod
    def from_dict(cls, data: Any) -> ConversationResult:
        """Parse `{"response": IntentResponse, "conversation_id", "continue_conversation"}`."""
        if not isinstance(data, Mapping):
            raise HomeAssistantResponseError(f"unexpected conversation answer: {str(data)[:200]}")
        return cls(
            response=IntentResult.from_dict(data.get("response")),
            conversation_id=_opt(data.get("conversation_id")),
            continue_conversation=bool(data.get("continue_conversation")),
        )
