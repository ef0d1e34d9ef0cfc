"""Provision Home Assistant: Wyoming config entries, the Assist pipeline, satellites, exposure.

Every step first reads what Home Assistant has and changes only what differs, so a second run
reports everything as unchanged and creates no duplicate entries or pipelines.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from wyoming_common.hass import EntityEntry, HomeAssistantClient

from .entries import WyomingEntries
from .errors import SetupError
from .report import UNCHANGED, SetupOptions, SetupReport
from .wyoming_services import WyomingService

_LOGGER = logging.getLogger(__name__)

_DOMAINS = {"stt": "stt", "tts": "tts", "agent": "conversation", "satellite": "select"}
DEFAULT_AGENT = "conversation.home_assistant"


class Provisioner:
    """Runs the setup against one Home Assistant; `report` tells what it did."""

    def __init__(self, client: HomeAssistantClient, options: SetupOptions) -> None:
        self.client = client
        self.options = options
        self.report = SetupReport()

    async def run(self, services: Sequence[WyomingService]) -> SetupReport:
        """Add the services, build the pipeline, assign it, expose entities.

        Raises on the first failure; `report` then holds the steps done before it."""
        entries = WyomingEntries(self.client, self.report)
        entry_ids = {s.uri: await entries.ensure(s) for s in services}
        registry = await self.client.entity_registry()
        entities = {s.uri: find_entity(s, entry_ids[s.uri], registry) for s in services}
        by_role = {s.role: s for s in services if s.role != "satellite"}
        pipeline = self.desired_pipeline(by_role, entities)
        await self.ensure_pipeline(pipeline)
        for service in services:
            if service.role == "satellite":
                await self.assign(service, entities[service.uri])
        if self.options.expose:
            await self.expose(self.options.expose)
        return self.report

    # Pipeline --------------------------------------------------------------------------------

    def desired_pipeline(
        self, by_role: dict[str, WyomingService], entities: dict[str, str]
    ) -> dict[str, Any]:
        """Every field of the pipeline as HA's pipeline/create takes it."""
        language = self.options.language
        stt, tts, agent = by_role.get("stt"), by_role.get("tts"), by_role.get("agent")
        for service in (stt, agent):
            if service is not None and language not in service.languages:
                raise SetupError(
                    f"{service.name} ({service.uri}) does not offer language {language!r}; "
                    f"it offers: {', '.join(service.languages) or 'none'} (see --language)"
                )
        voice = tts.pick_voice(language, self.options.voice) if tts is not None else None
        return {
            "name": self.options.pipeline_name,
            "language": language,
            "conversation_engine": entities[agent.uri] if agent else DEFAULT_AGENT,
            "conversation_language": language,
            "stt_engine": entities[stt.uri] if stt else None,
            "stt_language": language if stt else None,
            "tts_engine": entities[tts.uri] if tts else None,
            # HA refuses a tts_language the TTS does not list (`en` for a TTS of `en_US`).
            "tts_language": voice.languages[0] if voice and voice.languages else None,
            "tts_voice": voice.name if voice else None,
            "wake_word_entity": None,
            "wake_word_id": None,
            "prefer_local_intents": self.options.prefer_local_intents,
        }

    async def ensure_pipeline(self, desired: dict[str, Any]) -> None:
        """Create the pipeline, or update it when a field differs; set it preferred if asked."""
        listing = await self.client.command("assist_pipeline/pipeline/list")
        subject = f"Assist pipeline {desired['name']!r}"
        same_name = [p for p in listing["pipelines"] if p.get("name") == desired["name"]]
        if not same_name:
            created = await self.client.command("assist_pipeline/pipeline/create", **desired)
            pipeline_id = str(created["id"])
            self.report.add(subject, "created")
        else:
            current = same_name[0]
            pipeline_id = str(current["id"])
            if all(current.get(key) == value for key, value in desired.items()):
                self.report.add(subject, UNCHANGED)
            else:
                await self.client.command(
                    "assist_pipeline/pipeline/update", pipeline_id=pipeline_id, **desired
                )
                self.report.add(subject, "updated")
        self.report.pipeline = {"id": pipeline_id, **desired}
        if self.options.set_preferred:
            preferred = listing.get("preferred_pipeline") == pipeline_id
            if not preferred:
                await self.client.command(
                    "assist_pipeline/pipeline/set_preferred", pipeline_id=pipeline_id
                )
            self.report.add(f"{subject} preferred", UNCHANGED if preferred else "updated")

    # Satellites and exposure -----------------------------------------------------------------

    async def assign(self, satellite: WyomingService, select_entity: str) -> None:
        """Point the satellite's "Assistant" select at our pipeline."""
        name = self.options.pipeline_name
        state = await self.client.get_state(select_entity)
        subject = f"satellite {satellite.name} ({select_entity})"
        if state is not None and state.state == name:
            self.report.add(subject, UNCHANGED)
            return
        await self.client.call_service(
            "select", "select_option", {"option": name}, {"entity_id": select_entity}
        )
        self.report.add(subject, f"assistant set to {name!r}")

    async def expose(self, entity_ids: Sequence[str]) -> None:
        """Expose entities to the conversation assistant (only those not exposed yet).

        Entities Home Assistant does not have fail the step, after the others are exposed, and
        fail it again on every run until the list is fixed."""
        known = {state.entity_id for state in await self.client.get_states()}
        unknown = [e for e in entity_ids if e not in known]
        exposed = await self.client.exposed_entity_ids()
        wanted = [e for e in entity_ids if e in known]
        missing = [e for e in wanted if e not in exposed]
        for entity_id in wanted:
            if entity_id not in missing:
                self.report.add(f"expose {entity_id}", UNCHANGED)
        if missing:
            await self.client.expose_entities(missing)
            for entity_id in missing:
                self.report.add(f"expose {entity_id}", "exposed")
        if unknown:
            raise SetupError(
                f"cannot expose {', '.join(unknown)}: Home Assistant has no such entity "
                "(check the entity ids under Settings → Devices & services → Entities, "
                "and --expose)"
            )


def find_entity(service: WyomingService, entry_id: str, registry: Sequence[EntityEntry]) -> str:
    """The entity HA made for the service from its config entry (else by the program's name)."""
    domain = _DOMAINS[service.role]
    candidates = [
        e
        for e in registry
        if e.config_entry_id == entry_id and e.entity_id.startswith(f"{domain}.")
    ]
    if not candidates:  # HA names the entities after the program
        slug = re.sub(r"[^a-z0-9]+", "_", service.name.casefold()).strip("_")
        candidates = [
            e
            for e in registry
            if e.platform == "wyoming" and e.entity_id.startswith(f"{domain}.{slug}")
        ]
    if service.role == "satellite":
        candidates = [e for e in candidates if _is_pipeline_select(e)]
    if not candidates:
        raise SetupError(
            f"Home Assistant has no {domain} entity for {service.name} ({service.uri}); "
            "is its Wyoming config entry loaded? (Settings → Devices & services → Wyoming)"
        )
    if len(candidates) > 1:
        _LOGGER.warning(
            "Several %s entities for %s; using %s", domain, service.name, candidates[0].entity_id
        )
    return candidates[0].entity_id


def _is_pipeline_select(entry: EntityEntry) -> bool:
    """HA's "Assistant" select: translation key `pipeline`, unique id `...-pipeline`."""
    return (
        entry.translation_key == "pipeline"
        or entry.unique_id.endswith("-pipeline")
        or entry.entity_id.endswith("_assistant")
    )
