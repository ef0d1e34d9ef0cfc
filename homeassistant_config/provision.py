"""Provision Home Assistant: Wyoming config entries, the Assist pipeline, satellites, exposure.

Every step first reads what Home Assistant has and changes only what differs, so a second run
reports everything as unchanged and creates no duplicate entries or pipelines.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import CommandError, SetupError
from .hass_client import HomeAssistantClient
from .wyoming_services import WyomingService

_LOGGER = logging.getLogger(__name__)

FLOWS = "/api/config/config_entries/flow"
_DOMAINS = {"stt": "stt", "tts": "tts", "agent": "conversation", "satellite": "select"}
DEFAULT_AGENT = "conversation.home_assistant"


@dataclass(frozen=True)
class SetupOptions:
    """What the pipeline should look like."""

    pipeline_name: str = "wyoming-voice"
    language: str = "en"
    prefer_local_intents: bool = False
    set_preferred: bool = False
    expose: tuple[str, ...] = ()
    voice: str | None = None


@dataclass
class SetupReport:
    """What happened, step by step: (subject, outcome); outcomes other than unchanged change HA."""

    steps: list[tuple[str, str]] = field(default_factory=list)
    pipeline: dict[str, Any] = field(default_factory=dict)

    def add(self, subject: str, outcome: str) -> None:
        """Record one step."""
        _LOGGER.info("%s: %s", subject, outcome)
        self.steps.append((subject, outcome))

    @property
    def changed(self) -> bool:
        """Whether any step changed Home Assistant."""
        return any(outcome != "unchanged" for _subject, outcome in self.steps)


class Provisioner:
    """Runs the setup against one Home Assistant."""

    def __init__(self, client: HomeAssistantClient, options: SetupOptions) -> None:
        self.client = client
        self.options = options
        self.report = SetupReport()

    async def run(self, services: Sequence[WyomingService]) -> SetupReport:
        """Add the services, build the pipeline, assign it, expose entities."""
        entry_ids = {s.uri: await self.ensure_entry(s) for s in services}
        registry: list[dict[str, Any]] = await self.client.command("config/entity_registry/list")
        entries: list[dict[str, Any]] = await self.client.command(
            "config_entries/get", domain="wyoming"
        )
        entities = {s.uri: find_entity(s, entry_ids[s.uri], registry, entries) for s in services}
        by_role = {s.role: s for s in services if s.role != "satellite"}
        pipeline = self.desired_pipeline(by_role, entities)
        await self.ensure_pipeline(pipeline)
        for service in services:
            if service.role == "satellite":
                await self.assign(service, entities[service.uri])
        if self.options.expose:
            await self.expose(self.options.expose)
        return self.report

    # Config entries ---------------------------------------------------------------------------

    async def ensure_entry(self, service: WyomingService) -> str | None:
        """Confirm a zeroconf discovery or add the service by host/port; returns a new entry id."""
        subject = f"Wyoming entry {service.name} ({service.host}:{service.port})"
        if service.instance:
            for flow in await self.client.rest("GET", FLOWS) or []:
                context = flow.get("context") or {}
                names = (context.get("unique_id"), context.get("name"))
                if flow.get("handler") == "wyoming" and (
                    service.instance in names or f"{service.instance}._wyoming._tcp.local." in names
                ):
                    result = await self.client.rest("POST", f"{FLOWS}/{flow['flow_id']}", {})
                    return self._entry_result(result, service, subject, "confirmed discovery")
        flow = await self.client.rest("POST", FLOWS, {"handler": "wyoming"})
        if not isinstance(flow, dict) or flow.get("type") != "form":
            raise SetupError(f"Home Assistant did not start a Wyoming config flow: {flow}")
        flow_url = f"{FLOWS}/{flow['flow_id']}"
        result = await self.client.rest(
            "POST", flow_url, {"host": service.host, "port": service.port}
        )
        if isinstance(result, dict) and result.get("type") == "form":
            await self.client.rest("DELETE", flow_url)  # leave no half-done flow behind
        return self._entry_result(result, service, subject, "created")

    def _entry_result(
        self, result: Any, service: WyomingService, subject: str, outcome: str
    ) -> str | None:
        kind = result.get("type") if isinstance(result, dict) else None
        if kind == "create_entry":
            self.report.add(subject, outcome)
            return str(result["result"]["entry_id"])
        if kind == "abort" and result.get("reason") == "already_configured":
            self.report.add(subject, "unchanged")
            return None
        if kind == "form" and (result.get("errors") or {}).get("base") == "cannot_connect":
            raise SetupError(
                f"Home Assistant cannot connect to {service.name} at {service.host}:"
                f"{service.port}. Home Assistant connects to that address itself: give a URI "
                "it can reach (the machine's LAN address, not 127.0.0.1 unless HA runs "
                "on the same host), and check the firewall"
            )
        reason = result.get("reason") if isinstance(result, dict) else result
        raise SetupError(f"Home Assistant refused to add {service.uri}: {reason}")

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
                self.report.add(subject, "unchanged")
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
            self.report.add(f"{subject} preferred", "unchanged" if preferred else "updated")

    # Satellites and exposure -----------------------------------------------------------------

    async def assign(self, satellite: WyomingService, select_entity: str) -> None:
        """Point the satellite's "Assistant" select at our pipeline."""
        name = self.options.pipeline_name
        state = await self.client.rest("GET", f"/api/states/{select_entity}")
        subject = f"satellite {satellite.name} ({select_entity})"
        if isinstance(state, dict) and state.get("state") == name:
            self.report.add(subject, "unchanged")
            return
        await self.client.command(
            "call_service",
            domain="select",
            service="select_option",
            service_data={"option": name},
            target={"entity_id": select_entity},
        )
        self.report.add(subject, f"assistant set to {name!r}")

    async def expose(self, entity_ids: Sequence[str]) -> None:
        """Expose entities to the conversation assistant (only those not exposed yet)."""
        listing = await self.client.command("homeassistant/expose_entity/list")
        exposed = listing.get("exposed_entities") or {}
        missing = [e for e in entity_ids if not (exposed.get(e) or {}).get("conversation")]
        for entity_id in entity_ids:
            if entity_id not in missing:
                self.report.add(f"expose {entity_id}", "unchanged")
        if not missing:
            return
        try:
            await self.client.command(
                "homeassistant/expose_entity",
                assistants=["conversation"],
                entity_ids=missing,
                should_expose=True,
            )
        except CommandError as err:
            raise SetupError(f"cannot expose {', '.join(missing)}: {err}") from err
        for entity_id in missing:
            self.report.add(f"expose {entity_id}", "exposed")


def find_entity(
    service: WyomingService,
    entry_id: str | None,
    registry: Sequence[dict[str, Any]],
    entries: Sequence[dict[str, Any]],
) -> str:
    """The entity HA made for the service: by its config entry, else by the entry's title."""
    domain = _DOMAINS[service.role]
    entry_ids = (
        {entry_id}
        if entry_id
        else {str(e["entry_id"]) for e in entries if e.get("title") == service.name}
    )
    candidates = [
        e
        for e in registry
        if e.get("config_entry_id") in entry_ids and str(e["entity_id"]).startswith(f"{domain}.")
    ]
    if not candidates:  # the entry was renamed: HA names entities after the program
        slug = re.sub(r"[^a-z0-9]+", "_", service.name.casefold()).strip("_")
        candidates = [
            e
            for e in registry
            if e.get("platform") == "wyoming" and str(e["entity_id"]).startswith(f"{domain}.{slug}")
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
            "Several %s entities for %s; using %s",
            domain,
            service.name,
            candidates[0]["entity_id"],
        )
    return str(candidates[0]["entity_id"])


def _is_pipeline_select(entry: dict[str, Any]) -> bool:
    """HA's "Assistant" select: translation key `pipeline`, unique id `...-pipeline`."""
    return (
        entry.get("translation_key") == "pipeline"
        or str(entry.get("unique_id", "")).endswith("-pipeline")
        or str(entry["entity_id"]).endswith("_assistant")
    )
