"""What HA's wyoming integration does with a service: describe it, name it, add its entities."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any, TypeVar

from wyoming.client import AsyncTcpClient
from wyoming.info import Artifact, Describe, Info

from .house import House
from .registry import slugify

_LOGGER = logging.getLogger(__name__)

DESCRIBE_TIMEOUT = 2.0
WYOMING = "wyoming"

_ArtifactT = TypeVar("_ArtifactT", bound=Artifact)


async def describe_wyoming(host: str, port: int) -> Info | None:
    """Send `describe` to host:port and return its `info`, or None if unreachable in 2 s."""
    try:
        async with asyncio.timeout(DESCRIBE_TIMEOUT):
            async with AsyncTcpClient(host, port) as client:
                await client.write_event(Describe().event())
                while (event := await client.read_event()) is not None:
                    if Info.is_type(event.type):
                        return Info.from_event(event)
    except (OSError, TimeoutError) as err:
        _LOGGER.debug("Cannot describe %s:%s: %r", host, port, err)
    return None


def _first_installed(programs: Iterable[_ArtifactT]) -> _ArtifactT | None:
    return next((p for p in programs if p.installed), None)


def service_name(info: Info) -> str | None:
    """Return the name HA titles the entry with (wyoming's `WyomingService.get_name`)."""
    if info.satellite is not None and info.satellite.installed:
        return str(info.satellite.name)
    for programs in (info.asr, info.tts, info.wake, info.handle, info.intent):
        if (program := _first_installed(programs)) is not None:
            return str(program.name)
    return None


def _free_entity_id(house: House, base: str) -> str:
    entity_id, index = base, 2
    while entity_id in house.states:
        entity_id, index = f"{base}_{index}", index + 1
    return entity_id


def create_entities(house: House, entry_id: str, info: Info) -> list[str]:
    """Add the entities HA's wyoming integration creates; returns their ids."""
    created: list[str] = []

    def add(entity_id: str, name: str, state: str, **kwargs: Any) -> None:
        entity_id = _free_entity_id(house, entity_id)
        house.add_entity(
            entity_id,
            name,
            state,
            kwargs.pop("attributes", None),
            platform=WYOMING,
            config_entry_id=entry_id,
            exposed=False,
            **kwargs,
        )
        created.append(entity_id)

    satellite = info.satellite
    if satellite is not None and satellite.installed:
        area_id = next(
            (
                a.area_id
                for a in house.areas.values()
                if satellite.area and a.name.casefold() == satellite.area.casefold()
            ),
            None,
        )
        device = house.add_device(
            satellite.name,
            area_id,
            manufacturer=satellite.attribution.name,
            config_entry_id=entry_id,
            identifiers=[(WYOMING, entry_id)],
        )
        slug, name = slugify(satellite.name), satellite.name
        config: dict[str, Any] = {"device_id": device.id, "entity_category": "config"}
        add(
            f"assist_satellite.{slug}",
            name,
            "idle",
            device_id=device.id,
            attributes={"supported_features": 1},
        )
        add(f"select.{slug}_assistant", f"{name} Assistant", "preferred", **config)
        add(
            f"select.{slug}_finished_speaking_detection",
            f"{name} Finished speaking detection",
            "default",
            **config,
        )
        add(
            f"select.{slug}_noise_suppression_level",
            f"{name} Noise suppression level",
            "off",
            **config,
        )
        add(f"number.{slug}_auto_gain", f"{name} Auto gain", "0", **config)
        add(f"number.{slug}_mic_volume", f"{name} Mic volume", "1.0", **config)
        add(f"switch.{slug}_mute", f"{name} Mute", "off", **config)
        add(
            f"binary_sensor.{slug}_assist_in_progress",
            f"{name} Assist in progress",
            "off",
            device_id=device.id,
        )
        return created
    programs: list[tuple[str, Artifact | None]] = [
        ("stt", _first_installed(info.asr)),
        ("tts", _first_installed(info.tts)),
        ("conversation", _first_installed(info.handle) or _first_installed(info.intent)),
        ("wake_word", _first_installed(info.wake)),
    ]
    for domain, program in programs:
        if program is not None:
            add(f"{domain}.{slugify(program.name)}", program.name, "unknown")
    return created
