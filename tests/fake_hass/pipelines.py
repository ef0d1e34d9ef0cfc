"""Assist pipelines, validated like HA's `assist_pipeline/pipeline/*` commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .errors import HouseError, InvalidServiceData, NotFoundError
from .registry import new_ulid

# Every key is required on create/update (HA: vol.Required); value types as in HA's schema.
_REQUIRED_STR = ("conversation_engine", "conversation_language", "language", "name")
_REQUIRED_OPTIONAL_STR = (
    "stt_engine",
    "stt_language",
    "tts_engine",
    "tts_language",
    "tts_voice",
    "wake_word_entity",
    "wake_word_id",
)
_OPTIONAL_BOOL = ("prefer_local_intents",)
PIPELINE_FIELDS = _REQUIRED_STR + _REQUIRED_OPTIONAL_STR + _OPTIONAL_BOOL


def validate_pipeline(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the pipeline fields of `data`, raising `invalid_format` like voluptuous."""
    for key in data:
        if key not in PIPELINE_FIELDS:
            raise InvalidServiceData(f"extra keys not allowed @ data['{key}']")
    for key in _REQUIRED_STR + _REQUIRED_OPTIONAL_STR:
        if key not in data:
            raise InvalidServiceData(f"required key not provided @ data['{key}']")
    for key in _REQUIRED_STR:
        if not isinstance(data[key], str):
            raise InvalidServiceData(f"expected str for dictionary value @ data['{key}']")
    for key in _REQUIRED_OPTIONAL_STR:
        if data[key] is not None and not isinstance(data[key], str):
            raise InvalidServiceData(f"expected str for dictionary value @ data['{key}']")
    if "prefer_local_intents" in data and not isinstance(data["prefer_local_intents"], bool):
        raise InvalidServiceData(
            "expected bool for dictionary value @ data['prefer_local_intents']"
        )
    result = {key: data[key] for key in PIPELINE_FIELDS if key in data}
    result.setdefault("prefer_local_intents", False)
    return result


LanguageLookup = Callable[[str], "list[str] | None"]


class PipelineStore:
    """The pipelines HA knows, and which one is preferred.

    `tts_languages(entity_id)` gives the languages a TTS entity lists; as HA 2026.11 does, a
    pipeline whose `tts_language` is not one of them (`en` for a TTS listing `en_US`) is
    refused. Engines it does not know (None) are not checked.
    """

    def __init__(self, language: str = "en", tts_languages: LanguageLookup | None = None) -> None:
        """Start with HA's default "Home Assistant" pipeline (no STT/TTS), preferred."""
        self.tts_languages = tts_languages
        self._items: dict[str, dict[str, Any]] = {}
        default = self.create(
            {
                "conversation_engine": "conversation.home_assistant",
                "conversation_language": language,
                "language": language,
                "name": "Home Assistant",
                "stt_engine": None,
                "stt_language": None,
                "tts_engine": None,
                "tts_language": None,
                "tts_voice": None,
                "wake_word_entity": None,
                "wake_word_id": None,
            }
        )
        self.preferred_id: str = default["id"]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Iterate over copies of the pipelines."""
        return iter(self.all())

    def __len__(self) -> int:
        """Return the number of pipelines."""
        return len(self._items)

    def all(self) -> list[dict[str, Any]]:
        """Return copies of all pipelines in creation order."""
        return [dict(item) for item in self._items.values()]

    def get(self, pipeline_id: str | None = None) -> dict[str, Any]:
        """Return a pipeline (the preferred one when `pipeline_id` is None)."""
        pipeline_id = pipeline_id or self.preferred_id
        if pipeline_id not in self._items:
            raise NotFoundError(f"Unable to find pipeline_id {pipeline_id}")
        return dict(self._items[pipeline_id])

    def by_name(self, name: str) -> dict[str, Any] | None:
        """Return the first pipeline called `name`, or None."""
        return next((dict(p) for p in self._items.values() if p["name"] == name), None)

    @property
    def preferred(self) -> dict[str, Any]:
        """Return the preferred pipeline."""
        return self.get(self.preferred_id)

    def _validate(self, data: Mapping[str, Any]) -> dict[str, Any]:
        pipeline = validate_pipeline(data)
        for kind in ("stt", "tts"):  # HA's validate_language
            if pipeline[f"{kind}_engine"] is not None and pipeline[f"{kind}_language"] is None:
                raise InvalidServiceData(
                    f"Need language {kind}_language for {kind}_engine {pipeline[f'{kind}_engine']}"
                )
        engine, language = pipeline["tts_engine"], pipeline["tts_language"]
        listed = self.tts_languages(engine) if engine and self.tts_languages else None
        if listed is not None and language not in listed:
            # Observed in HA 2026.11; the exact wording is not confirmed.
            raise InvalidServiceData(
                f"Text-to-speech engine {engine} does not support language {language}"
            )
        return pipeline

    def create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and add a pipeline; returns it with its new `id`."""
        pipeline = self._validate(data)
        pipeline["id"] = new_ulid().lower()
        self._items[pipeline["id"]] = pipeline
        return dict(pipeline)

    def update(self, pipeline_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Replace every field of a pipeline; returns the updated pipeline."""
        if pipeline_id not in self._items:
            raise NotFoundError(f"Unable to find pipeline_id {pipeline_id}")
        pipeline = self._validate(data)
        pipeline["id"] = pipeline_id
        self._items[pipeline_id] = pipeline
        return dict(pipeline)

    def delete(self, pipeline_id: str) -> None:
        """Delete a pipeline; the preferred one cannot be deleted (as in HA)."""
        if pipeline_id not in self._items:
            raise NotFoundError(f"Unable to find pipeline_id {pipeline_id}")
        if pipeline_id == self.preferred_id:
            raise HouseError(f"Item {pipeline_id} preferred.")
        del self._items[pipeline_id]

    def set_preferred(self, pipeline_id: str) -> None:
        """Make a pipeline the preferred one."""
        if pipeline_id not in self._items:
            raise NotFoundError(f"Unable to find pipeline_id {pipeline_id}")
        self.preferred_id = pipeline_id

    def as_list_result(self) -> dict[str, Any]:
        """Return the `assist_pipeline/pipeline/list` result."""
        return {"pipelines": self.all(), "preferred_pipeline": self.preferred_id}
